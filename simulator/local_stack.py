"""The local stack: the embedded AWS (moto server) with the template's tables and the sample data.

Started by `ivr run`, `ivr call`, `ivr lookup` and `ivr callbacks sweep`; the handlers then run
in this process against it over HTTP. Fresh on every start, or with ``keep`` the tables saved by
the last `ivr run --keep` (simulator/kept_state.py).
"""

from __future__ import annotations

import os
from typing import Any

import boto3

from simulator.cli_output import route_handler_logs
from simulator.kept_state import load_state
from simulator.local_aws import apply_environment, create_resources, start_server
from simulator.running_stack import DYNAMODB_MOVER, outbox_path, require_free, state_path
from simulator.seed import load_given, sample_data


def start_local_stack(port: int, *, verbose: bool = False, keep: bool = False) -> Any:
    """Embedded DynamoDB (moto server) on 127.0.0.1:port with the tables and sample data; the
    handlers' logs off (``verbose``: on stderr); PortBusyError when something else has the port."""
    require_free(port, "embedded DynamoDB", DYNAMODB_MOVER)
    endpoint = f"http://127.0.0.1:{port}"
    print(f"[start 1/3] embedded DynamoDB (moto server) on {endpoint}", flush=True)
    server = start_server(port)
    apply_environment(endpoint)
    outbox = outbox_path(port)
    outbox.parent.mkdir(exist_ok=True)
    if not keep:
        outbox.unlink(missing_ok=True)
    os.environ["LOCAL_OUTBOX_PATH"] = str(outbox)  # attached commands and the web phone share it
    route_handler_logs(verbose)
    print("[start 2/3] tables, queues and secrets from template.yaml", flush=True)
    session = boto3.session.Session()
    create_resources(session)
    saved = state_path(port)
    if keep and saved.exists():
        count = load_state(session, saved)
        print(f"[start 3/3] kept state: {count} item(s) from {saved}", flush=True)
    else:
        phones = load_given(sample_data())
        print(f"[start 3/3] fresh sample data; sample callers: {', '.join(phones)}", flush=True)
    return server

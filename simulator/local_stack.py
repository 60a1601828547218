"""The local stack: the embedded AWS (moto server) with the template's tables and the sample data.

Started by `ivr run`, `ivr call`, `ivr lookup` and `ivr callbacks sweep`; the handlers then run
in this process against it over HTTP.
"""

from __future__ import annotations

import os
from typing import Any

import boto3

from simulator.local_aws import apply_environment, create_resources, start_server
from simulator.seed import load_given, sample_data


def start_local_stack(port: int, *, quiet_lambdas: bool = False) -> Any:
    """Embedded DynamoDB (moto server) on 127.0.0.1:port with the tables and sample data."""
    if quiet_lambdas:
        # The person at the terminal reads the call, not the functions' JSON logs.
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    server = start_server(port)
    endpoint = f"http://127.0.0.1:{port}"
    apply_environment(endpoint)
    if quiet_lambdas:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    create_resources(boto3.session.Session())
    phones = load_given(sample_data())
    print(f"Local DynamoDB (moto server) on {endpoint}; sample callers: {', '.join(phones)}")
    return server

"""Test set-up. The environment is set before anything imports ivr (PynamoDB reads it at import)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.local_aws import LOCAL_REGION, function_environment

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "AWS_REGION": LOCAL_REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "ivr-tests",
    "NOTIFIER": "local",
    "VOICE_PROVIDER": "simulated",
    "CONTACT_ATTRIBUTES": "activity",
    "HANDLED_CONTACTS": "activity",
    **function_environment(),
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)

#: After the whole suite: no card number, CVV, PIN or knowledge answer anywhere (README, Hardening).
pytest_plugins = ["tests.secrets_scan"]

EVENTS = Path(__file__).parent / "events"


def load_event(name: str) -> Any:
    """A sample event from tests/events/, e.g. load_event('connect/caller_lookup.json')."""
    return json.loads((EVENTS / name).read_text())


@pytest.fixture
def aws() -> Iterator[None]:
    """moto's in-memory AWS with the template's tables and secrets (one request at a time)."""
    from simulator.local_aws import in_memory_aws

    with in_memory_aws():
        yield


@pytest.fixture
def lambda_context() -> Any:
    from simulator.context import lambda_context as make

    return make("test-function")

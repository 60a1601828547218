"""Review finding: with POWERTOOLS_LOGGER_LOG_EVENT=true and other libraries at DEBUG, no link
token, bearer token or PIN reaches a log line (the portal API and the sender, against moto)."""

from __future__ import annotations

import importlib
import io
import json
import logging
import secrets
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from simulator.context import lambda_context as make_context
from simulator.portal_client import api_event

PIN = "512673"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What our Logger writes (its own handler and formatter, pointed at a buffer)."""
    from ivr.core.observability import logger

    handler: Any = logger.registered_handler
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def event_logging(monkeypatch: pytest.MonkeyPatch, aws: None) -> Iterator[dict[str, ModuleType]]:
    """The handlers as imported with event logging on (Powertools reads it at decoration)."""
    import portal_api
    import send_notification

    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    modules = {"portal_api": importlib.reload(portal_api)}
    modules["send_notification"] = importlib.reload(send_notification)
    yield modules
    monkeypatch.delenv("POWERTOOLS_LOGGER_LOG_EVENT")
    for module in modules.values():
        importlib.reload(module)


def test_the_portal_api_logs_no_token_and_no_pin_with_event_logging_on(
    event_logging: dict[str, ModuleType], log_lines: io.StringIO
) -> None:
    handler: Any = event_logging["portal_api"].lambda_handler
    link_token, api_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verify = api_event("POST", "/sessions/s-1/verify", {"token": link_token, "pin": PIN})
    assert '"pin": "512673"' in verify["body"]  # JSON with spaces, as browsers and clients send
    handler(verify, make_context("PortalApiFunction"))
    handler(api_event("GET", "/sessions/s-1", None, api_token), make_context("PortalApiFunction"))
    logged = log_lines.getvalue()
    assert "s-1/verify" in logged  # the event was logged ...
    for secret in (link_token, api_token, PIN):
        assert secret not in logged  # ... without its secrets


def test_the_sender_logs_no_link_token_with_event_logging_on(
    event_logging: dict[str, ModuleType], log_lines: io.StringIO
) -> None:
    handler: Any = event_logging["send_notification"].lambda_handler
    token = secrets.token_urlsafe(32)
    message = {
        "channel": "sms",
        "to": "+13125550142",
        "text": f"Example Bank: pay at https://pay.example.com/pay/0b6c1f2e#{token} PIN {PIN}",
        "idempotencyKey": "portal-link#c-1",
    }
    record: dict[str, Any] = {"messageId": "m-1", "receiptHandle": "r", "body": json.dumps(message)}
    record |= {"eventSource": "aws:sqs", "attributes": {}, "messageAttributes": {}}
    handler({"Records": [record]}, make_context("SendNotificationFunction"))
    logged = log_lines.getvalue()
    assert "portal-link#c-1" in logged
    assert token not in logged and PIN not in logged


def test_other_libraries_logging_at_debug_are_scrubbed() -> None:
    import ivr.core.observability  # noqa: F401 - installs the scrubbing

    stream = io.StringIO()
    late = logging.StreamHandler(stream)  # a handler added after our import, like any library's
    root = logging.getLogger()
    root.addHandler(late)
    botocore = logging.getLogger("botocore.endpoint")
    level = botocore.level
    botocore.setLevel(logging.DEBUG)
    token = secrets.token_urlsafe(32)
    try:
        botocore.debug(
            "Making request with params: %s",
            {"headers": {"Authorization": f"Bearer {token}"}, "body": f'{{"pin": "{PIN}"}}'},
        )
        logging.getLogger("urllib3.connectionpool").warning("GET /pay/0b6c#%s", token)
    finally:
        botocore.setLevel(level)
        root.removeHandler(late)
    logged = stream.getvalue()
    assert "Making request" in logged
    assert token not in logged and PIN not in logged

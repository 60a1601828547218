"""Review finding: the portal API's edges - malformed envelopes, the content type, card fields
beside a token, card numbers hidden by JSON escapes or dots - are refused with a 4xx (moto)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.context import lambda_context as make_context
from simulator.portal_client import api_event


def call(event: Any) -> dict[str, Any]:
    from portal_api import lambda_handler

    answer: dict[str, Any] = lambda_handler(event, make_context("PortalApiFunction"))
    return answer


def verify_event(**changes: Any) -> dict[str, Any]:
    event = api_event("POST", "/sessions/s-1/verify", {"token": "t", "pin": "123456"})
    event.update(changes)
    return event


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    "changes",
    [
        {"httpMethod": 7},
        {"httpMethod": ["POST"]},
        {"httpMethod": None},
        {"multiValueHeaders": "Content-Type: application/json"},
        {"multiValueHeaders": ["x"]},
        {"headers": ["Content-Type"]},
        {"path": 12},
        {"queryStringParameters": "a=b"},
        {"requestContext": "nope"},
    ],
)
def test_a_malformed_envelope_gets_400(changes: dict[str, Any]) -> None:
    answer = call(verify_event(**changes))
    assert answer["statusCode"] == 400, answer
    assert json.loads(answer["body"])["error"] == "bad_request"


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    "content_type", ["application/jsonp", "application/json-seq", "application/jsonx; a=b", ""]
)
def test_only_the_json_media_type_is_accepted(content_type: str) -> None:
    event = verify_event()
    event["headers"]["Content-Type"] = content_type
    event["multiValueHeaders"]["Content-Type"] = [content_type]
    assert call(event)["statusCode"] == 415


@pytest.mark.usefixtures("aws")
def test_json_with_parameters_is_still_json() -> None:
    event = verify_event()
    event["headers"]["Content-Type"] = "Application/JSON; charset=utf-8"
    event["multiValueHeaders"]["Content-Type"] = ["Application/JSON; charset=utf-8"]
    assert call(event)["statusCode"] == 403  # reaches the route: the unknown link is refused


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    "extra", [{"cvv": "123"}, {"expiry": "12/30"}, {"card": {"cvc": "123"}}, {"expMonth": "12"}]
)
def test_card_fields_beside_a_token_are_refused(extra: dict[str, Any]) -> None:
    body = {"cardToken": "tok_visa", "name": "Ana Souza", **extra}
    answer = call(api_event("POST", "/sessions/s-1/payment", body, "api-token"))
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["error"] == "card_details_not_accepted"


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    "raw",
    [
        '{"cardToken": "\\u0034\\u0032\\u0034\\u0032\\u0034\\u0032\\u0034\\u0032'
        '\\u0034\\u0032\\u0034\\u0032\\u0034\\u0032\\u0034\\u0032", "name": "Ana"}',
        '{"cardToken": "4242.4242.4242.4242", "name": "Ana"}',
        '{"cardToken": "4242/4242/4242/4242", "name": "Ana"}',
        '{"name": "Ana", "cardToken": "tok", "note": "4242_4242_4242_4242"}',
    ],
)
def test_a_card_number_in_disguise_is_refused_after_parsing(raw: str) -> None:
    event = api_event("POST", "/sessions/s-1/payment", None, "api-token")
    event["body"] = raw
    answer = call(event)
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["error"] == "card_number_not_accepted"


# --- found by schemathesis (tests/fuzz/test_api_schemathesis.py) ---------------------------------


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/sessions/s-1", "GET"),
        ("DELETE", "/sessions/s-1/payment", "POST"),
        ("TRACE", "/sessions/s-1/verify", "POST"),
        ("GET", "/sessions/s-1/link", "POST"),
    ],
)
def test_a_method_the_resource_does_not_take_gets_405_with_allow(
    method: str, path: str, allow: str
) -> None:
    event = api_event(method, path, None)
    del event["headers"]["Content-Type"], event["multiValueHeaders"]["Content-Type"]

    answer = call(event)

    assert answer["statusCode"] == 405, answer  # was 415 (the body check came first) or 404
    allowed = answer.get("multiValueHeaders", {}).get("Allow") or [answer["headers"]["Allow"]]
    assert allowed == [allow]
    assert json.loads(answer["body"])["error"] == "method_not_allowed"
    assert answer["headers"]["Cache-Control"] == "no-store"


@pytest.mark.usefixtures("aws")
def test_a_resource_the_portal_does_not_have_is_still_404() -> None:
    assert call(api_event("PUT", "/sessions/s-1/refund", None))["statusCode"] == 404

"""One mapping of domain errors to HTTP answers, registered on every API: routes raise, the
resolver answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from ivr.callbacks.service import SlotFullError
from ivr.channels.api import DOMAIN_ERROR_ANSWERS, ErrorAnswer, answer_domain_errors
from ivr.core.errors import (
    InvalidPhoneNumberError,
    IvrError,
    MalformedEventError,
    NotificationError,
    StoreUnavailableError,
)
from ivr.payments.cards import InvalidCardError
from ivr.payments.checkout import NoCustomerError, ReplayError, SessionRefusedError
from simulator.context import lambda_context

RAISED: dict[str, IvrError] = {
    "not-found": NoCustomerError("no customer"),
    "replay": ReplayError("paid already"),
    "conflict": SlotFullError("full"),
    "refused": SessionRefusedError("expired"),
    "card": InvalidCardError("Luhn"),
    "phone": InvalidPhoneNumberError("not a number"),
    "malformed": MalformedEventError("no body"),
    "store": StoreUnavailableError("timed out"),
    "sms": NotificationError("throttled"),
}


def api(refused: ErrorAnswer | None = None) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver()

    @app.get("/raise/<kind>")
    def raise_it(kind: str) -> Response[Any]:
        raise RAISED[kind]

    answer_domain_errors(app, "test", refused=refused)
    return app


def get(app: APIGatewayRestResolver, kind: str) -> tuple[int, dict[str, Any]]:
    event: dict[str, Any] = {"httpMethod": "GET", "path": f"/raise/{kind}", "headers": {}}
    context: Any = lambda_context("test")  # what Lambda passes; the routes never read it
    response = app.resolve(event, context)
    return int(response["statusCode"]), json.loads(response["body"])


@pytest.mark.parametrize(
    ("kind", "status", "error"),
    [
        ("not-found", 404, "not_found"),
        ("replay", 409, "already_used"),
        ("conflict", 409, "conflict"),
        ("refused", 403, "forbidden"),
        ("card", 400, "invalid_card"),
        ("phone", 422, "invalid"),
        ("malformed", 400, "bad_request"),
        ("store", 503, "unavailable"),
        ("sms", 503, "unavailable"),
    ],
)
def test_each_domain_error_gets_its_http_answer(kind: str, status: int, error: str) -> None:
    answered, body = get(api(), kind)
    assert (answered, body["error"]) == (status, error)


def test_an_api_may_word_its_refusal_once_for_every_refusal() -> None:
    portal = api(refused=ErrorAnswer(403, "link_not_usable", "One message for every refusal."))
    assert get(portal, "refused") == (
        403,
        {"error": "link_not_usable", "message": "One message for every refusal."},
    )


PORTAL_VERIFY = {
    "httpMethod": "POST",
    "path": "/sessions/s1/verify",
    "headers": {"Content-Type": "application/json"},
    "body": json.dumps({"token": "t", "pin": "123456"}),
}
AGENT_TIMELINE = {
    "httpMethod": "GET",
    "path": "/contacts/6f1f3c1e-8d57-4b38-9b0c-2f5b8e4f2a11/timeline",
    "headers": {},
    "body": None,
    # A supervisor (who may read any contact), so the request reaches the failing dependency.
    "requestContext": {
        "authorizer": {
            "claims": {
                "sub": "agent-1",
                "custom:connect_user_id": "connect-user-1",
                "cognito:groups": "supervisors",
            }
        }
    },
}


@pytest.mark.parametrize(
    ("handler", "event", "dependency"),
    [("portal_api", PORTAL_VERIFY, "pepper"), ("agent_timeline", AGENT_TIMELINE, "activity")],
)
@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (NoCustomerError("gone"), 404, "not_found"),
        (StoreUnavailableError("down"), 503, "unavailable"),
    ],
)
def test_both_apis_answer_domain_errors_from_the_one_mapping(
    monkeypatch: pytest.MonkeyPatch,
    handler: str,
    event: dict[str, Any],
    dependency: str,
    error: IvrError,
    status: int,
    slug: str,
) -> None:
    from ivr import wiring

    def fails() -> None:
        raise error

    monkeypatch.setattr(wiring, dependency, fails)
    app: APIGatewayRestResolver = __import__(handler).app
    context: Any = lambda_context(handler)
    response = app.resolve(dict(event), context)
    assert response["statusCode"] == status
    assert (
        json.loads(response["body"])["error"] == DOMAIN_ERROR_ANSWERS[type(error).__mro__[1]].error
    )

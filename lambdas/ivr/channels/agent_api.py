"""API Gateway edge of the agent API: the signed-in agent, JSON bodies, errors as answers.

Behind a Cognito user-pool authorizer: API Gateway passes the ID token's claims in
``requestContext.authorizer.claims`` (every value a string). The functions check them all the
same, so a route wired without the authorizer cannot leak a customer's details: no claims, or a
token without the Connect user mapping, is a 401. Every refusal is the same 403 body, whatever
the reason, so it says nothing about the contact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response

from ivr.agent.access import (
    AccessRules,
    Agent,
    NotSignedInError,
    agent_from_claims,
)
from ivr.agent.errors import InvalidActionError, InvalidCursorError
from ivr.callbacks.scheduling import Decision
from ivr.channels.api import (
    ErrorAnswer,
    answer_domain_errors,
    answer_unknown_routes_and_failures,
    contains_card_number,
    header,
    json_response,
    problem,
    with_security_headers,
)
from ivr.core.observability import logger
from ivr.payments.cards import InvalidAmountError
from ivr.payments.checkout import StepInProgressError

IDEMPOTENCY_HEADER = "idempotency-key"
#: The contact the agent's softphone holds when it is a later one of a transfer chain.
VIA_HEADER = "x-connect-contact-id"
UNAUTHORIZED = {"error": "unauthorized", "message": "Sign in as an agent."}
FORBIDDEN = {"error": "forbidden", "message": "Not allowed."}


def agent_app(portal_base_url: str) -> APIGatewayRestResolver:
    return APIGatewayRestResolver(
        cors=CORSConfig(
            allow_origin=portal_base_url,
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "X-Connect-Contact-Id",
            ],
            max_age=600,
        )
    )


def signed_in_agent(event: dict[str, Any], rules: AccessRules) -> Agent:
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
    return agent_from_claims(claims if isinstance(claims, dict) else None, rules)


def idempotency_key(event: dict[str, Any]) -> str:
    return header(event, IDEMPOTENCY_HEADER)


def held_contact(event: dict[str, Any]) -> str:
    """The softphone's own contact id, when the page sends it (a transferred call)."""
    return header(event, VIA_HEADER)


def json_body(app: APIGatewayRestResolver) -> dict[str, Any]:
    try:
        body = app.current_event.json_body if app.current_event.body else {}
    except ValueError as bad:
        raise InvalidActionError("the body is not JSON") from bad
    if not isinstance(body, dict):
        raise InvalidActionError("the body must be a JSON object")
    return body


def text_field(body: dict[str, Any], key: str, default: str = "") -> str:
    """A string field of the body (absent: ``default``); any other JSON type is a 400, never
    coerced (``"clock": 0`` is not the caller's clock)."""
    if key not in body:
        return default
    value = body[key]
    if not isinstance(value, str):
        raise InvalidActionError(f"{key}: a string")
    return value


def not_bookable(decision: Decision | None) -> Response[Any]:
    """A refused move or reschedule: why, and the nearest bookable times (UTC)."""
    refusal = decision.refusal.value if decision and decision.refusal else ""
    alternatives = [a.isoformat() for a in (decision.alternatives if decision else ())]
    body = {"error": "not_bookable", "reason": refusal, "alternatives": alternatives}
    return json_response(422, body)


def register_agent_errors(app: APIGatewayRestResolver, api_name: str) -> None:
    """The one mapping of domain errors every API gives (ivr.channels.api), with the agent API's
    own: 401 without the mapping, the one 403 body, 400 for a request sent wrong, 422 for nothing
    to pay, 409 while the same action is still running."""
    answer_domain_errors(app, api_name, refused=ErrorAnswer(403, "forbidden", "Not allowed."))
    own = {
        NotSignedInError: ErrorAnswer(401, "unauthorized", "Sign in as an agent."),
        InvalidActionError: ErrorAnswer(400, "bad_request", "Check the request."),
        InvalidCursorError: ErrorAnswer(400, "bad_request", "Not a cursor of this backlog."),
        InvalidAmountError: ErrorAnswer(
            422, "not_payable", "Nothing to pay by link: the amount is zero or above the limit."
        ),
        StepInProgressError: ErrorAnswer(
            409, "in_progress", "The same action is still running; wait a moment."
        ),
    }
    for error_type, error_answer in own.items():
        app.exception_handler(error_type)(_answer_with(error_answer))
    answer_unknown_routes_and_failures(app, api_name)


def _answer_with(error_answer: ErrorAnswer) -> Callable[[Exception], Response[Any]]:
    def answer(error: Exception) -> Response[Any]:
        return error_answer.response()

    return answer


def _refuse_before_routing(event: Any) -> dict[str, Any] | None:
    if not isinstance(event, dict) or "httpMethod" not in event:
        return problem(400, "bad_request", "Not an API request.")
    body = event.get("body")
    if body is not None and not isinstance(body, str):
        return problem(400, "bad_request", "The body must be text.")
    if event["httpMethod"] == "POST":
        if body and not header(event, "content-type").lower().startswith("application/json"):
            return problem(415, "unsupported_media_type", "Send JSON.")
        if body and contains_card_number(body):
            # An agent's note is kept 90 days in the activity log: never a card number.
            return problem(400, "card_number_not_accepted", "Never type card numbers here.")
    return None


def serve(app: APIGatewayRestResolver, api_name: str, event: Any, context: Any) -> dict[str, Any]:
    """The whole of a lambda_handler: early refusals, the router, the security headers."""
    early = _refuse_before_routing(event)
    if early is not None:
        return with_security_headers(early)
    try:
        return with_security_headers(app.resolve(event, context))
    except Exception:
        logger.exception(f"{api_name} request failed outside the router")
        return with_security_headers(None)

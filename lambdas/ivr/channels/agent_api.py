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
    AccessDeniedError,
    AccessRules,
    Agent,
    NotSignedInError,
    agent_from_claims,
)
from ivr.agent.errors import InvalidActionError, InvalidCursorError
from ivr.callbacks.scheduling import Decision
from ivr.channels.api import (
    answer_unknown_routes_and_failures,
    contains_card_number,
    header,
    json_response,
    problem,
    with_security_headers,
)
from ivr.core.errors import ConflictError, IvrError, NotFoundError
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


def not_bookable(decision: Decision | None) -> Response[Any]:
    """A refused move or reschedule: why, and the nearest bookable times (UTC)."""
    refusal = decision.refusal.value if decision and decision.refusal else ""
    alternatives = [a.isoformat() for a in (decision.alternatives if decision else ())]
    body = {"error": "not_bookable", "reason": refusal, "alternatives": alternatives}
    return json_response(422, body)


def register_agent_errors(app: APIGatewayRestResolver, api_name: str) -> None:
    """Domain errors -> answers, for every route of an agent API."""

    def answer(status: int, body: dict[str, Any]) -> Callable[[Exception], Response[Any]]:
        def handle(error: Exception) -> Response[Any]:
            return json_response(status, body)

        return handle

    handlers: list[tuple[type[Exception], int, dict[str, Any]]] = [
        (NotSignedInError, 401, UNAUTHORIZED),
        (AccessDeniedError, 403, FORBIDDEN),
        (NotFoundError, 404, {"error": "not_found", "message": "Nothing to do on this contact."}),
        (ConflictError, 409, {"error": "conflict", "message": "It changed meanwhile; reload."}),
    ]
    for kind, status, body in handlers:
        app.exception_handler(kind)(answer(status, body))

    @app.exception_handler([InvalidActionError, InvalidCursorError])  # type: ignore[untyped-decorator]
    def invalid(error: IvrError) -> Response[Any]:
        return json_response(400, {"error": "bad_request", "message": str(error)})

    @app.exception_handler(InvalidAmountError)  # type: ignore[untyped-decorator]
    def not_payable(error: InvalidAmountError) -> Response[Any]:
        message = "Nothing to pay by link: the amount is zero or above the limit."
        return json_response(422, {"error": "not_payable", "message": message})

    @app.exception_handler(StepInProgressError)  # type: ignore[untyped-decorator]
    def in_progress(error: StepInProgressError) -> Response[Any]:
        message = "The same action is still running; wait a moment."
        return json_response(409, {"error": "in_progress", "message": message})

    @app.exception_handler(IvrError)  # type: ignore[untyped-decorator]
    def unavailable(error: IvrError) -> Response[Any]:
        logger.warning(f"{api_name} unavailable", extra={"errorCode": error.code})
        return json_response(503, {"error": "unavailable", "message": "Please try again."})

    answer_unknown_routes_and_failures(app, api_name)


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

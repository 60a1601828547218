"""API Gateway (REST, proxy integration) edge of the payment portal: headers, body rules, errors.

Every response, errors and 404s included, carries the security headers; state changes must be
JSON POSTs with the ``X-Portal-Request`` header, which a cross-origin HTML form cannot send (and a
cross-origin script cannot send without a CORS preflight that only the portal's origin passes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError

from ivr.core.errors import (
    ConflictError,
    InvalidInputError,
    IvrError,
    MalformedEventError,
    NotFoundError,
    RefusedError,
)
from ivr.core.observability import logger, luhn_valid
from ivr.payments.cards import InvalidAmountError, InvalidCardError
from ivr.payments.checkout import ReplayError

CUSTOM_HEADER = "x-portal-request"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; "
        "form-action 'none'"
    ),
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_DIGIT_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def contains_card_number(text: str) -> bool:
    """A Luhn-valid run of 13-19 digits (spaces and dashes allowed): a PAN we must not accept."""
    return any(luhn_valid(re.sub(r"\D", "", m.group(0))) for m in _DIGIT_RUN.finditer(text))


def with_security_headers(answer: Any) -> dict[str, Any]:
    response: dict[str, Any] = (
        answer if isinstance(answer, dict) else problem(500, "internal", "Something went wrong.")
    )
    headers = dict(response.get("headers") or {})
    headers.update(SECURITY_HEADERS)
    response["headers"] = headers
    multi = response.get("multiValueHeaders")
    if isinstance(multi, dict):
        for name in SECURITY_HEADERS:
            multi.pop(name, None)
    return response


def problem(status: int, code: str, message: str, **extra: object) -> dict[str, Any]:
    """An error answer for a raw (pre-router) rejection."""
    body = {"error": code, "message": message, **extra}
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def header(event: dict[str, Any], name: str) -> str:
    headers = event.get("headers") or {}
    if not isinstance(headers, dict):
        return ""
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value)
    return ""


def reject_before_routing(event: Any) -> dict[str, Any] | None:
    """Answers for requests that must not reach a route: not API Gateway, a form post, a PAN."""
    if not isinstance(event, dict) or "httpMethod" not in event:
        return problem(400, "bad_request", "Not an API request.")
    body = event.get("body")
    if body is not None and not isinstance(body, str):
        return problem(400, "bad_request", "The body must be text.")
    if event["httpMethod"] in {"POST", "PUT", "PATCH", "DELETE"}:
        if not header(event, "content-type").lower().startswith("application/json"):
            return problem(415, "unsupported_media_type", "Send JSON.")
        if header(event, CUSTOM_HEADER) != "1":
            return problem(403, "forbidden", "Missing the portal request header.")
        if body and event.get("isBase64Encoded"):
            return problem(400, "bad_request", "The body must be plain JSON.")
        if body and contains_card_number(body):
            # Card numbers go to the processor's hosted fields, never to us (PCI DSS scope).
            return problem(
                400, "card_number_not_accepted", "Card details go to the card form only."
            )
    return None


def json_response(status: int, body: dict[str, Any]) -> Response[Any]:
    """A JSON answer from a Powertools route."""
    return Response(status_code=status, content_type="application/json", body=body)


def answer_unknown_routes_and_failures(app: APIGatewayRestResolver, api_name: str) -> None:
    """The answers every API of ours gives alike: 404 JSON for a route it does not have, and a
    500 JSON body (never a stack trace) for a failure no other handler took, logged once."""

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def unexpected(error: Exception) -> Response[Any]:
        logger.exception(f"unexpected {api_name} failure")
        return json_response(500, {"error": "internal", "message": "Something went wrong."})

    @app.not_found
    def not_found(error: Exception) -> Response[Any]:
        return json_response(404, {"error": "not_found", "message": "No such resource."})


@dataclass(frozen=True)
class ErrorAnswer:
    """What an API answers for a domain error: the status, and the body's error and message."""

    status: int
    error: str
    message: str

    def response(self) -> Response[Any]:
        return json_response(self.status, {"error": self.error, "message": self.message})


#: Domain errors -> HTTP answers, for every API. The most specific class a raised error is (or
#: derives from) wins; every other domain error is a dependency that failed: 503, try again.
DOMAIN_ERROR_ANSWERS: dict[type[IvrError], ErrorAnswer] = {
    NotFoundError: ErrorAnswer(404, "not_found", "No such resource."),
    ReplayError: ErrorAnswer(409, "already_used", "This payment was already made."),
    ConflictError: ErrorAnswer(409, "conflict", "This changed meanwhile. Reload and try again."),
    RefusedError: ErrorAnswer(403, "forbidden", "This request is not allowed."),
    InvalidCardError: ErrorAnswer(400, "invalid_card", "Check the card details."),
    InvalidAmountError: ErrorAnswer(400, "invalid_card", "Check the card details."),
    InvalidInputError: ErrorAnswer(422, "invalid", "Check what was entered."),
    MalformedEventError: ErrorAnswer(400, "bad_request", "The request is malformed."),
    IvrError: ErrorAnswer(503, "unavailable", "Please try again in a moment."),
}


def answer_domain_errors(
    app: APIGatewayRestResolver, api_name: str, *, refused: ErrorAnswer | None = None
) -> None:
    """Register one exception handler per domain error (DOMAIN_ERROR_ANSWERS), so routes raise
    and carry no ``try``. ``refused`` replaces the 403 answer (the portal's one message that is no
    oracle). The resolver picks the handler of the raised error's nearest class."""
    answers = dict(DOMAIN_ERROR_ANSWERS)
    if refused is not None:
        answers[RefusedError] = refused
    for error_type, error_answer in answers.items():
        app.exception_handler(error_type)(_answering(error_answer, api_name))

    @app.exception_handler(BadRequestError)  # type: ignore[untyped-decorator]
    def bad_request(error: BadRequestError) -> Response[Any]:
        return json_response(400, {"error": "bad_request", "message": str(error)})


def _answering(error_answer: ErrorAnswer, api_name: str) -> Any:
    def answer(error: IvrError) -> Response[Any]:
        logger.warning(f"{api_name} request refused", extra={"errorCode": error.code})
        return error_answer.response()

    return answer

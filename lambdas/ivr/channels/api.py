"""API Gateway (REST, proxy integration) edge of the payment portal: headers, body rules, errors.

Every response, errors and 404s included, carries the security headers; state changes must be
JSON POSTs with the ``X-Portal-Request`` header, which a cross-origin HTML form cannot send (and a
cross-origin script cannot send without a CORS preflight that only the portal's origin passes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
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
from ivr.payments.checkout import ChargeInDoubtError, ReplayError

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
#: Between two digits, up to three characters that are neither digit nor letter ("4242.4242",
#: "4242_4242", "4242 / 4242"): dropped before the check, so no separator hides a card number.
_SEPARATOR = re.compile(r"(?<=\d)[^0-9A-Za-z]{1,3}(?=\d)")
#: Fields that only the processor's hosted card form may see (PCI DSS 3.3.1: no CVV, ever).
_CARD_FIELD = re.compile(
    r"cvv|cvc|cid$|security.?code|exp(iry|iration|.?month|.?year|.?date)?$|card.?number|^pan$",
    re.IGNORECASE,
)
#: What API Gateway's REST proxy event holds, by type: anything else is not from API Gateway.
_ENVELOPE: dict[str, type] = {
    "httpMethod": str,
    "path": str,
    "resource": str,
    "headers": dict,
    "multiValueHeaders": dict,
    "queryStringParameters": dict,
    "multiValueQueryStringParameters": dict,
    "pathParameters": dict,
    "stageVariables": dict,
    "requestContext": dict,
    "body": str,
}


def contains_card_number(text: str) -> bool:
    """A Luhn-valid run of 13-19 digits (spaces and dashes allowed): a PAN we must not accept."""
    return any(luhn_valid(re.sub(r"\D", "", m.group(0))) for m in _DIGIT_RUN.finditer(text))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON body, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _carries_card_number(body: str, parsed: Any) -> bool:
    """Checked on the raw text and again after parsing (JSON escapes such as \\u0034 hide digits
    from the first), separators between digits dropped."""
    texts = [body, *_strings(parsed)]
    return any(contains_card_number(_SEPARATOR.sub("", text)) for text in texts)


def _parsed(body: str | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None  # the route answers "not JSON"


def _malformed(event: dict[str, Any]) -> bool:
    for key, kind in _ENVELOPE.items():
        if event.get(key) is not None and not isinstance(event[key], kind):
            return True
    headers = event.get("headers") or {}
    multi = event.get("multiValueHeaders") or {}
    return not all(isinstance(v, str) for v in headers.values()) or not all(
        isinstance(v, list) and all(isinstance(i, str) for i in v) for v in multi.values()
    )


def _is_json(content_type: str) -> bool:
    """The media type itself, not a prefix: ``application/jsonp`` is not JSON."""
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


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


def reject_before_routing(event: Any, app: APIGatewayRestResolver) -> dict[str, Any] | None:
    """Answers for requests that must not reach a route: not API Gateway, a form post, a PAN.
    A change no route of ``app`` takes goes on to the router's 405 or 404 (it changes nothing)."""
    if not isinstance(event, dict) or not isinstance(event.get("httpMethod"), str):
        return problem(400, "bad_request", "Not an API request.")
    if _malformed(event):
        return problem(400, "bad_request", "Not an API request.")
    method = event["httpMethod"]
    routed = method in methods_allowed(app, str(event.get("path") or ""))
    if method in {"POST", "PUT", "PATCH", "DELETE"} and routed:
        return _refused_change(event, event.get("body"))
    return None


def _refused_change(event: dict[str, Any], body: str | None) -> dict[str, Any] | None:
    if not _is_json(header(event, "content-type")):
        return problem(415, "unsupported_media_type", "Send JSON.")
    if header(event, CUSTOM_HEADER) != "1":
        return problem(403, "forbidden", "Missing the portal request header.")
    if body and event.get("isBase64Encoded"):
        return problem(400, "bad_request", "The body must be plain JSON.")
    parsed = _parsed(body)
    if body and _carries_card_number(body, parsed):
        # Card numbers go to the processor's hosted fields, never to us (PCI DSS scope).
        return problem(400, "card_number_not_accepted", "Card details go to the card form only.")
    if any(_CARD_FIELD.search(key) for key in _keys(parsed)):
        return problem(400, "card_details_not_accepted", "Card details go to the card form only.")
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
        allowed = methods_allowed(app, app.current_event.path)
        if allowed:
            # RFC 9110 15.5.6: a resource we have, asked with a method it does not take.
            body = {"error": "method_not_allowed", "message": "Not a method of this resource."}
            return Response(
                status_code=405,
                content_type="application/json",
                body=body,
                headers={"Allow": ", ".join(allowed)},
            )
        return json_response(404, {"error": "not_found", "message": "No such resource."})


def methods_allowed(app: APIGatewayRestResolver, path: str) -> list[str]:
    """The methods the app's routes take on ``path`` (none: no such resource)."""
    routes = [*app._static_routes, *app._dynamic_routes]  # Powertools keeps no public list
    return sorted({route.method for route in routes if route.rule.match(path)})


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
    # The processor did not answer a charge it may have made (issue 19): not a decline.
    ChargeInDoubtError: ErrorAnswer(
        503,
        "unconfirmed",
        "We couldn't confirm your payment yet, so please don't pay again. We'll send you a text "
        "message as soon as it's confirmed, or to tell you that no money was taken.",
    ),
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

"""API Gateway (REST, proxy integration) edge of the payment portal: headers, body rules, errors.

Every response, errors and 404s included, carries the security headers; state changes must be
JSON POSTs with the ``X-Portal-Request`` header, which a cross-origin HTML form cannot send (and a
cross-origin script cannot send without a CORS preflight that only the portal's origin passes).
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from ivr.core.observability import logger, luhn_valid

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

"""The customer's side of the portal in scripted calls: open the texted link, enter the PIN the
IVR read out, and pay, through the real portal API handler with API Gateway proxy events.

Card details go to the sandbox processor's tokenisation (in AWS: the processor's hosted card
fields on its own origin); the portal API only ever receives the token.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from simulator.context import lambda_context
from simulator.delivery import deliver_queued_messages
from simulator.lambda_service import load_handler

PORTAL_API = "PortalApiFunction"
_LINK = re.compile(r"/pay/(?P<session>[0-9a-f-]{36})#(?P<token>[A-Za-z0-9_-]+)")
_SPOKEN_PIN = re.compile(r"PIN is (?P<pin>(?:\d[ ,.]*){6})", re.IGNORECASE)


class PortalStepError(ValueError):
    """The scripted customer cannot do what the step says (no link texted, no PIN heard)."""


@dataclass
class PortalVisit:
    """What one ``portal:`` step saw: each API answer's status and body."""

    answers: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    #: The page verified (session id, API token): a later step with ``continue: true`` goes on
    #: from it without opening the link and entering the PIN again.
    page: tuple[str, str] | None = None


def api_event(
    method: str, path: str, body: dict[str, Any] | None, token: str = ""
) -> dict[str, Any]:
    """An API Gateway REST proxy event (Lambda developer guide, "apigateway-proxy")."""
    headers = {"Content-Type": "application/json", "X-Portal-Request": "1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    resource_path = "/sessions/{proxy+}"
    return {
        "resource": resource_path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.removeprefix("/sessions/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource_path,
            "httpMethod": method,
            "path": f"/v1{path}",
            "stage": "v1",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "scripted-customer"},
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def call_api(
    method: str, path: str, body: dict[str, Any] | None = None, token: str = ""
) -> tuple[int, dict[str, Any]]:
    response = load_handler(PORTAL_API)(
        api_event(method, path, body, token), lambda_context(PORTAL_API)
    )
    deliver_queued_messages()
    payload = json.loads(response.get("body") or "{}")
    return int(response["statusCode"]), payload if isinstance(payload, dict) else {}


def texted_link(to: str | None = None) -> tuple[str, str]:
    """The session id and link token of the latest portal link in the local outbox texted to
    ``to`` (E.164; None: to anyone). Several calls at once share one outbox: each customer opens
    the link on their own phone, not the last one texted to anybody."""
    from ivr import wiring

    for message in reversed(wiring.local_outbox().messages()):
        if to is not None and message.get("to") != to:
            continue
        match = _LINK.search(str(message.get("text", "")))
        if match:
            return match.group("session"), match.group("token")
    raise PortalStepError("no portal link was texted to the caller")


def _e164(phone: str | None) -> str | None:
    from ivr.core.errors import InvalidPhoneNumberError
    from ivr.core.phone import normalise_e164

    if not phone:
        return None
    try:
        return normalise_e164(phone, "US")
    except InvalidPhoneNumberError:
        return None


def spoken_pin(heard: list[str]) -> str:
    for text in reversed(heard):
        match = _SPOKEN_PIN.search(text)
        if match:
            return re.sub(r"\D", "", match.group("pin"))
    raise PortalStepError("the IVR never read out a PIN")


def use_portal(
    step: dict[str, Any],
    heard: list[str],
    page: tuple[str, str] | None = None,
    phone: str | None = None,
) -> PortalVisit:
    """Do what a ``portal:`` step says; the answers are kept for the scenario's failures.
    With ``continue: true`` the step submits on ``page``, the one an earlier step verified;
    otherwise it opens the link last texted to ``phone`` (any number, when unknown)."""
    visit = PortalVisit()
    if step.get("continue"):
        if page is None:
            raise PortalStepError("continue: true, but no earlier portal step verified a page")
        visit.page = page
        return _submit(step, visit, *page)
    session_id, link_token = texted_link(_e164(phone))
    pin = str(step.get("pin", "spoken"))
    pins = [spoken_pin(heard) if pin == "spoken" else pin]
    pins *= int(step.get("tries", 1))
    api_token = ""
    for attempt in pins:
        status, body = call_api(
            "POST", f"/sessions/{session_id}/verify", {"token": link_token, "pin": attempt}
        )
        visit.answers.append(("verify", status, body))
        api_token = str(body.get("apiToken", ""))
    if not api_token:
        return visit
    visit.page = (session_id, api_token)
    return _submit(step, visit, session_id, api_token)


def _submit(
    step: dict[str, Any], visit: PortalVisit, session_id: str, api_token: str
) -> PortalVisit:
    from ivr import wiring
    from ivr.payments.cards import parse_card

    payment: dict[str, Any] = {"name": "" if step.get("submit_incomplete") else step.get("name")}
    if not step.get("submit_incomplete") and step.get("card"):
        card = parse_card(
            str(step["card"]),
            str(step.get("expiry", "")),
            str(step.get("cvv", "")),
            str(step.get("name", "")),
            today=date(2026, 1, 1),
        )
        payment["cardToken"] = wiring.sandbox_processor().tokenize(card).token
    status, body = call_api("POST", f"/sessions/{session_id}/payment", payment, api_token)
    visit.answers.append(("payment", status, body))
    return visit

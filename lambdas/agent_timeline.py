"""The agent's timeline API: GET /contacts/{contactId}/timeline (portal/agent-openapi.yaml).

Behind API Gateway with a Cognito user-pool authorizer: a request reaches this function only
with a valid agent ID token, whose claims API Gateway puts in ``requestContext.authorizer``.
The function checks they are there all the same (401), so a route wired without the
authorizer cannot leak a customer's details.
"""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response

from ivr import wiring
from ivr.agent.timeline import Timeline, contact_timeline, mask_account
from ivr.agent.whisper import AUTH_METHODS, whisper_text
from ivr.auth.keypad import unlock_keypad_for_agent
from ivr.callbacks.service import PendingCallback
from ivr.channels.api import (
    answer_domain_errors,
    answer_unknown_routes_and_failures,
    json_response,
    problem,
    with_security_headers,
)
from ivr.core import clock
from ivr.core.observability import logger
from ivr.core.settings import settings
from ivr.payments.transactions import Transaction

app = APIGatewayRestResolver(
    cors=CORSConfig(
        allow_origin=settings().portal_base_url,
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
)


def _agent_claims(event: dict[str, Any]) -> dict[str, Any] | None:
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
    if not isinstance(claims, dict) or not claims.get("sub"):
        return None
    return claims


def _payment(txn: Transaction) -> dict[str, Any]:
    card = f"{txn.card.brand} ending {txn.card.last4}" if txn.card else ""
    return {
        "amount": txn.amount.spoken(),
        "status": txn.status.value,
        "channel": txn.channel.value,
        "card": card,
        "at": txn.updated_at.isoformat(),
    }


def _callback(callback: PendingCallback) -> dict[str, Any]:
    return {
        "at": callback.call_at.isoformat(),
        "spoken": callback.spoken(),
        "kind": callback.kind.value,
    }


def asjson_response(timeline: Timeline) -> dict[str, Any]:
    facts = timeline.facts
    customer = facts.customer
    auth = "Authenticated " + AUTH_METHODS.get(facts.auth_method, "")
    return {
        "contactId": timeline.contact_id,
        "customer": {
            "found": customer is not None,
            "name": f"{customer.first_name} {customer.last_name}".strip() if customer else "",
            "account": mask_account(customer.account_number) if customer else "",
            "balance": customer.balance.spoken() if customer else "",
        },
        "authentication": {
            "authenticated": facts.authenticated,
            "method": facts.auth_method,
            "summary": facts.auth_failure
            or (auth.strip() if facts.authenticated else "Not authenticated"),
        },
        "intent": facts.intent,
        "openTransaction": _payment(facts.open_transaction) if facts.open_transaction else None,
        "portal": (
            {"status": facts.portal.state.value, "amount": facts.portal.amount}
            if facts.portal
            else None
        ),
        "recentPayments": [_payment(t) for t in facts.recent_payments],
        "pendingCallback": _callback(facts.pending_callback) if facts.pending_callback else None,
        "whisper": whisper_text(facts),
        "events": [
            {"at": e.at.isoformat(), "kind": e.kind, "who": e.who, "text": e.text}
            for e in timeline.entries
        ],
    }


@app.get("/contacts/<contact_id>/timeline")
def timeline(contact_id: str) -> Response[Any]:
    if _agent_claims(app.current_event.raw_event) is None:
        return json_response(401, {"error": "unauthorized", "message": "Sign in as an agent."})
    found = _contact_or_none(contact_id)
    if found is None:
        return json_response(404, {"error": "not_found", "message": "No contact with that id."})
    return json_response(200, asjson_response(found))


def _contact_or_none(contact_id: str) -> Timeline | None:
    try:
        uuid.UUID(contact_id)
    except ValueError:
        return None
    now = clock.now()
    return contact_timeline(
        contact_id,
        now=now,
        activity=wiring.activity(),
        contacts=wiring.contact_attributes(),
        callers=wiring.callers(),
        transactions=wiring.transactions(),
        sessions=wiring.portal_sessions(),
        pending_callback=lambda phone: wiring.callbacks().pending(
            phone, settings().callback_queue_name, now
        ),
    )


@app.post("/contacts/<contact_id>/keypad-unlock")
def unlock_customer_keypad(contact_id: str) -> Response[Any]:
    """The agent on this contact has identified the customer: lift their 24-hour keypad lock.

    Scoped to a contact, not a phone number, so an agent can unlock only the customer whose
    call they hold; the unlock is written to the contact's activity log with the agent's id.
    """
    claims = _agent_claims(app.current_event.raw_event)
    if claims is None:
        return json_response(401, {"error": "unauthorized", "message": "Sign in as an agent."})
    found = _contact_or_none(contact_id)
    customer = found.facts.customer if found else None
    if found is None or customer is None:
        return json_response(404, {"error": "not_found", "message": "No customer on that contact."})
    unlock_keypad_for_agent(
        customer.phone,
        contact_id=contact_id,
        agent=str(claims["sub"]),
        store=wiring.auth_store(),
        activity=wiring.activity(),
        now=clock.now(),
    )
    return json_response(200, {"unlocked": True})


answer_domain_errors(app, "timeline")
answer_unknown_routes_and_failures(app, "timeline")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if not isinstance(event, dict) or "httpMethod" not in event:
        return with_security_headers(problem(400, "bad_request", "Not an API request."))
    try:
        return with_security_headers(app.resolve(event, context))
    except Exception:
        logger.exception("timeline request failed outside the router")
        return with_security_headers(None)

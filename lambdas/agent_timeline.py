"""The agent's timeline API: GET /contacts/{contactId}/timeline (portal/agent-openapi.yaml).

Behind API Gateway with a Cognito user-pool authorizer (ivr.channels.agent_api). An agent reads
and acts on a contact only while handling it or within the window after it ended; supervisors
read any contact (ivr.agent.access). Every read and refusal is in the activity log.
"""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ivr import wiring
from ivr.agent.access import Agent, Purpose, authorize_contact
from ivr.agent.timeline import Timeline, mask_account
from ivr.agent.whisper import AUTH_METHODS, whisper_text
from ivr.auth.keypad import unlock_keypad_for_agent
from ivr.callbacks.service import PendingCallback
from ivr.channels.agent_api import (
    agent_app,
    held_contact,
    register_agent_errors,
    serve,
    signed_in_agent,
)
from ivr.channels.api import json_response
from ivr.core import clock
from ivr.core.observability import logger
from ivr.core.settings import settings
from ivr.payments.transactions import Transaction

app = agent_app(settings().portal_base_url)


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


def _agent_on(contact_id: str, what: str, purpose: Purpose) -> Agent:
    """The signed-in agent, let onto this contact (401 / 403 otherwise; recorded either way)."""
    agent = signed_in_agent(app.current_event.raw_event, wiring.access_rules())
    authorize_contact(
        agent,
        contact_id,
        what,
        purpose=purpose,
        now=clock.now(),
        rules=wiring.access_rules(),
        directory=wiring.contact_directory(),
        activity=wiring.activity(),
        via=held_contact(app.current_event.raw_event),
    )
    return agent


@app.get("/contacts/<contact_id>/timeline")
def timeline(contact_id: str) -> Response[Any]:
    _agent_on(contact_id, "timeline read", Purpose.READ)
    found = contact_or_none(contact_id)
    if found is None:
        return json_response(404, {"error": "not_found", "message": "No contact with that id."})
    return json_response(200, asjson_response(found))


def contact_or_none(contact_id: str) -> Timeline | None:
    try:
        uuid.UUID(contact_id)
    except ValueError:
        return None
    now = clock.now()
    return wiring.contact_timeline(contact_id, now)


@app.post("/contacts/<contact_id>/keypad-unlock")
def unlock_customer_keypad(contact_id: str) -> Response[Any]:
    """The agent on this contact has identified the customer: lift their 24-hour keypad lock.

    Only the agent who holds the contact (or held it within the window) may; the unlock is
    written to the contact's activity log with the agent's Connect user id. Unlocking twice is
    unlocking once.
    """
    agent = _agent_on(contact_id, "keypad unlock", Purpose.ACT)
    found = contact_or_none(contact_id)
    customer = found.facts.customer if found else None
    if found is None or customer is None:
        return json_response(404, {"error": "not_found", "message": "No customer on that contact."})
    unlock_keypad_for_agent(
        customer.phone,
        contact_id=contact_id,
        agent=agent.user_id,
        store=wiring.auth_store(),
        activity=wiring.activity(),
        now=clock.now(),
    )
    return json_response(200, {"unlocked": True})


register_agent_errors(app, "timeline")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    return serve(app, "timeline", event, context)

"""The agent's tools on a contact they hold (portal/agent-openapi.yaml): a new payment link,
a note on the timeline, cancelling or moving the caller's callback.

Every route takes an ``Idempotency-Key`` header (one per action the agent starts; a double click
or a retry sends the same key, and the action happens once). Who may: ivr.agent.access.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from ivr import wiring
from ivr.agent.access import Agent, Purpose, authorize_contact
from ivr.agent.backlog import instant_on
from ivr.agent.timeline import ContactFacts
from ivr.agent.tools import (
    PortalLinkStores,
    add_note,
    cancel_contact_callback,
    checked_key,
    move_contact_callback,
    send_portal_link,
)
from ivr.callbacks.scheduling import spoken
from ivr.callbacks.service import Booking, Callback
from ivr.channels.agent_api import (
    agent_app,
    held_contact,
    idempotency_key,
    json_body,
    not_bookable,
    register_agent_errors,
    serve,
    signed_in_agent,
    text_field,
)
from ivr.channels.api import json_response
from ivr.core import clock
from ivr.core.observability import logger
from ivr.core.settings import settings

app = agent_app(settings().portal_base_url)


def _agent_on(contact_id: str, what: str) -> Agent:
    agent = signed_in_agent(app.current_event.raw_event, wiring.access_rules())
    authorize_contact(
        agent,
        contact_id,
        what,
        purpose=Purpose.ACT,
        now=clock.now(),
        rules=wiring.access_rules(),
        directory=wiring.contact_directory(),
        activity=wiring.activity(),
        via=held_contact(app.current_event.raw_event),
    )
    return agent


def _facts(contact_id: str) -> ContactFacts | None:
    now = clock.now()
    found = wiring.contact_timeline(contact_id, now)
    return found.facts if found else None


def callback_json(callback: Callback) -> dict[str, Any]:
    return {
        "callbackId": callback.callback_id,
        "status": callback.status.value,
        "at": callback.call_at.isoformat(),
        "spoken": spoken(callback.call_at, callback.timezone),
    }


def booking_json(booking: Booking) -> Response[Any]:
    if booking.callback is None:
        return not_bookable(booking.decision)
    return json_response(200, {"moved": True, "callback": callback_json(booking.callback)})


@app.post("/contacts/<contact_id>/portal-link")
def new_portal_link(contact_id: str) -> Response[Any]:
    agent = _agent_on(contact_id, "new payment link")
    facts = _facts(contact_id)
    config = settings()
    started = send_portal_link(
        contact_id,
        idempotency_key(app.current_event.raw_event),
        agent=agent,
        customer=facts.customer if facts else None,
        now=clock.now(),
        pepper=wiring.pepper(),
        portal_base_url=config.portal_base_url,
        stores=PortalLinkStores(
            wiring.transactions(),
            wiring.portal_sessions(),
            wiring.step_claims(),
            wiring.message_queue(),
            wiring.payment_messages(),
            wiring.activity(),
        ),
    )
    logger.info("agent sent a portal link", extra={"portalSessionId": started.session_id})
    # The PIN goes to the agent only, to read out to the caller; it is never logged or stored.
    body = {"sent": True, "amount": started.amount.spoken(), "pin": started.pin}
    return json_response(200, body)


@app.post("/contacts/<contact_id>/notes")
def note(contact_id: str) -> Response[Any]:
    agent = _agent_on(contact_id, "note")
    added = add_note(
        contact_id,
        idempotency_key(app.current_event.raw_event),
        text_field(json_body(app), "text"),
        agent=agent,
        now=clock.now(),
        activity=wiring.activity(),
        claims=wiring.step_claims(),
    )
    return json_response(200, {"added": added})


@app.post("/contacts/<contact_id>/callback/cancel")
def cancel_callback(contact_id: str) -> Response[Any]:
    agent = _agent_on(contact_id, "callback cancel")
    facts = _facts(contact_id)
    cancelled = cancel_contact_callback(
        contact_id,
        idempotency_key(app.current_event.raw_event),
        facts.pending_callback if facts else None,
        agent=agent,
        now=clock.now(),
        callbacks=wiring.callback_service(),
        activity=wiring.activity(),
        claims=wiring.step_claims(),
    )
    return json_response(200, {"cancelled": True, "callback": callback_json(cancelled)})


@app.post("/contacts/<contact_id>/callback/move")
def move_callback(contact_id: str) -> Response[Any]:
    agent = _agent_on(contact_id, "callback move")
    # Every action carries its key (portal/agent-openapi.yaml); a move is a repeat by its time.
    checked_key(idempotency_key(app.current_event.raw_event))
    facts = _facts(contact_id)
    pending = facts.pending_callback if facts else None
    body = json_body(app)
    center_zone = settings().contact_center_timezone
    at = instant_on(
        text_field(body, "time"),
        text_field(body, "clock", "caller"),
        # No pending callback is move_contact_callback's 404, not a time zone we lack (400).
        caller_zone=pending.timezone if pending else center_zone,
        center_zone=center_zone,
    )
    booking = move_contact_callback(
        contact_id,
        pending,
        at,
        agent=agent,
        now=clock.now(),
        callbacks=wiring.callback_service(),
        activity=wiring.activity(),
    )
    return booking_json(booking)


register_agent_errors(app, "agent actions")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    return serve(app, "agent actions", event, context)

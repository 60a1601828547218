"""The agent's tools to finish a caller's business: a new portal link, a note, the callback.

Each tool is safe to run twice with the same idempotency key (a double click, a retried
request): the first run acts, a repeat finds what it did. The customer and the callback always
come from the contact the agent holds, never from what the page sends.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from ivr.activity import ActivityEvent, ActivityLog
from ivr.agent.access import Agent
from ivr.agent.errors import CallbackTakenError, InvalidActionError, NothingToDoError
from ivr.callbacks.service import Booking, Callback, CallbackService, PendingCallback
from ivr.callers import Customer
from ivr.core.errors import ConflictError, IvrError
from ivr.notify import MessageQueue
from ivr.payments.checkout import PaymentMessages, PortalStart, start_portal_payment
from ivr.payments.portal import PortalSessionStore
from ivr.payments.transactions import TransactionStore
from ivr.steps import StepClaims

#: What the page sends as ``Idempotency-Key``: a UUID, or any 8-64 URL-safe characters.
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
NOTE_MAX = 500
#: Activity kinds the timeline shows as the agent's: their notes, and what they did.
NOTE = "note"
ACTION = "action"


def checked_key(key: str | None) -> str:
    if not key or not _KEY.match(key):
        raise InvalidActionError("Idempotency-Key: 8 to 64 letters, digits, - or _")
    return key


def _record(
    activity: ActivityLog,
    contact_id: str,
    now: datetime,
    agent: Agent,
    text: str,
    **data: str,
) -> None:
    event = ActivityEvent(contact_id, now, ACTION, text, {"agentId": agent.user_id, **data})
    activity.append(event)


@dataclass(frozen=True)
class PortalLinkStores:
    transactions: TransactionStore
    sessions: PortalSessionStore
    claims: StepClaims
    queue: MessageQueue
    messages: PaymentMessages
    activity: ActivityLog


def send_portal_link(
    contact_id: str,
    key: str,
    *,
    agent: Agent,
    customer: Customer | None,
    now: datetime,
    pepper: bytes,
    portal_base_url: str,
    stores: PortalLinkStores,
) -> PortalStart:
    """A new portal link for the caller's open payment (or their balance when none is open),
    texted to the number on record; the PIN comes back for the agent to read out.

    One key makes one session and one SMS; a repeat of the key gets a fresh PIN for that same
    session (the first answer may never have reached the page), never a second link.
    """
    if customer is None:
        raise NothingToDoError("no customer on this contact")
    started = start_portal_payment(
        customer=customer,
        contact_id=contact_id,
        step=f"agent-link#{checked_key(key)}",
        requested_amount=None,
        now=now,
        pepper=pepper,
        portal_base_url=portal_base_url,
        transactions=stores.transactions,
        sessions=stores.sessions,
        claims=stores.claims,
        queue=stores.queue,
        messages=stores.messages,
    )
    text = f"new payment link for {started.amount.spoken()} sent by agent {agent.user_id}"
    # The timeline follows this link from now on (ivr.agent.timeline.AGENT_LINK_KEY).
    _record(stores.activity, contact_id, now, agent, text, portalSessionId=started.session_id)
    return started


def add_note(
    contact_id: str,
    key: str,
    text: str,
    *,
    agent: Agent,
    now: datetime,
    activity: ActivityLog,
    claims: StepClaims,
) -> bool:
    """Add the agent's note to the contact's timeline; False when the key already added it."""
    note = " ".join(text.split())
    if not note or len(note) > NOTE_MAX:
        raise InvalidActionError(f"a note has 1 to {NOTE_MAX} characters")
    claim = f"{contact_id}#agent-note#{checked_key(key)}"
    mine = str(uuid.uuid4())
    if claims.claim(claim, mine) != mine:
        return False
    try:
        activity.append(ActivityEvent(contact_id, now, NOTE, note, {"agentId": agent.user_id}))
    except IvrError:
        claims.release(claim, mine)  # nothing written: a retry with the key may try again
        raise
    return True


def _pending(pending: PendingCallback | None) -> PendingCallback:
    if pending is None:
        raise NothingToDoError("no pending callback for this caller")
    return pending


def cancel_contact_callback(
    contact_id: str,
    key: str,
    pending: PendingCallback | None,
    *,
    agent: Agent,
    now: datetime,
    callbacks: CallbackService,
    activity: ActivityLog,
    claims: StepClaims,
) -> Callback:
    """Cancel the caller's pending callback (the customer gets the usual SMS). The key remembers
    which callback it cancelled, so a repeat answers the same, SMS not sent again."""
    claim = f"{contact_id}#agent-cancel#{checked_key(key)}"
    held = claims.claim(claim, pending.callback_id if pending else "")
    if not held:
        claims.release(claim, "")
        raise NothingToDoError("no pending callback for this caller")
    try:
        cancelled = callbacks.cancel(held)
    except ConflictError as taken:
        raise CallbackTakenError("a sweep is dialling it, or it is done") from taken
    _record(activity, contact_id, now, agent, f"callback cancelled by agent {agent.user_id}")
    return cancelled


def move_contact_callback(
    contact_id: str,
    pending: PendingCallback | None,
    at: datetime,
    *,
    agent: Agent,
    now: datetime,
    callbacks: CallbackService,
    activity: ActivityLog,
) -> Booking:
    """Move the caller's scheduled callback to ``at`` (checked against hours and capacity, with
    alternatives when refused); moving to the time it already has is a repeat, not a change."""
    current = _pending(pending)
    try:
        booking = callbacks.move_to_slot(current.callback_id, at)
    except ConflictError as gone:
        raise NothingToDoError("the callback is no longer scheduled") from gone
    if booking.callback is not None:
        when = booking.callback.call_at.isoformat()
        _record(activity, contact_id, now, agent, f"callback moved to {when} by {agent.user_id}")
    return booking

"""What an agent sees of a contact: the customer's key facts and the IVR's activity, in order.

The facts come from the contact's attributes (who called, how they authenticated, what they
wanted, which portal session they used), the customer record (name, masked account, open
transaction, recent payments), the portal session's state and any pending callback. The
activity is the contact's activity log; when the log holds no conversation (a deployed flow
logs only what the Lambdas record), the Lex ``transcript`` attribute fills it in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ivr.activity import ActivityEvent, ActivityLog
from ivr.callbacks.service import PendingCallback
from ivr.callers import CallerStore, Customer
from ivr.intents import read_transcript
from ivr.payments.checkout import PaymentState, payment_state
from ivr.payments.portal import PortalSessionStore
from ivr.payments.transactions import Transaction, TransactionStatus, TransactionStore

#: Activity kinds the agent's conversation shows, and who "speaks" each.
SPEAKERS = {
    "prompt": "ivr",
    "caller": "caller",
    "intent": "system",
    "lambda": "system",
    "auth": "system",
    "portal": "system",
    "transfer": "system",
    "whisper": "agent",
    "callback": "system",
    "error": "system",
    "end": "system",
    "note": "agent",  # the agent's own notes (ivr.agent.tools)
    "action": "system",  # what an agent did: a new link, a callback cancelled or moved
}

INTENT_PHRASES = {
    "CheckBalance": "wants their balance",
    "MakePayment": "wants to make a payment",
    "TalkToAgent": "asked for an agent",
    "RequestCallback": "wants a callback",
    "ClarifyRequest": "asked about their bill in a way the bot could not settle",
    "FallbackIntent": "was not understood by the bot",
}

RECENT_PAYMENTS = 3
#: The attribute naming the contact's portal session; an agent's new link sets it too.
AGENT_LINK_KEY = "portalSessionId"


class ContactAttributes(Protocol):
    """A contact's attributes (Connect's GetContactAttributes), None for a contact never seen."""

    def attributes(self, contact_id: str) -> dict[str, str] | None: ...


@dataclass(frozen=True)
class PortalSituation:
    state: PaymentState
    amount: str  # spoken form, "$120.50"


@dataclass(frozen=True)
class ContactFacts:
    """The situation of one contact, as the whisper and the customer card tell it."""

    customer: Customer | None
    authenticated: bool
    auth_method: str  # voice | keypad | account | ""
    auth_failure: str  # why authentication sent the caller to an agent ("" when it did not)
    intent: str
    open_transaction: Transaction | None
    portal: PortalSituation | None
    recent_payments: list[Transaction] = field(default_factory=list)
    pending_callback: PendingCallback | None = None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    who: str  # ivr | caller | system | agent
    text: str


@dataclass(frozen=True)
class Timeline:
    contact_id: str
    facts: ContactFacts
    entries: list[TimelineEntry]


def mask_account(account_number: str) -> str:
    """Agents confirm an account by its last four digits; the rest stays hidden."""
    return "\u2022" * max(0, len(account_number) - 4) + account_number[-4:]


def latest_attributes(events: list[ActivityEvent]) -> dict[str, str]:
    """The contact's attributes as the local contact center recorded them (kind "attributes")."""
    merged: dict[str, str] = {}
    for event in events:
        if event.kind == "attributes":
            merged.update(event.data)
    return merged


def _portal(
    attributes: Mapping[str, str],
    now: datetime,
    sessions: PortalSessionStore,
    transactions: TransactionStore,
) -> PortalSituation | None:
    session_id = attributes.get("portalSessionId", "")
    if not session_id:
        return None
    session = sessions.get(session_id)
    if session is None:
        return None
    state = payment_state(
        session_id,
        now=now,
        sessions=sessions,
        transactions=transactions,
        consume_notice=False,
    )
    txn = transactions.get(session.payment_id)
    return PortalSituation(state, txn.amount.spoken() if txn else "")


def contact_facts(
    attributes: Mapping[str, str],
    *,
    now: datetime,
    callers: CallerStore,
    transactions: TransactionStore,
    sessions: PortalSessionStore,
    pending_callback: Callable[[str], PendingCallback | None],
) -> ContactFacts:
    phone = attributes.get("callerNumber", "")
    customer = callers.find_by_phone(phone) if phone else None
    open_txn = None
    recent: list[Transaction] = []
    callback = None
    if customer is not None:
        history = transactions.for_customer(customer.phone, limit=RECENT_PAYMENTS + 1)
        open_txn = next((t for t in history if t.status is TransactionStatus.OPEN), None)
        recent = [t for t in history if t.status is not TransactionStatus.OPEN][:RECENT_PAYMENTS]
        callback = pending_callback(customer.phone)
    return ContactFacts(
        customer=customer,
        authenticated=attributes.get("authenticated") == "true",
        auth_method=attributes.get("authMethod", ""),
        auth_failure=attributes.get("authWhisper", ""),
        intent=attributes.get("intent", ""),
        open_transaction=open_txn,
        portal=_portal(attributes, now, sessions, transactions),
        recent_payments=recent,
        pending_callback=callback,
    )


def _entries(
    events: list[ActivityEvent], transcript: str | None, now: datetime
) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(e.at, e.kind, SPEAKERS[e.kind], e.text) for e in events if e.kind in SPEAKERS
    ]
    if any(e.kind in {"prompt", "caller"} for e in entries):
        return entries
    # No conversation in the log (a deployed flow logs only what the Lambdas record): the Lex
    # transcript attribute has it, digits masked by the code hook. It carries no times.
    start = entries[0].at if entries else now
    said = [
        TimelineEntry(
            start, "prompt" if t["who"] == "bot" else "caller", _speaker(t["who"]), t["text"]
        )
        for t in read_transcript(transcript)
    ]
    return said + entries


def _speaker(who: str) -> str:
    return "ivr" if who == "bot" else "caller"


def contact_timeline(
    contact_id: str,
    *,
    now: datetime,
    activity: ActivityLog,
    contacts: ContactAttributes,
    callers: CallerStore,
    transactions: TransactionStore,
    sessions: PortalSessionStore,
    pending_callback: Callable[[str], PendingCallback | None],
) -> Timeline | None:
    """The contact's timeline; None for a contact nobody recorded anything about."""
    events = activity.for_contact(contact_id)
    attributes = contacts.attributes(contact_id)
    if attributes is None and not events:
        return None
    merged = {**latest_attributes(events), **(attributes or {})}
    # A link an agent sent after the transfer is newer than any the IVR sent: the card follows it.
    links = [
        e.data[AGENT_LINK_KEY] for e in events if e.kind == "action" and AGENT_LINK_KEY in e.data
    ]
    if links:
        merged[AGENT_LINK_KEY] = links[-1]
    facts = contact_facts(
        merged,
        now=now,
        callers=callers,
        transactions=transactions,
        sessions=sessions,
        pending_callback=pending_callback,
    )
    return Timeline(contact_id, facts, _entries(events, merged.get("transcript"), now))

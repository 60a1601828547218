"""What a payment link's page may say: the link's true state to whoever holds its token, and one
refusal, the same for every case, to anyone else.

The 256-bit token travels only in the texted link, so its holder is the customer: they are told
that the payment was made (with the receipt), that the link expired or was locked after five
wrong PINs, or that the cards tried were declined. Without the token nothing distinguishes an
unknown link from a used or a locked one, so the answer is no oracle for guessing session ids.
"""

from __future__ import annotations

import hmac
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from ivr.activity import ActivityEvent, ActivityLog
from ivr.core.errors import ConflictError, StoreUnavailableError
from ivr.core.hashing import keyed_hash, matches, new_salt
from ivr.core.money import Money
from ivr.payments.portal import (
    MAX_CARD_ATTEMPTS,
    MAX_PIN_ATTEMPTS,
    PortalSession,
    PortalSessionStatus,
    PortalSessionStore,
    token_hash,
    verify_pin,
)
from ivr.payments.transactions import Transaction, TransactionStatus, TransactionStore


class LinkState(StrEnum):
    OPEN = "open"  # the PIN next, or a card once the PIN is in
    PAID = "paid"
    EXPIRED = "expired"  # ten minutes passed, or a later call took the payment over
    LOCKED = "locked"  # five wrong PINs
    DECLINED = "declined"  # MAX_CARD_ATTEMPTS cards declined: this link takes no more


@dataclass(frozen=True)
class Receipt:
    amount: Money
    card_brand: str
    last4: str
    reference: str
    paid_at: datetime


@dataclass(frozen=True)
class LinkView:
    state: LinkState
    session: PortalSession
    amount: Money | None
    receipt: Receipt | None = None

    @property
    def pin_tries_left(self) -> int:
        return max(MAX_PIN_ATTEMPTS - self.session.attempts, 0)

    @property
    def card_tries_left(self) -> int:
        return max(MAX_CARD_ATTEMPTS - self.session.declines, 0)


@dataclass(frozen=True)
class LinkOpening:
    """The answer to a PIN: None as view is the single refusal; ``verified`` when the PIN was
    right; an open view without ``verified`` is a wrong PIN with tries left."""

    view: LinkView | None
    verified: PortalSession | None = None


def payment_reference(payment_id: str) -> str:
    """The short reference a customer reads on the confirmation (the payment id's first group)."""
    return payment_id.split("-")[0].upper()


def view_link(
    session_id: str,
    link_token: str,
    *,
    sessions: PortalSessionStore,
    transactions: TransactionStore,
    now: datetime,
) -> LinkView | None:
    """The link's state for the holder of its token; None for anyone else."""
    session = sessions.get(session_id)
    offered = token_hash(link_token)  # the same work whether or not the session exists
    if session is None or not hmac.compare_digest(offered, session.token_hash):
        return None
    return _view(session, transactions.get(session.payment_id), now)


def _view(session: PortalSession, txn: Transaction | None, now: datetime) -> LinkView:
    amount = txn.amount if txn else None
    if txn is not None and (
        txn.status is TransactionStatus.COMPLETE or session.status is PortalSessionStatus.PAID
    ):
        card = txn.card
        receipt = Receipt(
            txn.amount,
            card.brand if card else "",
            card.last4 if card else "",
            payment_reference(txn.payment_id),
            txn.updated_at,
        )
        return LinkView(LinkState.PAID, session, amount, receipt)
    if txn is not None and txn.status is TransactionStatus.FAILED:
        return LinkView(LinkState.DECLINED, session, amount)
    if session.status is PortalSessionStatus.LOCKED:
        return LinkView(LinkState.LOCKED, session, amount)
    if now >= session.expires_at or txn is None or txn.status is not TransactionStatus.OPEN:
        return LinkView(LinkState.EXPIRED, session, amount)
    return LinkView(LinkState.OPEN, session, amount)


def open_link(
    session_id: str,
    link_token: str,
    pin: str,
    *,
    sessions: PortalSessionStore,
    transactions: TransactionStore,
    pepper: bytes,
    now: datetime,
    activity: ActivityLog | None = None,
) -> LinkOpening:
    """Check the PIN of a link whose token is right, and say what the page shows next.
    The link opened for the payment page is noted on ``activity`` (the agent's timeline)."""
    opened = _opened_at_once(
        session_id, link_token, pin, sessions=sessions, pepper=pepper, now=now, activity=activity
    )
    if opened is not None:
        return opened
    view = view_link(session_id, link_token, sessions=sessions, transactions=transactions, now=now)
    if view is None:
        keyed_hash(pepper, new_salt(), pin)  # same work as a real check
        return LinkOpening(None)
    if view.state is not LinkState.OPEN:
        return LinkOpening(view)
    session = view.session
    if session.status is PortalSessionStatus.VERIFIED:
        # The page was reloaded (or a declined card is retried from a new page) after the PIN.
        if matches(pepper, session.pin_salt, pin, session.pin_hash):
            _note_opened(activity, session, now)
            return LinkOpening(view, verified=session)
        with suppress(ConflictError):  # locked meanwhile: nothing left to count
            sessions.count_failed_attempt(session_id, MAX_PIN_ATTEMPTS)
    else:
        verified = verify_pin(
            session_id, link_token, pin, sessions=sessions, pepper=pepper, now=now
        )
        if verified is not None:
            _note_opened(activity, verified, now)
            return LinkOpening(
                _view(verified, transactions.get(verified.payment_id), now), verified
            )
    again = sessions.get(session_id)
    if again is None:
        return LinkOpening(None)
    return LinkOpening(_view(again, transactions.get(again.payment_id), now))


#: What the agent's timeline says when the customer's PIN opens the payment page.
OPENED = "portal: PIN accepted, payment page opened"


def _opened_event(session: PortalSession, now: datetime) -> ActivityEvent:
    return ActivityEvent(session.contact_id, now, "portal", OPENED)


def _note_opened(activity: ActivityLog | None, session: PortalSession, now: datetime) -> None:
    if activity is None:
        return
    with suppress(StoreUnavailableError):  # the timeline is best effort
        activity.append(_opened_event(session, now))


def _opened_at_once(
    session_id: str,
    link_token: str,
    pin: str,
    *,
    sessions: PortalSessionStore,
    pepper: bytes,
    now: datetime,
    activity: ActivityLog | None,
) -> LinkOpening | None:
    """The common case - the right token and PIN on an issued link that knows what the page
    shows - in one read and one write: the conditional write checks the payment is still open
    (so the page is the open one) and notes it for the agent. Anything else is answered by the
    full path, which reads what it needs."""
    session = sessions.get(session_id)
    if (
        session is None
        or session.amount is None
        or not hmac.compare_digest(token_hash(link_token), session.token_hash)
        or session.status is not PortalSessionStatus.ISSUED
        or not session.usable(now)
        or not matches(pepper, session.pin_salt, pin, session.pin_hash)
    ):
        return None
    try:
        sessions.mark_verified(
            session_id,
            MAX_PIN_ATTEMPTS,
            now,
            while_open=session.payment_id,
            note=_opened_event(session, now) if activity is not None else None,
            activity=activity,
        )
    except (ConflictError, StoreUnavailableError):
        return None
    verified = replace(session, status=PortalSessionStatus.VERIFIED)
    return LinkOpening(LinkView(LinkState.OPEN, verified, session.amount), verified)

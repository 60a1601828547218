"""Payment transactions: opened by MakePayment, settled once, offered again when left unfinished.

open -> complete | failed | abandoned, each move a conditional write from open, so a duplicate or
late update cannot move a settled transaction again. An abandoned payment stays marked on its
customer (caller lookup still finds it in one read); picking it up again opens a new transaction
in its place (``resume``), so a late update from the abandoned call cannot touch the new one.

A charge is recorded on its open transaction (``record_charge``: key and card token) before the
processor is asked. When the processor does not answer, the charge may still have been made: the
transaction moves open -> in_doubt, which nothing abandons or charges afresh; asking the processor
again with the same key (the abandon step, a later attempt, the payment follow-up sweep) settles
it complete or failed. Confirmations a payment could not queue are owed on the transaction until
they are queued (``owe_confirmations``); the sweep finds both through ``needing_follow_up``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from ivr.activity import ActivityEvent, ActivityLog
from ivr.core.money import Money

if TYPE_CHECKING:
    from ivr.payments.portal import PortalSession


class TransactionStatus(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"
    ABANDONED = "abandoned"
    FAILED = "failed"
    #: A charge was sent and no answer came back: it may have been made. Settled complete or
    #: failed from the processor's answer to the same idempotency key, never abandoned.
    IN_DOUBT = "in_doubt"


#: Where a settle to complete or failed may start: a charge in doubt settles like an open one.
SETTLEABLE = frozenset({TransactionStatus.OPEN, TransactionStatus.IN_DOUBT})


class PaymentChannel(StrEnum):
    IVR = "ivr"
    PORTAL = "portal"


@dataclass(frozen=True)
class CardSummary:
    """All we keep of a card: brand, last four, processor token (PCI DSS 3.4.1, 3.5.1)."""

    brand: str
    last4: str
    processor_token: str


@dataclass(frozen=True, repr=False)
class ChargeAttempt:
    """A charge sent (or about to be sent) to the processor: asking again with ``key`` and the
    same token answers what it did, never a second charge. The token is the processor's, not
    card data (PCI DSS 3.5.1)."""

    key: str
    card_token: str
    at: datetime

    def __repr__(self) -> str:
        return f"ChargeAttempt(key={self.key!r})"


@dataclass(frozen=True)
class Transaction:
    payment_id: str
    customer_phone: str
    amount: Money
    channel: PaymentChannel
    status: TransactionStatus
    created_at: datetime
    updated_at: datetime
    contact_id: str
    card: CardSummary | None = None
    charge: ChargeAttempt | None = None  # the last charge sent for it
    confirmations_owed: bool = False  # paid, and the SMS/e-mail not yet on the queue


@dataclass(frozen=True)
class SettleAlong:
    """What a settle writes with it, in the same write where the store can: the portal session
    that paid (-> paid) and the agent's timeline event."""

    paid_session: str | None = None
    note: ActivityEvent | None = None
    activity: ActivityLog | None = None


class TransactionStore(Protocol):
    def open(self, transaction: Transaction, *, session: PortalSession | None = None) -> None:
        """Store a new open transaction, marked on its customer; ConflictError if one is open.
        With ``session``, the portal session that pays it is created in the same write."""

    def get(self, payment_id: str) -> Transaction | None: ...

    def for_customer(self, phone: str, limit: int = 20) -> list[Transaction]:
        """The customer's transactions, newest first."""

    def settle(
        self,
        payment_id: str,
        status: TransactionStatus,
        at: datetime,
        card: CardSummary | None = None,
        *,
        current: Transaction | None = None,
        along: SettleAlong | None = None,
    ) -> Transaction:
        """open -> complete/failed/abandoned, once; ConflictError if it is no longer open.
        A charge in doubt settles to complete or failed the same way (never to abandoned).

        Complete and failed clear the customer's mark; abandoned keeps it, so the next call is
        offered to pick the payment up. ``current`` is the transaction as the caller just read
        it (it saves reading it again; the write's own conditions decide); ``along`` is what
        the settle writes with it (nothing when the settle raises)."""

    def resume(
        self, abandoned_id: str, transaction: Transaction, *, session: PortalSession | None = None
    ) -> None:
        """Open ``transaction`` in place of the customer's abandoned one: the mark moves to it.
        ConflictError unless ``abandoned_id`` is abandoned and still the customer's mark.
        With ``session``, as ``open``."""

    def record_charge(
        self, payment_id: str, attempt: ChargeAttempt, *, replaces: str | None = None
    ) -> None:
        """Note ``attempt`` on the open transaction before the processor is asked. ConflictError
        unless it is open and its recorded charge is none, ``replaces`` (an earlier attempt
        known to be declined) or this very key (a retry of the same attempt)."""

    def mark_in_doubt(self, payment_id: str, at: datetime) -> None:
        """open -> in_doubt: its recorded charge went unanswered. ConflictError unless open with
        a recorded charge."""

    def owe_confirmations(self, payment_id: str, owed: bool) -> None:
        """Mark (or, once queued, clear) the confirmations a completed payment still owes.
        Clearing is conditional on the mark: only one of two concurrent clearers succeeds
        (ConflictError for the other)."""

    def needing_follow_up(self, limit: int = 100) -> list[Transaction]:
        """Charges in doubt and completed payments owing confirmations, oldest first: a sparse
        index holds only these, so the sweep reads nothing else."""

"""Payment transactions: opened by MakePayment, settled once, offered again when left unfinished.

open -> complete | failed | abandoned, each move a conditional write from open, so a duplicate or
late update cannot move a settled transaction again. An abandoned payment stays marked on its
customer (caller lookup still finds it in one read); picking it up again opens a new transaction
in its place (``resume``), so a late update from the abandoned call cannot touch the new one.
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


class PaymentChannel(StrEnum):
    IVR = "ivr"
    PORTAL = "portal"


@dataclass(frozen=True)
class CardSummary:
    """All we keep of a card: brand, last four, processor token (PCI DSS 3.4.1, 3.5.1)."""

    brand: str
    last4: str
    processor_token: str


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

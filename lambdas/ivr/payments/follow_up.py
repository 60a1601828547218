"""Payment follow-up: settle the charges left in doubt and queue the messages payments still owe.

A scheduled sweep (template.yaml, PaymentFollowUpFunction) reads the transactions' sparse
follow-up index, so it reads only what needs it, whatever the table's size. A charge in doubt is
asked about again with its own idempotency key (the processor answers what it did, never a second
charge) and settled complete or failed; the customer gets the confirmation or a text saying no
money was taken. Owed messages are queued again with their own keys: the sender sends each key
once, so a step's retry and the sweep together still text once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ivr.core.errors import IvrError
from ivr.core.observability import logger
from ivr.payments.checkout import (
    PaymentServices,
    Settlement,
    queue_payment_messages,
    settle_charge_in_doubt,
)
from ivr.payments.transactions import TransactionStatus, TransactionStore

#: Seconds a sweep keeps in hand before its Lambda timeout: one processor deadline and a write.
MARGIN_SECONDS = 5.0


@dataclass
class FollowUpReport:
    read: int = 0
    settled: dict[str, list[str]] = field(default_factory=dict)  # Settlement -> payment ids
    messages_queued: list[str] = field(default_factory=list)
    messages_still_owed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    deferred: int = 0  # left for the next run (time ran short)

    def count(self, settlement: Settlement) -> int:
        return len(self.settled.get(settlement.value, []))


def follow_up_payments(
    *,
    now: datetime,
    transactions: TransactionStore,
    services: PaymentServices,
    seconds_left: Callable[[], float] = lambda: float("inf"),
    limit: int = 100,
) -> FollowUpReport:
    """Settle every charge in doubt the processor now answers about, and queue owed messages.
    One payment that fails (a store or the queue down) is left for the next run; the others go
    on."""
    report = FollowUpReport()
    pending = transactions.needing_follow_up(limit)
    report.read = len(pending)
    for index, txn in enumerate(pending):
        if seconds_left() < MARGIN_SECONDS:
            report.deferred = len(pending) - index
            break
        try:
            if txn.status is TransactionStatus.IN_DOUBT:
                # As it is now (the index is eventually consistent): a retry may have settled it.
                current = transactions.get(txn.payment_id) or txn
                settled = settle_charge_in_doubt(
                    current, now=now, transactions=transactions, services=services
                )
                report.settled.setdefault(settled.value, []).append(txn.payment_id)
            elif txn.confirmations_owed:
                _send_owed(
                    txn.payment_id, transactions=transactions, services=services, report=report
                )
        except IvrError as error:
            logger.error(
                "payment follow-up failed",
                extra={"paymentId": txn.payment_id, "errorCode": error.code},
            )
            report.errors.append(txn.payment_id)
    return report


def _send_owed(
    payment_id: str,
    *,
    transactions: TransactionStore,
    services: PaymentServices,
    report: FollowUpReport,
) -> None:
    txn = transactions.get(payment_id)  # as it is now: a retry of the step may have sent them
    if txn is None or not txn.confirmations_owed:
        return
    customer = services.callers.find_by_phone(txn.customer_phone)
    if customer is None:
        return
    if queue_payment_messages(txn, customer, transactions=transactions, services=services):
        report.messages_queued.append(payment_id)
    else:
        report.messages_still_owed.append(payment_id)

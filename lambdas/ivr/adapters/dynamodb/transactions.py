"""Transactions in DynamoDB. Opening and settling move the customer's open mark atomically, and
a completed payment lowers the customer's balance in that same TransactWriteItems."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from typing import cast

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ivr.adapters.dynamodb.activity import note_along
from ivr.adapters.dynamodb.connection import Connection
from ivr.adapters.dynamodb.errors import translated
from ivr.adapters.dynamodb.portal import session_item
from ivr.adapters.dynamodb.tables import (
    CustomerItem,
    OpenTransactionAttribute,
    PortalSessionItem,
    TransactionItem,
)
from ivr.core.errors import ConflictError, StoreUnavailableError
from ivr.core.money import Money
from ivr.payments.portal import PortalSession, PortalSessionStatus
from ivr.payments.transactions import (
    SETTLEABLE,
    CardSummary,
    ChargeAttempt,
    PaymentChannel,
    SettleAlong,
    Transaction,
    TransactionStatus,
)

#: The follow-up index's partitions (TransactionItem.follow_up).
FOLLOW_UP_CHARGE = "charge"
FOLLOW_UP_MESSAGES = "messages"


def transaction_from_item(item: TransactionItem) -> Transaction:
    card = None
    if item.card_last4 and item.card_brand and item.processor_token:
        card = CardSummary(item.card_brand, item.card_last4, item.processor_token)
    charge = None
    if item.charge_key and item.charge_token and item.charge_at:
        charge = ChargeAttempt(item.charge_key, item.charge_token, item.charge_at)
    return Transaction(
        payment_id=item.payment_id,
        customer_phone=item.customer_phone,
        amount=Money(int(item.amount_minor), item.currency),
        channel=PaymentChannel(item.channel),
        status=TransactionStatus(item.status),
        created_at=item.created_at,
        updated_at=item.updated_at,
        contact_id=item.contact_id,
        card=card,
        charge=charge,
        confirmations_owed=bool(item.confirmations_owed),
    )


def _open_mark_is(payment_id: str) -> Condition:
    # PynamoDB's stubs type a map path's == as bool; at run time it is a Condition.
    return cast(Condition, CustomerItem.open_transaction["payment_id"] == payment_id)


class DynamoTransactionStore:
    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _transaction(self) -> TransactWrite:
        if self._connection is None:
            self._connection = Connection()
        return TransactWrite(connection=self._connection)

    def open(self, transaction: Transaction, *, session: PortalSession | None = None) -> None:
        item, mark = _new_item(transaction)
        customer = CustomerItem(transaction.customer_phone)
        with translated("open transaction"), self._transaction() as write:
            _create_session(write, session)
            write.save(item, condition=TransactionItem.payment_id.does_not_exist())
            write.update(
                customer,
                actions=[CustomerItem.open_transaction.set(mark)],
                condition=CustomerItem.phone.exists()
                & CustomerItem.open_transaction.does_not_exist(),
            )

    def resume(
        self, abandoned_id: str, transaction: Transaction, *, session: PortalSession | None = None
    ) -> None:
        item, mark = _new_item(transaction)
        customer = CustomerItem(transaction.customer_phone)
        with translated("resume transaction"), self._transaction() as write:
            _create_session(write, session)
            # All three hold at write time or nothing is written: the old payment is abandoned,
            # the new id is unused, and the customer's mark still names the old payment.
            write.condition_check(
                TransactionItem,
                abandoned_id,
                condition=TransactionItem.status == TransactionStatus.ABANDONED.value,
            )
            write.save(item, condition=TransactionItem.payment_id.does_not_exist())
            write.update(
                customer,
                actions=[CustomerItem.open_transaction.set(mark)],
                condition=_open_mark_is(abandoned_id),
            )

    def get(self, payment_id: str) -> Transaction | None:
        with translated("get transaction"):
            try:
                return transaction_from_item(TransactionItem.get(payment_id))
            except TransactionItem.DoesNotExist:
                return None

    def for_customer(self, phone: str, limit: int = 20) -> list[Transaction]:
        with translated("list transactions"):
            items = TransactionItem.by_customer.query(phone, scan_index_forward=False, limit=limit)
            return [transaction_from_item(item) for item in items]

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
        if status is TransactionStatus.OPEN:
            raise ConflictError("a transaction cannot be settled back to open")
        if current is None or current.payment_id != payment_id:
            current = self.get(payment_id)
        if current is None or current.status not in SETTLEABLE:
            raise ConflictError(f"transaction {payment_id} is not open")
        actions: list[Action] = [
            TransactionItem.status.set(status.value),
            TransactionItem.updated_at.set(at),
            TransactionItem.follow_up.remove(),
        ]
        if card is not None:
            actions += [
                TransactionItem.card_brand.set(card.brand),
                TransactionItem.card_last4.set(card.last4),
                TransactionItem.processor_token.set(card.processor_token),
            ]
        is_open = TransactionItem.status == TransactionStatus.OPEN.value
        if status is TransactionStatus.ABANDONED:
            # A charge in doubt is never abandoned: only an open transaction (is_open).
            # The mark stays on the customer: the next call's lookup offers to pick it up.
            with translated("abandon transaction"):
                TransactionItem(payment_id).update(actions=actions, condition=is_open)
            return replace(current, status=status, updated_at=at, card=card or current.card)
        customer_actions: list[Action] = [CustomerItem.open_transaction.remove()]
        if status is TransactionStatus.COMPLETE:
            # The balance drops with the settle itself, so caller lookup (one GetItem) never sees
            # a paid transaction next to the old balance. ADD, not SET: no read-modify-write.
            customer_actions.append(CustomerItem.balance_minor.add(-current.amount.minor))
        along = along or SettleAlong()
        noted = False
        with translated("settle transaction"), self._transaction() as write:
            # Both conditions are checked at write time: a duplicate or late update cannot move a
            # settled transaction again (nor lower the balance twice), whatever the read saw.
            write.update(
                TransactionItem(payment_id),
                actions=actions,
                condition=TransactionItem.status.is_in(*(s.value for s in SETTLEABLE)),
            )
            write.update(
                CustomerItem(current.customer_phone),
                actions=customer_actions,
                condition=_open_mark_is(payment_id),
            )
            if along.paid_session is not None:
                # No status condition: the settle's own decides once; a page locked meanwhile
                # must not leave a charged payment unsettled.
                write.update(
                    PortalSessionItem(along.paid_session),
                    actions=[
                        PortalSessionItem.status.set(PortalSessionStatus.PAID.value),
                        PortalSessionItem.notice.remove(),
                    ],
                    condition=PortalSessionItem.session_id.exists(),
                )
            if along.note is not None and along.activity is not None:
                noted = note_along(write, along.note, along.activity)
        if along.note is not None and along.activity is not None and not noted:
            with suppress(StoreUnavailableError):  # the timeline is best effort
                along.activity.append(along.note)
        return replace(current, status=status, updated_at=at, card=card or current.card)

    def record_charge(
        self, payment_id: str, attempt: ChargeAttempt, *, replaces: str | None = None
    ) -> None:
        keys = {attempt.key} | ({replaces} if replaces else set())
        condition = (TransactionItem.status == TransactionStatus.OPEN.value) & (
            TransactionItem.charge_key.does_not_exist() | TransactionItem.charge_key.is_in(*keys)
        )
        actions: list[Action] = [
            TransactionItem.charge_key.set(attempt.key),
            TransactionItem.charge_token.set(attempt.card_token),
            TransactionItem.charge_at.set(attempt.at),
        ]
        with translated("record charge"):
            TransactionItem(payment_id).update(actions=actions, condition=condition)

    def mark_in_doubt(self, payment_id: str, at: datetime) -> None:
        condition = (TransactionItem.status == TransactionStatus.OPEN.value) & (
            TransactionItem.charge_key.exists()
        )
        actions: list[Action] = [
            TransactionItem.status.set(TransactionStatus.IN_DOUBT.value),
            TransactionItem.updated_at.set(at),
            TransactionItem.follow_up.set(FOLLOW_UP_CHARGE),
        ]
        with translated("mark charge in doubt"):
            TransactionItem(payment_id).update(actions=actions, condition=condition)

    def owe_confirmations(self, payment_id: str, owed: bool) -> None:
        item = TransactionItem(payment_id)
        with translated("owe confirmations"):
            if owed:
                settled = TransactionItem.status.is_in(
                    TransactionStatus.COMPLETE.value, TransactionStatus.FAILED.value
                )
                item.update(
                    actions=[
                        TransactionItem.confirmations_owed.set(True),
                        TransactionItem.follow_up.set(FOLLOW_UP_MESSAGES),
                    ],
                    condition=settled,
                )
            else:
                item.update(
                    actions=[
                        TransactionItem.confirmations_owed.remove(),
                        TransactionItem.follow_up.remove(),
                    ],
                    condition=TransactionItem.confirmations_owed == True,  # noqa: E712
                )

    def needing_follow_up(self, limit: int = 100) -> list[Transaction]:
        found: list[Transaction] = []
        with translated("find payments to follow up"):
            for partition in (FOLLOW_UP_CHARGE, FOLLOW_UP_MESSAGES):
                items = TransactionItem.by_follow_up.query(partition, limit=limit)
                found += [transaction_from_item(item) for item in items]
        return sorted(found, key=lambda t: t.updated_at)[:limit]


def _create_session(write: TransactWrite, session: PortalSession | None) -> None:
    """The portal session that pays the payment, created in the payment's own write."""
    if session is not None:
        write.save(session_item(session), condition=PortalSessionItem.session_id.does_not_exist())


def _new_item(transaction: Transaction) -> tuple[TransactionItem, OpenTransactionAttribute]:
    """A new open transaction's item, and the mark its customer carries while it is unfinished."""
    item = TransactionItem(
        transaction.payment_id,
        customer_phone=transaction.customer_phone,
        amount_minor=transaction.amount.minor,
        currency=transaction.amount.currency,
        channel=transaction.channel.value,
        status=TransactionStatus.OPEN.value,
        created_at=transaction.created_at,
        updated_at=transaction.updated_at,
        contact_id=transaction.contact_id,
    )
    mark = OpenTransactionAttribute(
        payment_id=transaction.payment_id,
        amount_minor=transaction.amount.minor,
        currency=transaction.amount.currency,
        channel=transaction.channel.value,
        opened_at=transaction.created_at,
    )
    return item, mark

"""Transactions in DynamoDB. Opening and settling move the customer's open mark atomically, and
a completed payment lowers the customer's balance in that same TransactWriteItems."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import cast

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ivr.adapters.dynamodb.connection import Connection
from ivr.adapters.dynamodb.errors import translated
from ivr.adapters.dynamodb.tables import (
    CustomerItem,
    OpenTransactionAttribute,
    TransactionItem,
)
from ivr.core.errors import ConflictError
from ivr.core.money import Money
from ivr.payments.transactions import CardSummary, PaymentChannel, Transaction, TransactionStatus


def transaction_from_item(item: TransactionItem) -> Transaction:
    card = None
    if item.card_last4 and item.card_brand and item.processor_token:
        card = CardSummary(item.card_brand, item.card_last4, item.processor_token)
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

    def open(self, transaction: Transaction) -> None:
        item, mark = _new_item(transaction)
        customer = CustomerItem(transaction.customer_phone)
        with translated("open transaction"), self._transaction() as write:
            write.save(item, condition=TransactionItem.payment_id.does_not_exist())
            write.update(
                customer,
                actions=[CustomerItem.open_transaction.set(mark)],
                condition=CustomerItem.phone.exists()
                & CustomerItem.open_transaction.does_not_exist(),
            )

    def resume(self, abandoned_id: str, transaction: Transaction) -> None:
        item, mark = _new_item(transaction)
        customer = CustomerItem(transaction.customer_phone)
        with translated("resume transaction"), self._transaction() as write:
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
    ) -> Transaction:
        if status is TransactionStatus.OPEN:
            raise ConflictError("a transaction cannot be settled back to open")
        current = self.get(payment_id)
        if current is None or current.status is not TransactionStatus.OPEN:
            raise ConflictError(f"transaction {payment_id} is not open")
        actions: list[Action] = [
            TransactionItem.status.set(status.value),
            TransactionItem.updated_at.set(at),
        ]
        if card is not None:
            actions += [
                TransactionItem.card_brand.set(card.brand),
                TransactionItem.card_last4.set(card.last4),
                TransactionItem.processor_token.set(card.processor_token),
            ]
        is_open = TransactionItem.status == TransactionStatus.OPEN.value
        if status is TransactionStatus.ABANDONED:
            # The mark stays on the customer: the next call's lookup offers to pick it up.
            with translated("abandon transaction"):
                TransactionItem(payment_id).update(actions=actions, condition=is_open)
            return replace(current, status=status, updated_at=at, card=card or current.card)
        customer_actions: list[Action] = [CustomerItem.open_transaction.remove()]
        if status is TransactionStatus.COMPLETE:
            # The balance drops with the settle itself, so caller lookup (one GetItem) never sees
            # a paid transaction next to the old balance. ADD, not SET: no read-modify-write.
            customer_actions.append(CustomerItem.balance_minor.add(-current.amount.minor))
        with translated("settle transaction"), self._transaction() as write:
            # Both conditions are checked at write time: a duplicate or late update cannot move a
            # settled transaction again (nor lower the balance twice), whatever the read saw.
            write.update(TransactionItem(payment_id), actions=actions, condition=is_open)
            write.update(
                CustomerItem(current.customer_phone),
                actions=customer_actions,
                condition=_open_mark_is(payment_id),
            )
        return replace(current, status=status, updated_at=at, card=card or current.card)


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

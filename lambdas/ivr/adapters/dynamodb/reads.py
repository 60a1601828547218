"""Joint reads: items of different tables a step needs together, in one TransactGetItems.

TransactGetItems reads up to 100 items across tables in one round trip, each as of the same
instant (serializable, so strongly consistent); it costs two read units per 4 KB, which a
caller-facing step spends gladly to answer Connect a round trip sooner.
"""

from __future__ import annotations

from typing import TypeVar

from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model, _ModelFuture
from pynamodb.transactions import TransactGet

from ivr.adapters.dynamodb.callers import customer_from_item
from ivr.adapters.dynamodb.connection import Connection
from ivr.adapters.dynamodb.errors import translated
from ivr.adapters.dynamodb.portal import session_from_item
from ivr.adapters.dynamodb.tables import (
    CustomerItem,
    PortalSessionItem,
    TransactionItem,
)
from ivr.adapters.dynamodb.transactions import transaction_from_item
from ivr.callers import Customer
from ivr.payments.portal import PortalSession
from ivr.payments.transactions import Transaction

_M = TypeVar("_M", bound=Model)


def found(future: _ModelFuture[_M]) -> _M | None:
    """The item a transactional read returned, or None when there was none."""
    try:
        return future.get()
    except DoesNotExist:
        return None


class DynamoJointReads:
    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _read(self) -> TransactGet:
        if self._connection is None:
            self._connection = Connection()
        return TransactGet(connection=self._connection)

    def session_and_payment(
        self, session_id: str, payment_id: str
    ) -> tuple[PortalSession | None, Transaction | None]:
        with translated("read portal session and payment"), self._read() as read:
            session = read.get(PortalSessionItem, session_id)
            txn = read.get(TransactionItem, payment_id)
        session_item, txn_item = found(session), found(txn)
        return (
            session_from_item(session_item) if session_item else None,
            transaction_from_item(txn_item) if txn_item else None,
        )

    def caller_and_payment(
        self, phone: str, payment_id: str
    ) -> tuple[Customer | None, Transaction | None]:
        with translated("read caller and payment"), self._read() as read:
            customer = read.get(CustomerItem, phone)
            txn = read.get(TransactionItem, payment_id)
        customer_item, txn_item = found(customer), found(txn)
        return (
            customer_from_item(customer_item) if customer_item else None,
            transaction_from_item(txn_item) if txn_item else None,
        )

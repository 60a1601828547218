"""In-memory stores implementing the domain Protocols. The store tests run against these AND moto,
so a fake cannot drift from the real thing."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from ivr.activity import ActivityEvent
from ivr.callbacks import Callback, CallbackStatus
from ivr.callers import Customer, OpenTransaction
from ivr.errors import ConflictError
from ivr.portal import PortalSession
from ivr.transactions import CardSummary, Transaction, TransactionStatus


class FakeCallerStore:
    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.reads = 0

    def find_by_phone(self, phone: str) -> Customer | None:
        self.reads += 1
        return self.customers.get(phone)

    def find_by_account(self, account_number: str) -> Customer | None:
        self.reads += 1
        return next(
            (c for c in self.customers.values() if c.account_number == account_number), None
        )

    def save(self, customer: Customer) -> None:
        existing = self.customers.get(customer.phone)
        mark = existing.open_transaction if existing else None
        self.customers[customer.phone] = replace(customer, open_transaction=mark)


class FakeTransactionStore:
    def __init__(self, callers: FakeCallerStore) -> None:
        self.callers = callers
        self.transactions: dict[str, Transaction] = {}
        self._lock = threading.Lock()

    def open(self, transaction: Transaction) -> None:
        with self._lock:
            customer = self.callers.customers.get(transaction.customer_phone)
            if (
                transaction.payment_id in self.transactions
                or customer is None
                or customer.open_transaction is not None
            ):
                raise ConflictError("cannot open transaction")
            self.transactions[transaction.payment_id] = transaction
            mark = OpenTransaction(
                transaction.payment_id,
                transaction.amount,
                transaction.channel.value,
                transaction.created_at,
            )
            self.callers.customers[customer.phone] = replace(customer, open_transaction=mark)

    def get(self, payment_id: str) -> Transaction | None:
        return self.transactions.get(payment_id)

    def for_customer(self, phone: str, limit: int = 20) -> list[Transaction]:
        mine = [t for t in self.transactions.values() if t.customer_phone == phone]
        return sorted(mine, key=lambda t: t.created_at, reverse=True)[:limit]

    def settle(
        self,
        payment_id: str,
        status: TransactionStatus,
        at: datetime,
        card: CardSummary | None = None,
    ) -> Transaction:
        with self._lock:
            current = self.transactions.get(payment_id)
            if status is TransactionStatus.OPEN or current is None:
                raise ConflictError("cannot settle")
            if current.status is not TransactionStatus.OPEN:
                raise ConflictError("not open")
            settled = replace(current, status=status, updated_at=at, card=card or current.card)
            self.transactions[payment_id] = settled
            customer = self.callers.customers[current.customer_phone]
            self.callers.customers[customer.phone] = replace(customer, open_transaction=None)
            return settled


class FakePortalSessionStore:
    def __init__(self) -> None:
        self.sessions: dict[str, PortalSession] = {}

    def create(self, session: PortalSession) -> None:
        if session.session_id in self.sessions:
            raise ConflictError("session id taken")
        self.sessions[session.session_id] = session

    def get(self, session_id: str) -> PortalSession | None:
        return self.sessions.get(session_id)


class FakeCallbackStore:
    def __init__(self) -> None:
        self.callbacks: dict[str, Callback] = {}

    def schedule(self, callback: Callback) -> None:
        if callback.callback_id in self.callbacks:
            raise ConflictError("callback id taken")
        self.callbacks[callback.callback_id] = replace(callback, status=CallbackStatus.SCHEDULED)

    def get(self, callback_id: str) -> Callback | None:
        return self.callbacks.get(callback_id)

    def due(self, now: datetime, limit: int = 100) -> list[Callback]:
        due = [
            c
            for c in self.callbacks.values()
            if c.status is CallbackStatus.SCHEDULED and c.due_at <= now
        ]
        return sorted(due, key=lambda c: c.due_at)[:limit]


class FakeActivityLog:
    def __init__(self) -> None:
        self.events: list[ActivityEvent] = []

    def append(self, event: ActivityEvent) -> None:
        self.events.append(event)

    def for_contact(self, contact_id: str) -> list[ActivityEvent]:
        return sorted((e for e in self.events if e.contact_id == contact_id), key=lambda e: e.at)

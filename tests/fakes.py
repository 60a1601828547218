"""In-memory stores implementing the domain Protocols. The store tests run against these AND moto,
so a fake cannot drift from the real thing."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ivr.activity import ActivityEvent, ActivityLog
from ivr.auth.keypad import ContactAuth, CustomerFailures, OneTimeCode
from ivr.callbacks.service import (
    Callback,
    CallbackKind,
    CallbackPendingError,
    CallbackStatus,
    PendingCallback,
    Slot,
    SlotFullError,
)
from ivr.callers import Customer, OpenTransaction, PendingCallbackMark, VoiceEnrolment
from ivr.core.circuit import CircuitState
from ivr.core.errors import ConflictError, NotFoundError
from ivr.core.money import Money
from ivr.payments.portal import PortalNotice, PortalSession, PortalSessionStatus
from ivr.payments.transactions import (
    SETTLEABLE,
    CardSummary,
    ChargeAttempt,
    SettleAlong,
    Transaction,
    TransactionStatus,
)


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
        held = existing.pending_callback if existing else None
        self.customers[customer.phone] = replace(
            customer, open_transaction=mark, pending_callback=held
        )

    def set_voice_enrolment(
        self,
        phone: str,
        status: VoiceEnrolment,
        *,
        note: ActivityEvent | None = None,
        activity: ActivityLog | None = None,
    ) -> None:
        customer = self.customers.get(phone)
        if customer is None:
            raise NotFoundError("no such customer")
        self.customers[phone] = replace(customer, voice_enrolment=status)
        if note is not None and activity is not None:
            activity.append(note)


def _open_mark(transaction: Transaction) -> OpenTransaction:
    """What the real store writes onto the customer when a transaction opens."""
    return OpenTransaction(
        transaction.payment_id,
        transaction.amount,
        transaction.channel.value,
        transaction.created_at,
    )


class FakeTransactionStore:
    def __init__(
        self, callers: FakeCallerStore, sessions: FakePortalSessionStore | None = None
    ) -> None:
        self.sessions = sessions
        self.callers = callers
        self.transactions: dict[str, Transaction] = {}
        self._lock = threading.Lock()

    def _taken(self, session: PortalSession) -> bool:
        return self.sessions is not None and session.session_id in self.sessions.sessions

    def _create_session(self, session: PortalSession | None) -> None:
        if session is None:
            return
        if self.sessions is None:
            raise TypeError("this fake creates portal sessions only when given their store")
        self.sessions.create(session)

    def open(self, transaction: Transaction, *, session: PortalSession | None = None) -> None:
        with self._lock:
            customer = self.callers.customers.get(transaction.customer_phone)
            if (
                transaction.payment_id in self.transactions
                or customer is None
                or customer.open_transaction is not None
                or (
                    session is not None
                    and self.sessions is not None
                    and session.session_id in self.sessions.sessions
                )
            ):
                raise ConflictError("cannot open transaction")
            self._create_session(session)
            self.transactions[transaction.payment_id] = transaction
            self.callers.customers[customer.phone] = replace(
                customer, open_transaction=_open_mark(transaction)
            )

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
        *,
        current: Transaction | None = None,
        along: SettleAlong | None = None,
    ) -> Transaction:
        along = along or SettleAlong()
        if along.paid_session is not None and self.sessions is None:
            raise TypeError("this fake marks portal sessions paid only when given their store")
        with self._lock:
            current = self.transactions.get(payment_id)  # the fake reads nothing: it knows
            if status is TransactionStatus.OPEN or current is None:
                raise ConflictError("cannot settle")
            settleable = (
                SETTLEABLE
                if status is not TransactionStatus.ABANDONED
                else {TransactionStatus.OPEN}
            )
            if current.status not in settleable:
                raise ConflictError("not open")
            settled = replace(current, status=status, updated_at=at, card=card or current.card)
            self.transactions[payment_id] = settled
            if status is not TransactionStatus.ABANDONED:  # an abandoned payment stays marked
                customer = self.callers.customers[current.customer_phone]
                balance = customer.balance
                if status is TransactionStatus.COMPLETE:
                    balance = Money(balance.minor - current.amount.minor, balance.currency)
                self.callers.customers[customer.phone] = replace(
                    customer, open_transaction=None, balance=balance
                )
            if along.paid_session is not None and self.sessions is not None:
                paid = self.sessions.sessions[along.paid_session]
                self.sessions.sessions[along.paid_session] = replace(
                    paid, status=PortalSessionStatus.PAID, notice=None
                )
        if along.note is not None and along.activity is not None:
            along.activity.append(along.note)
        return settled

    def resume(
        self, abandoned_id: str, transaction: Transaction, *, session: PortalSession | None = None
    ) -> None:
        with self._lock:
            old = self.transactions.get(abandoned_id)
            customer = self.callers.customers.get(transaction.customer_phone)
            mark = customer.open_transaction if customer else None
            if (
                old is None
                or old.status is not TransactionStatus.ABANDONED
                or transaction.payment_id in self.transactions
                or customer is None
                or mark is None
                or mark.payment_id != abandoned_id
            ):
                raise ConflictError("cannot resume")
            self._create_session(session)
            self.transactions[transaction.payment_id] = transaction
            self.callers.customers[customer.phone] = replace(
                customer, open_transaction=_open_mark(transaction)
            )

    def record_charge(
        self, payment_id: str, attempt: ChargeAttempt, *, replaces: str | None = None
    ) -> None:
        with self._lock:
            current = self.transactions.get(payment_id)
            if current is None or current.status is not TransactionStatus.OPEN:
                raise ConflictError("not open")
            if current.charge is not None and current.charge.key not in {attempt.key, replaces}:
                raise ConflictError("another charge is recorded")
            self.transactions[payment_id] = replace(current, charge=attempt)

    def mark_in_doubt(self, payment_id: str, at: datetime) -> None:
        with self._lock:
            current = self.transactions.get(payment_id)
            if current is None or current.status is not TransactionStatus.OPEN:
                raise ConflictError("not open")
            if current.charge is None:
                raise ConflictError("no charge recorded")
            self.transactions[payment_id] = replace(
                current, status=TransactionStatus.IN_DOUBT, updated_at=at
            )

    def owe_confirmations(self, payment_id: str, owed: bool) -> None:
        settled = {TransactionStatus.COMPLETE, TransactionStatus.FAILED}
        with self._lock:
            current = self.transactions.get(payment_id)
            if current is None or (owed and current.status not in settled):
                raise ConflictError("not settled")
            if not owed and not current.confirmations_owed:
                raise ConflictError("nothing owed")
            self.transactions[payment_id] = replace(current, confirmations_owed=owed)

    def needing_follow_up(self, limit: int = 100) -> list[Transaction]:
        with self._lock:
            found = [
                t
                for t in self.transactions.values()
                if t.status is TransactionStatus.IN_DOUBT or t.confirmations_owed
            ]
        return sorted(found, key=lambda t: t.updated_at)[:limit]


class FakePortalSessionStore:
    def __init__(self, transactions: FakeTransactionStore | None = None) -> None:
        self.sessions: dict[str, PortalSession] = {}
        #: Where ``mark_verified(while_open=...)`` looks; without it the payment counts as open.
        self.transactions = transactions

    def create(self, session: PortalSession) -> None:
        if session.session_id in self.sessions:
            raise ConflictError("session id taken")
        self.sessions[session.session_id] = session

    def get(self, session_id: str) -> PortalSession | None:
        return self.sessions.get(session_id)

    # Each change checks its condition and writes under one lock, as DynamoDB does per item.
    _lock = threading.Lock()

    def _change(self, session_id: str, holds: Any, **changes: Any) -> PortalSession:
        with self._lock:
            current = self.sessions.get(session_id)
            if current is None or not holds(current):
                raise ConflictError("portal session condition not met")
            self.sessions[session_id] = replace(current, **changes)
            return self.sessions[session_id]

    def count_failed_attempt(self, session_id: str, max_attempts: int) -> int:
        takes_pins = {PortalSessionStatus.ISSUED, PortalSessionStatus.VERIFIED}
        with self._lock:
            current = self.sessions.get(session_id)
            if (
                current is None
                or current.status not in takes_pins
                or current.attempts >= max_attempts
            ):
                raise ConflictError("portal session condition not met")
            attempts = current.attempts + 1
            status = PortalSessionStatus.LOCKED if attempts >= max_attempts else current.status
            self.sessions[session_id] = replace(current, attempts=attempts, status=status)
        return attempts

    def mark_verified(
        self,
        session_id: str,
        max_attempts: int,
        now: datetime,
        *,
        while_open: str | None = None,
        note: ActivityEvent | None = None,
        activity: ActivityLog | None = None,
    ) -> None:
        def payment_open() -> bool:
            if while_open is None or self.transactions is None:
                return True
            txn = self.transactions.transactions.get(while_open)
            return txn is not None and txn.status is TransactionStatus.OPEN

        self._change(
            session_id,
            lambda s: (
                s.status is PortalSessionStatus.ISSUED
                and s.attempts < max_attempts
                and s.expires_at > now
                and payment_open()
            ),
            status=PortalSessionStatus.VERIFIED,
        )
        if note is not None and activity is not None:
            activity.append(note)

    def mark_paid(self, session_id: str) -> None:
        self._change(
            session_id,
            lambda s: s.status is PortalSessionStatus.VERIFIED,
            status=PortalSessionStatus.PAID,
            notice=None,
        )

    def reissue_pin(self, session_id: str, pin_hash: str, pin_salt: str) -> None:
        self._change(
            session_id,
            lambda s: s.status is PortalSessionStatus.ISSUED and s.attempts == 0,
            pin_hash=pin_hash,
            pin_salt=pin_salt,
        )

    def mark_link_queued(self, session_id: str) -> None:
        self._change(session_id, lambda s: True, link_queued=True)

    def set_notice(self, session_id: str, notice: PortalNotice) -> None:
        self._change(session_id, lambda s: s.status is PortalSessionStatus.VERIFIED, notice=notice)

    def count_decline(self, session_id: str, declines_seen: int) -> None:
        with self._lock:
            current = self.sessions.get(session_id)
            if (
                current is None
                or current.status is not PortalSessionStatus.VERIFIED
                or current.declines != declines_seen
            ):
                raise ConflictError("portal session condition not met")
            self.sessions[session_id] = replace(
                current, declines=current.declines + 1, notice=PortalNotice.DECLINED
            )

    def take_notice(self, session_id: str, notice: PortalNotice) -> bool:
        try:
            self._change(session_id, lambda s: s.notice is notice, notice=None)
        except ConflictError:
            return False
        return True


class FakeCallbackStore:
    """The DynamoDB callback store's rules (guard, slots, claims, leases) in memory; given the
    caller store, it keeps the customer's pending-callback mark as the real one does."""

    def __init__(self, callers: FakeCallerStore | None = None) -> None:
        self.callers = callers
        self.callbacks: dict[str, Callback] = {}
        self.guards: dict[tuple[str, str], tuple[PendingCallback, datetime | None]] = {}
        self.slots: dict[tuple[str, datetime], int] = {}
        self.items_read = 0
        self._lock = threading.RLock()

    def _guard_free(self, key: tuple[str, str], now: datetime) -> bool:
        held = self.guards.get(key)
        return held is None or (held[1] is not None and held[1] < now)

    def _set_mark(self, callback: Callback, call_at: datetime, *, new: bool) -> bool:
        """Mark the customer (booking: if free; moving: if it names this callback)."""
        customer = self.callers.customers.get(callback.phone) if self.callers else None
        if customer is None or self.callers is None:
            return False
        held = customer.pending_callback
        if held is None and not new:
            return False
        if held is not None and held.callback_id != callback.callback_id:
            return False
        mark = PendingCallbackMark(callback.callback_id, callback.queue, call_at, callback.timezone)
        self.callers.customers[callback.phone] = replace(customer, pending_callback=mark)
        return True

    def _remove_mark(self, callback: Callback) -> None:
        customer = self.callers.customers.get(callback.phone) if self.callers else None
        if customer is None or self.callers is None or customer.pending_callback is None:
            return
        if customer.pending_callback.callback_id == callback.callback_id:
            self.callers.customers[callback.phone] = replace(customer, pending_callback=None)

    def _slot_has_room(self, slot: Slot) -> bool:
        return self.slots.get((slot.queue, slot.start), 0) < slot.capacity

    def _shift_slot(self, slot: Slot, by: int) -> None:
        key = (slot.queue, slot.start)
        self.slots[key] = self.slots.get(key, 0) + by

    def schedule(
        self,
        callback: Callback,
        *,
        now: datetime,
        pending_until: datetime | None,
        slot: Slot | None,
    ) -> None:
        with self._lock:
            key = (callback.phone, callback.queue)
            if callback.callback_id in self.callbacks:
                raise ConflictError("callback id taken")
            if not self._guard_free(key, now):
                raise CallbackPendingError(self.guards[key][0])
            if slot is not None and not self._slot_has_room(slot):
                raise SlotFullError("slot full")
            marked = callback.kind is CallbackKind.SCHEDULED and self._set_mark(
                callback, callback.call_at, new=True
            )
            stored = replace(
                callback,
                attempts=0,
                claims=0,
                created_at=callback.created_at or now,
                marked=marked,
            )
            self.callbacks[callback.callback_id] = stored
            pending = PendingCallback(
                callback.callback_id,
                callback.phone,
                callback.queue,
                callback.call_at,
                callback.timezone,
                callback.kind,
            )
            self.guards[key] = (pending, pending_until)
            if slot is not None:
                self._shift_slot(slot, 1)

    def get(self, callback_id: str) -> Callback | None:
        return self.callbacks.get(callback_id)

    def pending(self, phone: str, queue: str, now: datetime) -> PendingCallback | None:
        with self._lock:
            if self._guard_free((phone, queue), now):
                return None
            return self.guards[(phone, queue)][0]

    def _current(self, callback: Callback, *statuses: CallbackStatus) -> Callback:
        current = self.callbacks.get(callback.callback_id)
        if current is None or current.status not in statuses or current.claims != callback.claims:
            raise ConflictError("callback changed")
        return current

    def _release_guard(self, callback: Callback) -> None:
        key = (callback.phone, callback.queue)
        held = self.guards.get(key)
        if held is None or held[0].callback_id != callback.callback_id:
            raise ConflictError("guard held by another callback")
        del self.guards[key]

    def move(
        self, callback: Callback, call_at: datetime, *, old_slot: Slot | None, new_slot: Slot
    ) -> Callback:
        with self._lock:
            current = self._current(callback, CallbackStatus.SCHEDULED)
            key = (callback.phone, callback.queue)
            held = self.guards.get(key)
            if held is None or held[0].callback_id != callback.callback_id:
                raise ConflictError("guard held by another callback")
            same_slot = old_slot is not None and old_slot.start == new_slot.start
            if not same_slot and not self._slot_has_room(new_slot):
                raise SlotFullError("slot full")
            if not same_slot:
                self._shift_slot(new_slot, 1)
                if old_slot is not None:
                    self._shift_slot(old_slot, -1)
            self.guards[key] = (replace(held[0], call_at=call_at), held[1])
            marked = self._set_mark(current, call_at, new=False)
            moved = replace(current, call_at=call_at, due_at=call_at, marked=marked)
            self.callbacks[callback.callback_id] = moved
            return moved

    def cancel(self, callback: Callback, *, now: datetime, slot: Slot | None) -> Callback:
        with self._lock:
            current = self._current(callback, CallbackStatus.SCHEDULED, CallbackStatus.QUEUED)
            self._release_guard(current)
            if slot is not None:
                self._shift_slot(slot, -1)
            self._remove_mark(current)
            cancelled = replace(current, status=CallbackStatus.CANCELLED, due_at=None, marked=False)
            self.callbacks[callback.callback_id] = cancelled
            return cancelled

    def mark_confirmed(self, callback_id: str) -> None:
        with self._lock:
            current = self.callbacks.get(callback_id)
            if current is None:
                raise ConflictError("no such callback")
            self.callbacks[callback_id] = replace(current, confirmed=True)

    def due(self, now: datetime, limit: int = 100) -> list[Callback]:
        with self._lock:
            due = [c for c in self.callbacks.values() if c.due_at is not None and c.due_at <= now]
            found = sorted(due, key=lambda c: c.due_at or now)[:limit]
            self.items_read += len(found)
            return found

    def claim(self, callback: Callback, *, now: datetime, lease_until: datetime) -> Callback | None:
        with self._lock:
            current = self.callbacks.get(callback.callback_id)
            if (
                current is None
                or current.status not in (CallbackStatus.SCHEDULED, CallbackStatus.DIALLING)
                or current.claims != callback.claims
                or current.due_at is None
                or current.due_at > now
            ):
                return None
            claimed = replace(
                current,
                status=CallbackStatus.DIALLING,
                claims=current.claims + 1,
                lease_until=lease_until,
                due_at=lease_until,
            )
            self.callbacks[callback.callback_id] = claimed
            return claimed

    def defer(self, callback: Callback, *, until: datetime) -> None:
        with self._lock:
            current = self.callbacks.get(callback.callback_id)
            if current is None or current.claims != callback.claims or current.due_at is None:
                raise ConflictError("callback changed")
            self.callbacks[callback.callback_id] = replace(current, due_at=until)

    def mark_dialled(self, callback: Callback, *, contact_id: str, now: datetime) -> None:
        with self._lock:
            current = self._current(callback, CallbackStatus.DIALLING)
            self._release_guard(current)
            self._remove_mark(current)
            self.callbacks[callback.callback_id] = replace(
                current,
                marked=False,
                status=CallbackStatus.DIALLED,
                outbound_contact_id=contact_id,
                due_at=None,
                lease_until=None,
            )

    def mark_retry(self, callback: Callback, *, retry_at: datetime, error: str) -> None:
        with self._lock:
            current = self._current(callback, CallbackStatus.DIALLING)
            self.callbacks[callback.callback_id] = replace(
                current,
                status=CallbackStatus.SCHEDULED,
                attempts=current.attempts + 1,
                due_at=retry_at,
                last_error=error[:500],
                lease_until=None,
            )

    def mark_failed(self, callback: Callback, *, now: datetime, error: str) -> None:
        with self._lock:
            current = self._current(callback, CallbackStatus.DIALLING)
            self._release_guard(current)
            self._remove_mark(current)
            self.callbacks[callback.callback_id] = replace(
                current,
                marked=False,
                status=CallbackStatus.FAILED,
                attempts=current.attempts + 1,
                due_at=None,
                last_error=error[:500],
                lease_until=None,
            )

    def slot_loads(self, queue: str, starts: list[datetime]) -> dict[datetime, int]:
        with self._lock:
            return {start: self.slots.get((queue, start), 0) for start in starts}


class FakeActivityLog:
    def __init__(self) -> None:
        self.events: list[ActivityEvent] = []

    def append(self, event: ActivityEvent) -> None:
        self.events.append(event)

    def for_contact(self, contact_id: str) -> list[ActivityEvent]:
        return sorted((e for e in self.events if e.contact_id == contact_id), key=lambda e: e.at)


class FakeAuthStore:
    """Versioned authentication records; a save checks the version under a lock, as DynamoDB's
    conditional PutItem does per item."""

    def __init__(self) -> None:
        self.records: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _save(self, key: str, record: Any, expected_version: int) -> None:
        with self._lock:
            current = self.records.get(key)
            if (current.version if current is not None else 0) != expected_version:
                raise ConflictError("version changed")
            self.records[key] = record

    def customer_failures(self, phone: str) -> CustomerFailures | None:
        record: CustomerFailures | None = self.records.get(f"customer#{phone}")
        return record

    def save_customer_failures(self, state: CustomerFailures, expected_version: int) -> None:
        self._save(f"customer#{state.phone}", state, expected_version)

    def contact(self, contact_id: str) -> ContactAuth | None:
        record: ContactAuth | None = self.records.get(f"contact#{contact_id}")
        return record

    def save_contact(self, state: ContactAuth, expected_version: int) -> None:
        self._save(f"contact#{state.contact_id}", state, expected_version)

    def one_time_code(self, contact_id: str) -> OneTimeCode | None:
        record: OneTimeCode | None = self.records.get(f"code#{contact_id}")
        return record

    def contact_and_code(self, contact_id: str) -> tuple[ContactAuth | None, OneTimeCode | None]:
        return self.contact(contact_id), self.one_time_code(contact_id)

    def save_one_time_code(
        self,
        code: OneTimeCode,
        expected_version: int,
        *,
        note: ActivityEvent | None = None,
        activity: ActivityLog | None = None,
    ) -> None:
        self._save(f"code#{code.contact_id}", code, expected_version)
        if note is not None and activity is not None:
            activity.append(note)

    def confirm_code(
        self,
        confirmed: OneTimeCode,
        expected_version: int,
        *,
        note: ActivityEvent,
        activity: ActivityLog,
    ) -> bool:
        try:
            self._save(f"code#{confirmed.contact_id}", confirmed, expected_version)
        except ConflictError:
            return False
        key = f"contact#{confirmed.contact_id}"
        with self._lock:
            current: ContactAuth = self.records.get(key) or ContactAuth(confirmed.contact_id)
            self.records[key] = replace(current, code_confirmed=True, version=current.version + 1)
        activity.append(note)
        return True

    def claim_for_contact(self, contact_id: str, claimed_phone: str) -> None:
        key = f"contact#{contact_id}"
        with self._lock:
            current: ContactAuth = self.records.get(key) or ContactAuth(contact_id)
            self.records[key] = replace(
                current, claimed_phone=claimed_phone, version=current.version + 1
            )

    def pass_keypad(
        self,
        contact_id: str,
        *,
        failures_so_far: int,
        attempt_id: str,
        unless_locked: Sequence[str],
        note: ActivityEvent,
        activity: ActivityLog,
    ) -> bool:
        key = f"contact#{contact_id}"
        with self._lock:
            if any(
                getattr(self.records.get(f"customer#{lock}"), "locked", False)
                for lock in unless_locked
            ):
                return False
            current: ContactAuth = self.records.get(key) or ContactAuth(contact_id)
            if (
                current.keypad_passed
                or len(current.failures) != failures_so_far
                or attempt_id in current.failures
            ):
                return False
            self.records[key] = replace(current, keypad_passed=True, version=current.version + 1)
        activity.append(note)
        return True


class FakeCircuitStore:
    def __init__(self) -> None:
        self.states: dict[str, CircuitState] = {}
        self._lock = threading.Lock()

    def read(self, name: str) -> CircuitState | None:
        return self.states.get(name)

    def record_failure(
        self, name: str, *, now: datetime, threshold: int, open_for: timedelta, forget: timedelta
    ) -> CircuitState:
        with self._lock:
            current = self.states.get(name) or CircuitState(name, 0)
            failures = current.failures + 1
            until = current.open_until
            if failures >= threshold and not current.is_open(now):
                until = now + open_for
            self.states[name] = CircuitState(name, failures, until)
            return self.states[name]

    def reset(self, name: str) -> None:
        with self._lock:
            self.states.pop(name, None)

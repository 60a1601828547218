"""Callbacks in DynamoDB: the sparse due index, the pending guard and slot counters, all written
together with TransactWriteItems so every rule is a condition, never a read-then-write."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ivr.adapters.dynamodb.connection import Connection
from ivr.adapters.dynamodb.errors import translated
from ivr.adapters.dynamodb.tables import (
    CallbackGuardItem,
    CallbackItem,
    CallbackSlotItem,
    CustomerItem,
    PendingCallbackAttribute,
)
from ivr.agent.errors import InvalidCursorError
from ivr.callbacks.service import (
    Callback,
    CallbackKind,
    CallbackPendingError,
    CallbackStatus,
    PendingCallback,
    Slot,
    SlotFullError,
)
from ivr.core.errors import ConflictError, StoreUnavailableError

#: The one partition of the due index. At the contact-center scale (well under 1,000 writes a
#: second) one partition is enough; sharding would only add queries to every sweep.
SCHEDULED_SHARD = "scheduled"
#: Immediate callbacks, keyed by when they were asked for: the supervisors' backlog lists those
#: still in Connect's hands (asked within the queued window). The sweeper never reads it.
QUEUED_SHARD = "queued"
#: BatchGetItem reads at most 100 keys per request.
MAX_BATCH_KEYS = 100


def guard_id(phone: str, queue: str) -> str:
    return f"pending#{phone}#{queue}"


def slot_id(queue: str, start: datetime) -> str:
    return f"slot#{queue}#{start.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


def callback_from_item(item: CallbackItem) -> Callback:
    return Callback(
        callback_id=item.callback_id,
        phone=item.phone,
        queue=item.queue,
        call_at=item.call_at or item.due_at,
        timezone=item.timezone,
        status=CallbackStatus(item.status),
        kind=CallbackKind(item.kind),
        due_at=item.due_at if item.due_shard == SCHEDULED_SHARD else None,
        attempts=int(item.attempts),
        claims=int(item.claims),
        lease_until=item.lease_until,
        contact_id=item.contact_id,
        created_at=item.created_at,
        outbound_contact_id=item.outbound_contact_id or "",
        last_error=item.last_error or "",
        confirmed=bool(item.confirmed),
        marked=bool(item.marked),
    )


def _mark_is(callback_id: str) -> Condition:
    # PynamoDB's stubs type a map path's == as bool; at run time it is a Condition.
    return cast(Condition, CustomerItem.pending_callback["callback_id"] == callback_id)


def _mark_of(callback: Callback, call_at: datetime) -> PendingCallbackAttribute:
    return PendingCallbackAttribute(
        callback_id=callback.callback_id,
        queue=callback.queue,
        call_at=call_at,
        timezone=callback.timezone,
    )


def _failed_items(error: PynamoDBException) -> list[bool]:
    """Per transaction item: did its condition fail?"""
    if not isinstance(error, TransactWriteError):
        return []
    return [
        reason is not None and reason.code == "ConditionalCheckFailed"
        for reason in error.cancellation_reasons
    ]


class DynamoCallbackStore:
    def __init__(self) -> None:
        self._connection: Connection | None = None
        #: Items the due queries returned, for `make bench` and the sweeper's metrics.
        self.items_read = 0

    def _transaction(self) -> TransactWrite:
        if self._connection is None:
            self._connection = Connection()
        return TransactWrite(connection=self._connection)

    def _write(self, build: Callable[[TransactWrite, bool], None], *, mark: bool) -> None:
        """One TransactWriteItems built by ``build(write, with_mark)``, the customer's mark last.

        When only the mark's condition fails (no customer item: a callback to an unknown number;
        or the mark names another queue's callback), the callback's own writes go through
        without it: the mark is a convenience for caller lookup, never a reason to refuse.
        """
        try:
            with self._transaction() as write:
                build(write, mark)
        except PynamoDBException as error:
            failed = _failed_items(error)
            if not (mark and failed and failed[-1] and not any(failed[:-1])):
                raise
            with self._transaction() as write:
                build(write, False)

    def _set_mark(self, write: TransactWrite, callback: Callback, call_at: datetime) -> None:
        free = CustomerItem.pending_callback.does_not_exist() | _mark_is(callback.callback_id)
        write.update(
            CustomerItem(callback.phone),
            actions=[CustomerItem.pending_callback.set(_mark_of(callback, call_at))],
            condition=CustomerItem.phone.exists() & free,
        )

    def _move_mark(self, write: TransactWrite, callback: Callback, call_at: datetime) -> None:
        write.update(
            CustomerItem(callback.phone),
            actions=[CustomerItem.pending_callback.set(_mark_of(callback, call_at))],
            condition=_mark_is(callback.callback_id),
        )

    def _remove_mark(self, write: TransactWrite, callback: Callback) -> None:
        write.update(
            CustomerItem(callback.phone),
            actions=[CustomerItem.pending_callback.remove()],
            condition=_mark_is(callback.callback_id),
        )

    # --- asking, moving, cancelling ---------------------------------------------------------

    def schedule(
        self,
        callback: Callback,
        *,
        now: datetime,
        pending_until: datetime | None,
        slot: Slot | None,
    ) -> None:
        guard = CallbackGuardItem(
            guard_id(callback.phone, callback.queue),
            holder=callback.callback_id,
            phone=callback.phone,
            queue=callback.queue,
            call_at=callback.call_at,
            timezone=callback.timezone,
            kind=callback.kind.value,
            pending_until=pending_until,
        )
        free = CallbackGuardItem.callback_id.does_not_exist() | (
            CallbackGuardItem.pending_until < now
        )

        def build(write: TransactWrite, mark: bool) -> None:
            item = _new_item(callback, now=now, marked=mark)
            write.save(item, condition=CallbackItem.callback_id.does_not_exist())
            write.save(guard, condition=free)
            if slot is not None:
                self._book_slot(write, slot)
            if mark:
                self._set_mark(write, callback, callback.call_at)

        try:
            # Only a scheduled callback is marked on the customer: an immediate one is Connect's
            # to dial, and we never learn when it is done.
            self._write(build, mark=callback.kind is CallbackKind.SCHEDULED)
        except PynamoDBException as error:
            failed = _failed_items(error)
            if failed[:1] == [True]:
                raise ConflictError("schedule callback: the id is taken") from error
            if failed[1:2] == [True]:
                raise CallbackPendingError(
                    self.pending(callback.phone, callback.queue, now)
                ) from error
            if slot is not None and failed[2:3] == [True]:
                raise SlotFullError("schedule callback: the slot is full") from error
            with translated("schedule callback"):
                raise error

    def _book_slot(self, write: TransactWrite, slot: Slot) -> None:
        room = CallbackSlotItem.booked.does_not_exist() | (CallbackSlotItem.booked < slot.capacity)
        write.update(
            CallbackSlotItem(slot_id(slot.queue, slot.start)),
            actions=[CallbackSlotItem.booked.add(1)],
            condition=room,
        )

    def _free_slot(self, write: TransactWrite, slot: Slot) -> None:
        write.update(
            CallbackSlotItem(slot_id(slot.queue, slot.start)),
            actions=[CallbackSlotItem.booked.add(-1)],
            condition=CallbackSlotItem.booked > 0,
        )

    def get(self, callback_id: str) -> Callback | None:
        with translated("get callback"):
            try:
                return callback_from_item(CallbackItem.get(callback_id))
            except CallbackItem.DoesNotExist:
                return None

    def pending(self, phone: str, queue: str, now: datetime) -> PendingCallback | None:
        with translated("get pending callback"):
            try:
                guard = CallbackGuardItem.get(guard_id(phone, queue))
            except CallbackGuardItem.DoesNotExist:
                return None
        if guard.pending_until is not None and guard.pending_until < now:
            return None
        return PendingCallback(
            callback_id=guard.holder,
            phone=guard.phone,
            queue=guard.queue,
            call_at=guard.call_at,
            timezone=guard.timezone,
            kind=CallbackKind(guard.kind),
        )

    def move(
        self, callback: Callback, call_at: datetime, *, old_slot: Slot | None, new_slot: Slot
    ) -> Callback:
        same_slot = old_slot is not None and old_slot.start == new_slot.start

        def build(write: TransactWrite, mark: bool) -> None:
            write.update(
                CallbackItem(callback.callback_id),
                actions=[
                    CallbackItem.call_at.set(call_at),
                    CallbackItem.due_at.set(call_at),
                    CallbackItem.due_shard.set(SCHEDULED_SHARD),
                    CallbackItem.marked.set(mark),
                ],
                condition=(CallbackItem.status == CallbackStatus.SCHEDULED.value)
                & (CallbackItem.claims == callback.claims),
            )
            write.update(
                CallbackGuardItem(guard_id(callback.phone, callback.queue)),
                actions=[CallbackGuardItem.call_at.set(call_at)],
                condition=CallbackGuardItem.holder == callback.callback_id,
            )
            if not same_slot:
                self._book_slot(write, new_slot)
                if old_slot is not None:
                    self._free_slot(write, old_slot)
            if mark:
                self._move_mark(write, callback, call_at)

        try:
            self._write(build, mark=callback.marked)
        except PynamoDBException as error:
            if _failed_items(error)[2:3] == [True]:
                raise SlotFullError("move callback: the slot is full") from error
            with translated("move callback"):
                raise error
        moved = self.get(callback.callback_id)
        if moved is None:
            raise StoreUnavailableError("move callback: not readable after the move")
        return moved

    def cancel(self, callback: Callback, *, now: datetime, slot: Slot | None) -> Callback:
        pending = [s.value for s in (CallbackStatus.SCHEDULED, CallbackStatus.QUEUED)]

        def build(write: TransactWrite, mark: bool) -> None:
            write.update(
                CallbackItem(callback.callback_id),
                actions=[
                    CallbackItem.status.set(CallbackStatus.CANCELLED.value),
                    CallbackItem.due_shard.remove(),
                    CallbackItem.marked.set(False),
                ],
                condition=CallbackItem.status.is_in(*pending)
                & (CallbackItem.claims == callback.claims),
            )
            self._release_guard(write, callback)
            if slot is not None:
                self._free_slot(write, slot)
            if mark:
                self._remove_mark(write, callback)

        with translated("cancel callback"):
            self._write(build, mark=callback.marked)
        cancelled = self.get(callback.callback_id)
        if cancelled is None:
            raise StoreUnavailableError("cancel callback: not readable after cancelling")
        return cancelled

    def _release_guard(self, write: TransactWrite, callback: Callback) -> None:
        write.delete(
            CallbackGuardItem(guard_id(callback.phone, callback.queue)),
            condition=CallbackGuardItem.holder == callback.callback_id,
        )

    def mark_confirmed(self, callback_id: str) -> None:
        with translated("mark callback confirmed"):
            CallbackItem(callback_id).update(
                actions=[CallbackItem.confirmed.set(True)],
                condition=CallbackItem.callback_id.exists(),
            )

    # --- the sweeper ------------------------------------------------------------------------

    def due(self, now: datetime, limit: int = 100) -> list[Callback]:
        with translated("query due callbacks"):
            items = list(
                CallbackItem.by_due.query(
                    SCHEDULED_SHARD,
                    CallbackItem.due_at <= now,
                    scan_index_forward=True,
                    limit=limit,
                    page_size=limit,
                )
            )
        self.items_read += len(items)
        return [callback_from_item(item) for item in items]

    def _claimed_by(self, callback: Callback) -> Condition:
        """The callback is still as this sweep claimed it."""
        dialling = CallbackItem.status == CallbackStatus.DIALLING.value
        same_claim = CallbackItem.claims == callback.claims
        condition: Condition = dialling & same_claim
        return condition

    def claim(self, callback: Callback, *, now: datetime, lease_until: datetime) -> Callback | None:
        claimable = CallbackItem.status.is_in(
            CallbackStatus.SCHEDULED.value, CallbackStatus.DIALLING.value
        )
        condition = (
            claimable
            & (CallbackItem.claims == callback.claims)
            & (CallbackItem.due_at <= now)
            & CallbackItem.due_shard.exists()
        )
        try:
            with translated("claim callback"):
                CallbackItem(callback.callback_id).update(
                    actions=[
                        CallbackItem.status.set(CallbackStatus.DIALLING.value),
                        CallbackItem.claims.set(callback.claims + 1),
                        CallbackItem.lease_until.set(lease_until),
                        # The index key becomes the lease's end: a sweep that dies leaves the
                        # callback to be found again once the lease has run out.
                        CallbackItem.due_at.set(lease_until),
                    ],
                    condition=condition,
                )
        except ConflictError:
            return None
        return replace(
            callback,
            status=CallbackStatus.DIALLING,
            claims=callback.claims + 1,
            lease_until=lease_until,
            due_at=lease_until,
        )

    def defer(self, callback: Callback, *, until: datetime) -> None:
        with translated("defer callback"):
            CallbackItem(callback.callback_id).update(
                actions=[CallbackItem.due_at.set(until)],
                condition=(CallbackItem.claims == callback.claims)
                & CallbackItem.due_shard.exists(),
            )

    def mark_dialled(self, callback: Callback, *, contact_id: str, now: datetime) -> None:
        actions = [
            CallbackItem.status.set(CallbackStatus.DIALLED.value),
            CallbackItem.outbound_contact_id.set(contact_id),
        ]
        self._close(callback, actions, "mark callback dialled")

    def mark_retry(self, callback: Callback, *, retry_at: datetime, error: str) -> None:
        with translated("mark callback for retry"):
            CallbackItem(callback.callback_id).update(
                actions=[
                    CallbackItem.status.set(CallbackStatus.SCHEDULED.value),
                    CallbackItem.attempts.set(callback.attempts + 1),
                    CallbackItem.due_at.set(retry_at),
                    CallbackItem.last_error.set(error[:500]),
                    CallbackItem.lease_until.remove(),
                ],
                condition=self._claimed_by(callback),
            )

    def mark_failed(self, callback: Callback, *, now: datetime, error: str) -> None:
        actions = [
            CallbackItem.status.set(CallbackStatus.FAILED.value),
            CallbackItem.attempts.set(callback.attempts + 1),
            CallbackItem.last_error.set(error[:500]),
        ]
        self._close(callback, actions, "mark callback failed")

    def _close(self, callback: Callback, actions: Sequence[Action], what: str) -> None:
        """End a claimed callback for good: off the due index, guard released, mark removed."""
        closing: list[Action] = [
            *actions,
            CallbackItem.due_shard.remove(),
            CallbackItem.lease_until.remove(),
            CallbackItem.marked.set(False),
        ]

        def build(write: TransactWrite, mark: bool) -> None:
            write.update(
                CallbackItem(callback.callback_id),
                actions=closing,
                condition=self._claimed_by(callback),
            )
            self._release_guard(write, callback)
            if mark:
                self._remove_mark(write, callback)

        with translated(what):
            self._write(build, mark=callback.marked)

    # --- the supervisors' backlog (ivr.agent.backlog) --------------------------------------

    def scheduled_page(
        self, *, limit: int, cursor: str | None, queue: str | None
    ) -> tuple[list[Callback], str | None]:
        """The due index a page at a time (a Query of the scheduled partition, due order)."""
        start = _decoded_cursor(cursor) if cursor else None
        condition = (CallbackItem.queue == queue) if queue else None
        with translated("read callback backlog"):
            result = CallbackItem.by_due.query(
                SCHEDULED_SHARD,
                filter_condition=condition,
                scan_index_forward=True,
                limit=limit,
                page_size=limit,
                last_evaluated_key=start,
            )
            items = [callback_from_item(item) for item in result]
            following = result.last_evaluated_key
        return items, _encoded_cursor(following) if following and len(items) == limit else None

    def queued_since(self, since: datetime, *, limit: int) -> list[Callback]:
        with translated("read queued callbacks"):
            items = CallbackItem.by_due.query(
                QUEUED_SHARD,
                CallbackItem.due_at >= since,
                scan_index_forward=True,
                limit=limit,
                page_size=limit,
            )
            return [callback_from_item(item) for item in items]

    def slot_loads(self, queue: str, starts: list[datetime]) -> dict[datetime, int]:
        keys = {slot_id(queue, start): start for start in starts}
        loads = dict.fromkeys(starts, 0)
        ids = list(keys)
        with translated("read callback slots"):
            for first in range(0, len(ids), MAX_BATCH_KEYS):
                chunk: list[Any] = ids[first : first + MAX_BATCH_KEYS]
                for item in CallbackSlotItem.batch_get(chunk):
                    loads[keys[item.callback_id]] = int(item.booked)
        return loads


_CURSOR_KEYS = {"callback_id", "due_shard", "due_at"}


def _encoded_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _decoded_cursor(cursor: str) -> dict[str, Any]:
    """Only a key of the scheduled partition, as ``_encoded_cursor`` made it."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as bad:
        raise InvalidCursorError("not a backlog cursor") from bad
    if not isinstance(key, dict) or set(key) != _CURSOR_KEYS:
        raise InvalidCursorError("not a backlog cursor")
    if not all(
        isinstance(v, dict) and isinstance(v.get("S"), str) and len(v) == 1 for v in key.values()
    ):
        raise InvalidCursorError("not a backlog cursor")
    if key["due_shard"]["S"] != SCHEDULED_SHARD:
        raise InvalidCursorError("not a backlog cursor")
    return key


def _new_item(callback: Callback, *, now: datetime, marked: bool) -> CallbackItem:
    return CallbackItem(
        callback.callback_id,
        phone=callback.phone,
        queue=callback.queue,
        due_at=callback.due_at or callback.call_at,
        call_at=callback.call_at,
        timezone=callback.timezone,
        status=callback.status.value,
        kind=callback.kind.value,
        attempts=0,
        claims=0,
        contact_id=callback.contact_id,
        created_at=callback.created_at or now,
        due_shard=_shard_of(callback),
        marked=marked,
    )


def _shard_of(callback: Callback) -> str | None:
    if callback.due_at is not None:
        return SCHEDULED_SHARD
    if callback.status is CallbackStatus.QUEUED:
        return QUEUED_SHARD
    return None

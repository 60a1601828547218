"""The callback store's rules, run against the in-memory fake and DynamoDB (moto) alike."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ivr.callbacks.service import (
    Callback,
    CallbackKind,
    CallbackPendingError,
    CallbackStatus,
    Slot,
    SlotFullError,
)
from ivr.core.errors import ConflictError
from tests import fakes

T0 = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
LEASE = timedelta(minutes=10)


@pytest.fixture(params=["fake", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield fakes.FakeCallbackStore()
        return
    request.getfixturevalue("aws")
    from ivr.adapters.dynamodb.callbacks import DynamoCallbackStore

    yield DynamoCallbackStore()


def callback(
    callback_id: str = "cb-1", at: datetime = T0, phone: str = "+13125550142", **changes: Any
) -> Callback:
    base = Callback(
        callback_id=callback_id,
        phone=phone,
        queue="BasicQueue",
        call_at=at,
        timezone="America/Chicago",
        status=CallbackStatus.SCHEDULED,
        due_at=at,
        contact_id="contact-1",
        created_at=T0 - timedelta(hours=1),
    )
    return replace(base, **changes)


def slot(at: datetime = T0, capacity: int = 2) -> Slot:
    return Slot("BasicQueue", at, capacity)


def book(store: Any, cb: Callback, *, capacity: int = 2) -> None:
    store.schedule(
        cb, now=T0 - timedelta(hours=1), pending_until=None, slot=slot(cb.call_at, capacity)
    )


def test_a_scheduled_callback_reads_back_with_its_time_and_zone(store: Any) -> None:
    book(store, callback())
    stored = store.get("cb-1")
    assert stored.call_at == T0
    assert stored.due_at == T0
    assert stored.timezone == "America/Chicago"
    assert stored.status is CallbackStatus.SCHEDULED
    assert store.get("nope") is None


def test_second_callback_for_the_same_number_and_queue_is_refused_with_the_first(
    store: Any,
) -> None:
    book(store, callback("first"))
    with pytest.raises(CallbackPendingError) as refused:
        book(store, callback("second", T0 + timedelta(hours=2)))
    assert refused.value.existing is not None
    assert refused.value.existing.callback_id == "first"
    assert store.get("second") is None


def test_another_number_can_book_the_same_time(store: Any) -> None:
    book(store, callback("ana"))
    book(store, callback("ben", phone="+12025550100"))
    assert store.get("ben") is not None


def test_a_retried_request_with_the_same_id_is_a_conflict_not_a_second_callback(
    store: Any,
) -> None:
    book(store, callback())
    with pytest.raises(ConflictError):
        book(store, callback())
    assert [c.callback_id for c in store.due(T0)] == ["cb-1"]


def test_a_full_slot_refuses_the_next_booking(store: Any) -> None:
    book(store, callback("a", phone="+13125550101"), capacity=1)
    with pytest.raises(SlotFullError):
        book(store, callback("b", phone="+13125550102"), capacity=1)
    assert store.slot_loads("BasicQueue", [T0, T0 + timedelta(minutes=15)]) == {
        T0: 1,
        T0 + timedelta(minutes=15): 0,
    }
    # The refused booking left no guard behind: the number can book another slot.
    book(store, callback("c", T0 + timedelta(minutes=15), phone="+13125550102"), capacity=1)


def test_pending_callback_is_found_by_number_and_queue(store: Any) -> None:
    book(store, callback())
    pending = store.pending("+13125550142", "BasicQueue", T0)
    assert pending.callback_id == "cb-1"
    assert pending.call_at == T0
    assert store.pending("+13125550142", "OtherQueue", T0) is None


def test_an_immediate_callback_stops_blocking_once_its_window_ends(store: Any) -> None:
    queued = callback("now", kind=CallbackKind.IMMEDIATE, status=CallbackStatus.QUEUED, due_at=None)
    store.schedule(queued, now=T0, pending_until=T0 + timedelta(hours=1), slot=None)
    assert store.due(T0 + timedelta(days=1)) == []  # Connect dials it, not the sweeper
    assert store.pending("+13125550142", "BasicQueue", T0).callback_id == "now"
    later = T0 + timedelta(hours=2)
    assert store.pending("+13125550142", "BasicQueue", later) is None
    store.schedule(callback("next", later), now=later, pending_until=None, slot=slot(later))
    assert store.pending("+13125550142", "BasicQueue", later).callback_id == "next"


def test_moving_a_callback_moves_its_time_guard_and_slot(store: Any) -> None:
    book(store, callback())
    later = T0 + timedelta(hours=3)
    moved = store.move(store.get("cb-1"), later, old_slot=slot(T0), new_slot=slot(later))
    assert moved.call_at == later
    assert store.pending("+13125550142", "BasicQueue", T0).call_at == later
    assert store.slot_loads("BasicQueue", [T0, later]) == {T0: 0, later: 1}
    assert store.due(T0) == []
    assert [c.callback_id for c in store.due(later)] == ["cb-1"]


def test_moving_into_a_full_slot_is_refused_and_changes_nothing(store: Any) -> None:
    later = T0 + timedelta(hours=3)
    book(store, callback("other", later, phone="+12025550100"), capacity=1)
    book(store, callback())
    with pytest.raises(SlotFullError):
        store.move(store.get("cb-1"), later, old_slot=slot(T0), new_slot=slot(later, 1))
    assert store.get("cb-1").call_at == T0


def test_cancelling_frees_the_number_and_the_slot(store: Any) -> None:
    book(store, callback())
    cancelled = store.cancel(store.get("cb-1"), now=T0, slot=slot(T0))
    assert cancelled.status is CallbackStatus.CANCELLED
    assert store.pending("+13125550142", "BasicQueue", T0) is None
    assert store.due(T0 + timedelta(days=1)) == []
    assert store.slot_loads("BasicQueue", [T0]) == {T0: 0}
    book(store, callback("again", T0 + timedelta(hours=1)))


def test_due_callbacks_include_everything_overdue_oldest_first(store: Any) -> None:
    book(store, callback("late", T0 - timedelta(minutes=45), phone="+13125550101"))
    book(store, callback("now", T0, phone="+13125550102"))
    book(store, callback("later", T0 + timedelta(minutes=5), phone="+13125550103"))
    assert [c.callback_id for c in store.due(T0)] == ["late", "now"]
    assert store.get("later").call_at == T0 + timedelta(minutes=5)


def test_only_one_claim_wins(store: Any) -> None:
    book(store, callback())
    (due,) = store.due(T0)
    first = store.claim(due, now=T0, lease_until=T0 + LEASE)
    second = store.claim(due, now=T0, lease_until=T0 + LEASE)
    assert first is not None and first.status is CallbackStatus.DIALLING
    assert second is None


def test_a_claimed_callback_is_not_due_until_its_lease_ends(store: Any) -> None:
    book(store, callback())
    (due,) = store.due(T0)
    store.claim(due, now=T0, lease_until=T0 + LEASE)
    assert store.due(T0 + LEASE - timedelta(seconds=1)) == []
    (again,) = store.due(T0 + LEASE)
    assert again.status is CallbackStatus.DIALLING
    taken_over = store.claim(again, now=T0 + LEASE, lease_until=T0 + 2 * LEASE)
    assert taken_over is not None
    assert taken_over.client_token == due.client_token  # same attempt, same token


def test_dialled_callback_leaves_the_index_and_frees_the_number(store: Any) -> None:
    book(store, callback())
    (due,) = store.due(T0)
    claimed = store.claim(due, now=T0, lease_until=T0 + LEASE)
    store.mark_dialled(claimed, contact_id="outbound-1", now=T0)
    stored = store.get("cb-1")
    assert stored.status is CallbackStatus.DIALLED
    assert stored.outbound_contact_id == "outbound-1"
    assert store.due(T0 + timedelta(days=1)) == []
    assert store.pending("+13125550142", "BasicQueue", T0) is None


def test_a_sweep_that_lost_its_claim_cannot_mark_the_callback(store: Any) -> None:
    book(store, callback())
    (due,) = store.due(T0)
    stale = store.claim(due, now=T0, lease_until=T0 + LEASE)
    (expired,) = store.due(T0 + LEASE)
    store.claim(expired, now=T0 + LEASE, lease_until=T0 + 2 * LEASE)
    with pytest.raises(ConflictError):
        store.mark_dialled(stale, contact_id="outbound-1", now=T0)


def test_a_retry_waits_for_its_time_with_a_new_token(store: Any) -> None:
    book(store, callback())
    (due,) = store.due(T0)
    claimed = store.claim(due, now=T0, lease_until=T0 + LEASE)
    retry_at = T0 + timedelta(minutes=5)
    store.mark_retry(claimed, retry_at=retry_at, error="ThrottlingException")
    assert store.due(T0 + timedelta(minutes=4)) == []
    (again,) = store.due(retry_at)
    assert again.attempts == 1
    assert again.status is CallbackStatus.SCHEDULED
    assert again.client_token != claimed.client_token


def test_a_failed_callback_leaves_the_index_and_frees_the_number(store: Any) -> None:
    book(store, callback())
    (due,) = store.due(T0)
    claimed = store.claim(due, now=T0, lease_until=T0 + LEASE)
    store.mark_failed(claimed, now=T0, error="DestinationNotAllowedException")
    stored = store.get("cb-1")
    assert stored.status is CallbackStatus.FAILED
    assert stored.last_error == "DestinationNotAllowedException"
    assert store.due(T0 + timedelta(days=1)) == []
    assert store.pending("+13125550142", "BasicQueue", T0) is None


def test_a_claimed_callback_can_no_longer_be_cancelled(store: Any) -> None:
    book(store, callback())
    (due,) = store.due(T0)
    store.claim(due, now=T0, lease_until=T0 + LEASE)
    with pytest.raises(ConflictError):
        store.cancel(store.get("cb-1"), now=T0, slot=slot(T0))


def test_deferring_moves_the_next_action_only(store: Any) -> None:
    book(store, callback())
    (due,) = store.due(T0)
    store.defer(due, until=T0 + timedelta(hours=12))
    assert store.due(T0) == []
    assert store.get("cb-1").call_at == T0


def test_confirmation_is_remembered(store: Any) -> None:
    book(store, callback())
    store.mark_confirmed("cb-1")
    assert store.get("cb-1").confirmed is True


# --- the pending-callback mark on the customer (what caller lookup offers at the greeting) ------


@pytest.fixture(params=["fake", "dynamodb"])
def marked(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any]]:
    """(callers, callbacks), with Ana on file at +13125550142."""
    from ivr.callers import Customer
    from ivr.core.money import Money

    if request.param == "fake":
        callers: Any = fakes.FakeCallerStore()
        callbacks: Any = fakes.FakeCallbackStore(callers)
    else:
        request.getfixturevalue("aws")
        from ivr.adapters.dynamodb.callbacks import DynamoCallbackStore
        from ivr.adapters.dynamodb.callers import DynamoCallerStore

        callers, callbacks = DynamoCallerStore(), DynamoCallbackStore()
    callers.save(
        Customer(
            phone="+13125550142",
            first_name="Ana",
            last_name="Souza",
            email="ana@example.com",
            account_number="100200301",
            balance=Money(12050),
            timezone="America/Chicago",
        )
    )
    yield callers, callbacks


def mark_of(callers: Any, phone: str = "+13125550142") -> Any:
    return callers.find_by_phone(phone).pending_callback


def test_booking_marks_the_customer_with_the_callback_its_queue_time_and_zone(
    marked: tuple[Any, Any],
) -> None:
    callers, callbacks = marked
    book(callbacks, callback())
    mark = mark_of(callers)
    assert (mark.callback_id, mark.queue, mark.call_at, mark.timezone) == (
        "cb-1",
        "BasicQueue",
        T0,
        "America/Chicago",
    )
    assert callbacks.get("cb-1").marked


def test_a_callback_to_an_unknown_number_books_without_creating_a_customer(
    marked: tuple[Any, Any],
) -> None:
    callers, callbacks = marked
    book(callbacks, callback(phone="+13125550199"))
    assert callbacks.get("cb-1").status is CallbackStatus.SCHEDULED
    assert not callbacks.get("cb-1").marked
    assert callers.find_by_phone("+13125550199") is None


def test_an_immediate_callback_leaves_no_mark(marked: tuple[Any, Any]) -> None:
    callers, callbacks = marked
    immediate = callback(kind=CallbackKind.IMMEDIATE, status=CallbackStatus.QUEUED, due_at=None)
    callbacks.schedule(immediate, now=T0, pending_until=T0 + timedelta(hours=1), slot=None)
    assert mark_of(callers) is None


def test_moving_moves_the_mark_and_saving_the_customer_keeps_it(
    marked: tuple[Any, Any],
) -> None:
    callers, callbacks = marked
    book(callbacks, callback())
    later = T0 + timedelta(hours=2)
    callbacks.move(callbacks.get("cb-1"), later, old_slot=slot(), new_slot=slot(later))
    callers.save(callers.find_by_phone("+13125550142"))
    assert mark_of(callers).call_at == later


def test_cancelling_removes_the_mark(marked: tuple[Any, Any]) -> None:
    callers, callbacks = marked
    book(callbacks, callback())
    callbacks.cancel(callbacks.get("cb-1"), now=T0, slot=slot())
    assert mark_of(callers) is None


def test_dialling_or_failing_removes_the_mark(marked: tuple[Any, Any]) -> None:
    callers, callbacks = marked
    book(callbacks, callback("dialled"))
    [due] = callbacks.due(T0)
    claimed = callbacks.claim(due, now=T0, lease_until=T0 + LEASE)
    assert mark_of(callers).callback_id == "dialled"  # still pending while it is dialled
    callbacks.mark_dialled(claimed, contact_id="outbound-1", now=T0)
    assert mark_of(callers) is None

    book(callbacks, callback("failed", T0 + timedelta(minutes=30)))
    [due] = callbacks.due(T0 + timedelta(minutes=30))
    claimed = callbacks.claim(due, now=T0 + timedelta(minutes=30), lease_until=T0 + 2 * LEASE)
    callbacks.mark_failed(claimed, now=T0, error="DestinationNotAllowedException")
    assert mark_of(callers) is None


def test_a_second_queues_callback_neither_takes_nor_clears_the_first_ones_mark(
    marked: tuple[Any, Any],
) -> None:
    callers, callbacks = marked
    book(callbacks, callback("first"))
    other = replace(callback("second", T0 + timedelta(hours=1)), queue="SalesQueue")
    callbacks.schedule(other, now=T0 - timedelta(hours=1), pending_until=None, slot=None)
    assert mark_of(callers).callback_id == "first"
    assert not callbacks.get("second").marked
    callbacks.cancel(callbacks.get("second"), now=T0, slot=None)
    assert mark_of(callers).callback_id == "first"
    assert callbacks.get("second").status is CallbackStatus.CANCELLED

"""Asking for, moving and cancelling callbacks, with the texts the caller gets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from ivr.adapters.local.outbox import LocalOutbox
from ivr.callbacks.scheduling import Proposal, Refusal, parse_policy
from ivr.callbacks.service import (
    CallbackKind,
    CallbackRequest,
    CallbackService,
    CallbackStatus,
    who_to_call,
)
from ivr.core.errors import ConflictError, InvalidPhoneNumberError, NotificationError
from ivr.notify import OutgoingMessage
from tests import fakes

NEW_YORK = "America/New_York"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tuesday 10:00 in New York
ANA = "+13125550142"


def service(outbox: LocalOutbox | None = None, capacity: int = 4) -> CallbackService:
    policy = parse_policy(f'{{"slotCapacity": {capacity}}}', NEW_YORK)
    return CallbackService(fakes.FakeCallbackStore(), policy, outbox or LocalOutbox(), lambda: NOW)


def ask(contact: str = "contact-1", phone: str = ANA, zone: str = NEW_YORK) -> CallbackRequest:
    return CallbackRequest(contact, "book", phone, "BasicQueue", zone)


TOMORROW_3PM = Proposal(date(2026, 12, 2), time(15))


def test_a_scheduled_callback_is_stored_in_utc_and_texted_in_local_time() -> None:
    outbox = LocalOutbox()
    booking = service(outbox).schedule(ask(), TOMORROW_3PM)
    assert booking.callback is not None
    assert booking.callback.call_at == datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
    assert booking.callback.timezone == NEW_YORK
    (sms,) = outbox.to(ANA)
    assert "Wednesday, December 2 at 3 PM" in sms["text"]
    assert booking.sms_sent


def test_a_retried_request_books_once_and_texts_once() -> None:
    outbox = LocalOutbox()
    callbacks = service(outbox)
    first = callbacks.schedule(ask(), TOMORROW_3PM)
    again = callbacks.schedule(ask(), TOMORROW_3PM)
    assert first.callback is not None and again.callback is not None
    assert again.callback.callback_id == first.callback.callback_id
    assert len(outbox.to(ANA)) == 1


def test_a_second_request_is_offered_the_first_to_keep_or_move() -> None:
    callbacks = service()
    first = callbacks.schedule(ask("contact-1"), TOMORROW_3PM)
    second = callbacks.schedule(ask("contact-2"), Proposal(date(2026, 12, 3), time(11)))
    assert second.callback is None
    assert second.existing is not None and first.callback is not None
    assert second.existing.callback_id == first.callback.callback_id
    assert second.existing.spoken() == "Wednesday, December 2 at 3 PM"


def test_moving_a_callback_changes_its_time_and_texts_the_new_one() -> None:
    outbox = LocalOutbox()
    callbacks = service(outbox)
    booked = callbacks.schedule(ask(), TOMORROW_3PM).callback
    assert booked is not None
    moved = callbacks.move(booked.callback_id, Proposal(date(2026, 12, 3), time(11)))
    assert moved.callback is not None
    assert moved.callback.call_at == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
    assert "has moved for Thursday, December 3 at 11 AM" in outbox.to(ANA)[-1]["text"]


def test_a_move_to_a_closed_time_is_refused_and_keeps_the_callback() -> None:
    callbacks = service()
    booked = callbacks.schedule(ask(), TOMORROW_3PM).callback
    assert booked is not None
    refused = callbacks.move(booked.callback_id, Proposal(date(2026, 12, 3), time(21)))
    assert refused.decision is not None and refused.decision.refusal is Refusal.CLOSED
    stored = callbacks.store.get(booked.callback_id)
    assert stored is not None and stored.call_at == booked.call_at


def test_cancelling_frees_the_number_and_texts_the_caller() -> None:
    outbox = LocalOutbox()
    callbacks = service(outbox)
    booked = callbacks.schedule(ask(), TOMORROW_3PM).callback
    assert booked is not None
    cancelled = callbacks.cancel(booked.callback_id)
    assert cancelled.status is CallbackStatus.CANCELLED
    assert callbacks.pending(ANA, "BasicQueue") is None
    assert "cancelled" in outbox.to(ANA)[-1]["text"]
    assert callbacks.cancel(booked.callback_id).status is CallbackStatus.CANCELLED  # retried


def test_an_immediate_callback_is_recorded_and_blocks_a_second_one_for_a_while() -> None:
    callbacks = service()
    queued = callbacks.queue_immediate(
        CallbackRequest("c-1", "immediate", ANA, "BasicQueue", NEW_YORK)
    )
    assert queued.callback is not None
    assert queued.callback.kind is CallbackKind.IMMEDIATE
    assert queued.callback.status is CallbackStatus.QUEUED
    again = callbacks.schedule(ask("c-2"), TOMORROW_3PM)
    assert again.existing is not None and again.existing.kind is CallbackKind.IMMEDIATE


def test_a_full_slot_at_booking_time_offers_other_times() -> None:
    callbacks = service(capacity=1)
    callbacks.schedule(ask("c-1", "+12025550100"), TOMORROW_3PM)
    refused = callbacks.schedule(ask("c-2"), TOMORROW_3PM)
    assert refused.decision is not None and refused.decision.refusal is Refusal.FULL
    assert refused.decision.alternatives


def test_an_offered_alternative_is_checked_again_when_chosen() -> None:
    callbacks = service()
    at = datetime(2026, 12, 2, 20, 15, tzinfo=UTC)
    assert callbacks.book_slot(ask(), at).callback is not None
    late = callbacks.book_slot(ask("c-9", "+12025550100"), NOW + timedelta(days=20))
    assert late.decision is not None and late.decision.refusal is Refusal.TOO_FAR


class BrokenSender:
    def send(self, message: OutgoingMessage) -> str:
        raise NotificationError("provider down")


def test_a_failed_text_does_not_undo_the_booking() -> None:
    policy = parse_policy("", NEW_YORK)
    callbacks = CallbackService(fakes.FakeCallbackStore(), policy, BrokenSender(), lambda: NOW)
    booking = callbacks.schedule(ask(), TOMORROW_3PM)
    assert booking.callback is not None and not booking.sms_sent
    stored = callbacks.store.get(booking.callback.callback_id)
    assert stored is not None and not stored.confirmed


def test_cancelling_an_unknown_callback_is_a_conflict() -> None:
    with pytest.raises(ConflictError):
        service().cancel("nope")


def test_the_caller_to_call_back_comes_with_their_zone() -> None:
    callers = fakes.FakeCallerStore()
    assert who_to_call(
        "(312) 555-0142", callers=callers, region="US", contact_center_zone=NEW_YORK
    ) == (ANA, "America/Chicago")


def test_a_withheld_number_cannot_be_called_back() -> None:
    with pytest.raises(InvalidPhoneNumberError):
        who_to_call(
            "anonymous", callers=fakes.FakeCallerStore(), region="US", contact_center_zone=NEW_YORK
        )

"""Cancelling a callback by SMS reply: End User Messaging's inbound message, wrapped by SNS, fed to
the function against moto's DynamoDB (the idempotency table included)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ivr.core import clock
from tests.conftest import load_event

# Tuesday 1 December 2026, 09:00 in Chicago.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
BEN = "+12025550100"


@pytest.fixture
def seeded(aws: None) -> Iterator[None]:
    from simulator.seed import load_given

    load_given({"customers": [{"phone": BEN, "name": "Ben Carter", "timezone": "America/Chicago"}]})
    with clock.installed(lambda: NOW):
        yield


def book(phone: str = BEN, kind: str = "scheduled") -> None:
    from simulator.callbacks import seed_callbacks

    spec = {"phone": phone, "at": "2026-12-02T15:00:00-06:00", "timezone": "America/Chicago"}
    seed_callbacks([{**spec, "kind": kind, "id": "cb-1"}])


def sms(body: str, *, origination: str = BEN, message_id: str = "inbound-1") -> dict[str, Any]:
    event = copy.deepcopy(load_event("sns/inbound_sms_no_callback.json"))
    inbound = json.loads(event["Records"][0]["Sns"]["Message"])
    inbound.update(messageBody=body, originationNumber=origination, inboundMessageId=message_id)
    event["Records"][0]["Sns"]["Message"] = json.dumps(inbound)
    return dict(event)


def reply(event: Any, context: Any) -> dict[str, Any]:
    from sms_reply import lambda_handler

    result: dict[str, Any] = lambda_handler(event, context)
    return result


def texts_to(phone: str = BEN) -> list[str]:
    from ivr import wiring

    return [str(message["text"]) for message in wiring.local_outbox().to(phone)]


def status_of(callback_id: str = "cb-1") -> str:
    from ivr import wiring

    callback = wiring.callbacks().get(callback_id)
    assert callback is not None
    return callback.status.value


def test_no_callback_reply_cancels_it_clears_the_greeting_mark_and_texts_the_time(
    seeded: None, lambda_context: Any
) -> None:
    from ivr import wiring

    book()
    before = len(texts_to())
    answer = reply(load_event("sns/inbound_sms_no_callback.json"), lambda_context)
    assert answer == {"status": "ok", "outcomes": ["cancelled"]}
    assert status_of() == "cancelled"
    customer = wiring.callers().find_by_phone(BEN)
    assert customer is not None and customer.pending_callback is None
    assert texts_to()[before:] == [
        "Example Bank: your callback for Wednesday, December 2 at 3 PM is cancelled."
    ]


@pytest.mark.parametrize("body", ["  cancel  ", "Cancel callback", "no  CALLBACK.", "NOCALLBACK"])
def test_cancel_wording_is_read_case_and_space_insensitively(
    seeded: None, lambda_context: Any, body: str
) -> None:
    book()
    assert reply(sms(body), lambda_context)["outcomes"] == ["cancelled"]
    assert status_of() == "cancelled"


def test_a_redelivered_message_cancels_and_texts_once(seeded: None, lambda_context: Any) -> None:
    book()
    before = len(texts_to())
    event = sms("NO CALLBACK")
    first = reply(event, lambda_context)
    again = reply(event, lambda_context)
    assert first == again == {"status": "ok", "outcomes": ["cancelled"]}
    assert len(texts_to()) == before + 1


def test_any_other_text_gets_a_short_help_reply_and_changes_nothing(
    seeded: None, lambda_context: Any
) -> None:
    book()
    before = len(texts_to())
    answer = reply(load_event("sns/inbound_sms_other.json"), lambda_context)
    assert answer["outcomes"] == ["help"]
    assert status_of() == "scheduled"
    [help_text] = texts_to()[before:]
    assert "reply NO CALLBACK" in help_text
    assert len(help_text) <= 160


def test_a_number_with_no_callback_is_told_so(seeded: None, lambda_context: Any) -> None:
    assert reply(sms("no callback"), lambda_context)["outcomes"] == ["nothing_to_cancel"]
    assert texts_to() == ["Example Bank: there is no callback booked for this number."]


def test_an_unknown_numbers_callback_is_cancelled_through_its_guard(
    seeded: None, lambda_context: Any
) -> None:
    stranger = "+13125550177"
    book(stranger)
    assert reply(sms("NO CALLBACK", origination=stranger), lambda_context)["outcomes"] == [
        "cancelled"
    ]
    assert status_of() == "cancelled"


def test_an_immediate_callback_already_with_connect_is_not_cancelled_by_text(
    seeded: None, lambda_context: Any
) -> None:
    book(kind="immediate")
    assert reply(sms("NO CALLBACK"), lambda_context)["outcomes"] == ["nothing_to_cancel"]
    assert status_of() == "queued"


@pytest.mark.parametrize(
    "event",
    [
        None,
        "garbage",
        {},
        {"Records": "x"},
        {"Records": [None, {"Sns": "x"}, {"Sns": {"Message": None}}]},
        {"Records": [{"Sns": {"Message": "not json"}}]},
        {"Records": [{"Sns": {"Message": "[1, 2]"}}]},
        {"Records": [{"Sns": {"Message": json.dumps({"messageBody": "NO CALLBACK"})}}]},
    ],
)
def test_garbage_is_logged_and_dropped_without_an_exception(
    seeded: None, lambda_context: Any, event: Any
) -> None:
    answer = reply(event, lambda_context)
    assert answer["status"] in {"ok", "ignored"}
    assert set(answer["outcomes"]) <= {"invalid"}
    assert texts_to() == []


def test_an_invalid_sender_number_is_ignored(seeded: None, lambda_context: Any) -> None:
    assert reply(sms("NO CALLBACK", origination="12"), lambda_context)["outcomes"] == ["ignored"]


def test_a_table_outage_raises_so_lambda_retries_and_the_retry_cancels(
    seeded: None, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr import wiring
    from ivr.core.errors import StoreUnavailableError

    book()
    callers = wiring.callers()

    def unavailable(phone: str) -> None:
        raise StoreUnavailableError("find customer: timed out")

    monkeypatch.setattr(callers, "find_by_phone", unavailable)
    with pytest.raises(StoreUnavailableError):
        reply(sms("NO CALLBACK"), lambda_context)
    monkeypatch.undo()
    assert reply(sms("NO CALLBACK"), lambda_context)["outcomes"] == ["cancelled"]

"""The SMS provider (End User Messaging SMS) failing under the Connect steps that text the caller
themselves: each answers inside 8 s with its documented outcome, and once the provider is back
the message is sent exactly once however often the step runs again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.faults.conftest import (
    CONNECT_BUDGET_SECONDS,
    Faults,
    assert_connect_answer,
    connect_event,
    invoke,
    provider_up,
    timed,
)

# Tuesday 1 December 2026, 10:00 in New York.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
SMS = ("pinpoint-sms-voice-v2", "SendTextMessage")

pytestmark = pytest.mark.usefixtures("aws_notifier")


@pytest.fixture
def at_ten() -> Iterator[None]:
    from ivr.core import clock

    with clock.installed(lambda: NOW):
        yield


def _texts(faults: Faults) -> int:
    """SMS the provider accepted."""
    return sum(f.fired for f in faults.active if f.answer is not None and f.service == SMS[0])


@pytest.mark.usefixtures("at_ten")
@pytest.mark.parametrize(
    "how",
    [{"code": "ThrottlingException", "status": 429}, {"hang": True}],
    ids=["throttled", "hung"],
)
def test_a_booking_whose_confirmation_failed_is_kept_and_texted_once_on_the_retry(
    faults: Faults, how: dict[str, Any]
) -> None:
    event = connect_event(mode="scheduled", queue="BasicQueue", date="2026-12-02", time="15:00")
    faults.add(*SMS, **how)
    first = timed(faults, lambda: invoke("schedule_callback", event))
    print(f"answer {first.seconds:.2f} s ({first}) after {faults.count(*SMS)} tries")
    assert first.seconds < CONNECT_BUDGET_SECONDS, first
    assert faults.count(*SMS) == 3  # the client's three tries, each cut by its 1 s deadline
    assert_connect_answer(first.answer)
    assert first.answer["outcome"] == "booked", first.answer  # the booking stands
    assert first.answer["smsSent"] == "false"

    faults.clear()
    provider_up(faults)
    for _ in range(3):  # Connect's retries of the step, or the caller asking again
        again = invoke("schedule_callback", event)
        assert again["outcome"] == "booked" and again["callbackId"] == first.answer["callbackId"]
    assert _texts(faults) == 1


def test_an_enrolment_code_the_provider_refused_takes_the_error_branch_and_sends_nothing(
    faults: Faults,
) -> None:
    from ivr import wiring
    from ivr.auth.keypad import ContactAuth

    event = connect_event(action="send")
    contact_id = event["Details"]["ContactData"]["ContactId"]
    wiring.auth_store().save_contact(ContactAuth(contact_id, keypad_passed=True, version=1), 0)
    faults.add(*SMS, code="ServiceQuotaExceededException", status=402)
    result = timed(faults, lambda: invoke("enrolment_code", event))
    assert result.seconds < CONNECT_BUDGET_SECONDS
    # The flow's error branch: "I couldn't set up voice recognition this time. I'll offer it
    # again on a later call." No code reached the caller, and none is owed.
    assert result.answer == {"status": "error", "errorCode": "NotificationFailed"}
    assert _texts(faults) == 0

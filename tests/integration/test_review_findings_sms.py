"""Review finding: a Connect retry that overlaps the first invocation (still waiting on the SMS
provider) must not text the customer a second time (moto's DynamoDB, the local outbox)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from ivr.core import clock
from ivr.notify import OutgoingMessage
from tests.conftest import load_event

# Tuesday 1 December 2026, 10:00 in New York.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def at_ten() -> Iterator[None]:
    with clock.installed(lambda: NOW):
        yield


@dataclass
class SlowSend:
    """The first SMS waits until ``release`` is set; ``entered`` says it is waiting."""

    release: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def slow_first_send(monkeypatch: pytest.MonkeyPatch) -> SlowSend:
    """The provider is slow to answer the first SMS."""
    from ivr import wiring

    outbox = wiring.local_outbox()
    original: Callable[[OutgoingMessage], str] = outbox.send
    slow = SlowSend()
    first = threading.Lock()

    def send(message: OutgoingMessage) -> str:
        if first.acquire(blocking=False):
            slow.entered.set()
            slow.release.wait(timeout=30)
        return original(message)

    monkeypatch.setattr(outbox, "send", send)
    return slow


def overlapping(
    handler: Callable[[Any, Any], Any], event: Any, context: Any, slow: SlowSend
) -> list[Any]:
    """Run ``handler`` and, while it waits on the SMS provider, Connect's retry of it."""
    answers: list[Any] = []
    first = threading.Thread(target=lambda: answers.append(handler(copy.deepcopy(event), context)))
    first.start()
    # However loaded the machine, the retry starts only once the first is inside the slow send.
    assert slow.entered.wait(timeout=30), "the first invocation never sent its SMS"
    answers.append(handler(copy.deepcopy(event), context))
    slow.release.set()
    first.join(timeout=30)
    return answers


def connect_event(**parameters: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("connect/caller_lookup.json"))
    event["Details"]["ContactData"]["CustomerEndpoint"]["Address"] = "+12025550100"
    event["Details"]["Parameters"] = parameters
    return dict(event)


@pytest.mark.usefixtures("aws", "at_ten")
def test_an_overlapping_retry_of_a_booking_texts_one_confirmation(
    lambda_context: Any, slow_first_send: SlowSend
) -> None:
    from schedule_callback import lambda_handler

    from ivr import wiring

    event = connect_event(mode="scheduled", date="2026-12-02", time="15:00")
    answers = overlapping(lambda_handler, event, lambda_context, slow_first_send)
    assert [a["outcome"] for a in answers] == ["booked", "booked"]
    assert len(wiring.local_outbox().to("+12025550100")) == 1


ANA = {
    "customers": [
        {
            "phone": "+13125550142",
            "name": "Ana Souza",
            "balance": "120.50",
            "timezone": "America/Chicago",
            "national_id_last4": "4321",
        }
    ]
}


@pytest.mark.usefixtures("aws", "at_ten")
def test_an_overlapping_retry_of_the_enrolment_code_texts_one_code(
    lambda_context: Any, slow_first_send: SlowSend
) -> None:
    from enrolment_code import lambda_handler

    from ivr import wiring
    from ivr.auth.keypad import ContactAuth
    from simulator.seed import load_given

    load_given(ANA)
    event = connect_event(action="send")
    contact_id = event["Details"]["ContactData"]["ContactId"]
    event["Details"]["ContactData"]["Attributes"] = {"callerNumber": "+13125550142"}
    wiring.auth_store().save_contact(ContactAuth(contact_id, keypad_passed=True, version=1), 0)
    answers = overlapping(lambda_handler, event, lambda_context, slow_first_send)
    assert [a.get("result") for a in answers] == ["sent", "sent"], answers
    assert len(wiring.local_outbox().to("+13125550142")) == 1

"""Authentication state and circuit breakers, against the in-memory fakes AND DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ivr.activity import ActivityEvent
from ivr.auth.keypad import CodeStatus, ContactAuth, CustomerFailures, OneTimeCode
from ivr.callers import VoiceEnrolment
from ivr.core.errors import ConflictError, NotFoundError
from tests import fakes
from tests.integration.test_stores import ana

T0 = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)


@dataclass
class Stores:
    auth: Any
    circuits: Any
    callers: Any
    activity: Any = None


@pytest.fixture(params=["fake", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    if request.param == "fake":
        yield Stores(
            fakes.FakeAuthStore(),
            fakes.FakeCircuitStore(),
            fakes.FakeCallerStore(),
            fakes.FakeActivityLog(),
        )
        return
    request.getfixturevalue("aws")
    from ivr.adapters.dynamodb.activity import DynamoActivityLog
    from ivr.adapters.dynamodb.auth import DynamoAuthStore
    from ivr.adapters.dynamodb.callers import DynamoCallerStore
    from ivr.adapters.dynamodb.circuit import DynamoCircuitStore

    yield Stores(DynamoAuthStore(), DynamoCircuitStore(), DynamoCallerStore(), DynamoActivityLog())


def test_customer_failures_come_back_as_saved(stores: Stores) -> None:
    state = CustomerFailures("+13125550142", {"c1#1": T0, "c2#1": T0 + timedelta(hours=1)}, None, 1)
    stores.auth.save_customer_failures(state, expected_version=0)
    assert stores.auth.customer_failures("+13125550142") == state
    assert stores.auth.customer_failures("+12025550100") is None


def test_a_stale_version_cannot_overwrite_failures(stores: Stores) -> None:
    first = CustomerFailures("+13125550142", {"c1#1": T0}, None, 1)
    stores.auth.save_customer_failures(first, expected_version=0)
    with pytest.raises(ConflictError):
        stores.auth.save_customer_failures(replace(first, failures={}), expected_version=0)
    locked = CustomerFailures("+13125550142", {"c1#1": T0, "c2#1": T0}, T0, 2)
    stores.auth.save_customer_failures(locked, expected_version=1)
    with pytest.raises(ConflictError):
        stores.auth.save_customer_failures(replace(locked, version=3), expected_version=1)
    assert stores.auth.customer_failures("+13125550142") == locked


def test_contact_state_keeps_what_the_call_proved(stores: Stores) -> None:
    state = ContactAuth("contact-1", {"contact-1#1": T0}, True, True, "+13125550142", 1)
    stores.auth.save_contact(state, expected_version=0)
    assert stores.auth.contact("contact-1") == state
    assert stores.auth.contact("contact-2") is None


def test_one_time_code_is_stored_as_a_hash_with_its_tries(stores: Stores) -> None:
    code = OneTimeCode(
        contact_id="contact-1",
        phone="+13125550142",
        salt="salt",
        code_hash="hmac-of-code",
        issued_at=T0,
        expires_at=T0 + timedelta(minutes=10),
        sent=True,
        version=1,
    )
    stores.auth.save_one_time_code(code, expected_version=0)
    assert stores.auth.one_time_code("contact-1") == code
    wrong = replace(code, wrong_tries=frozenset({"contact-1#1"}), version=2)
    stores.auth.save_one_time_code(wrong, expected_version=1)
    with pytest.raises(ConflictError):
        stores.auth.save_one_time_code(replace(code, status=CodeStatus.CONFIRMED), 1)
    assert stores.auth.one_time_code("contact-1") == wrong


def test_voice_enrolment_is_recorded_without_touching_the_balance(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.callers.set_voice_enrolment("+13125550142", VoiceEnrolment.OPTED_OUT)
    customer = stores.callers.find_by_phone("+13125550142")
    assert customer.voice_enrolment is VoiceEnrolment.OPTED_OUT
    assert customer.balance == ana().balance
    with pytest.raises(NotFoundError):
        stores.callers.set_voice_enrolment("+12025550100", VoiceEnrolment.ENROLLED)


def test_circuit_opens_at_the_threshold_and_a_success_closes_it(stores: Stores) -> None:
    limits = {"threshold": 3, "open_for": timedelta(seconds=30), "forget": timedelta(minutes=5)}
    assert stores.circuits.read("voice") is None
    for _ in range(2):
        assert not stores.circuits.record_failure("voice", now=T0, **limits).is_open(T0)
    opened = stores.circuits.record_failure("voice", now=T0, **limits)
    assert opened.is_open(T0)
    assert not opened.is_open(T0 + timedelta(seconds=31))
    assert stores.circuits.read("voice").failures == 3
    stores.circuits.reset("voice")
    assert stores.circuits.read("voice") is None


def test_a_failure_after_the_open_time_opens_the_circuit_again(stores: Stores) -> None:
    limits = {"threshold": 2, "open_for": timedelta(seconds=30), "forget": timedelta(minutes=5)}
    for _ in range(2):
        stores.circuits.record_failure("voice", now=T0, **limits)
    later = T0 + timedelta(seconds=40)
    again = stores.circuits.record_failure("voice", now=later, **limits)
    assert again.is_open(later)


# --- the keypad's one-write pass -------------------------------------------------------------


def _pass(stores: Stores, failures: int, attempt: str, *locks: str) -> bool:
    note = ActivityEvent("c1", T0, "auth", "authenticated by keypad")
    passed: bool = stores.auth.pass_keypad(
        "c1",
        failures_so_far=failures,
        attempt_id=attempt,
        unless_locked=list(locks),
        note=note,
        activity=stores.activity,
    )
    return passed


def _notes(stores: Stores) -> list[str]:
    return [event.text for event in stores.activity.for_contact("c1")]


def test_a_first_right_answer_passes_in_one_write_with_its_timeline_event(stores: Stores) -> None:
    assert _pass(stores, 0, "c1#1", "+13125550142")
    state = stores.auth.contact("c1")
    assert state is not None and state.keypad_passed and state.version == 1
    assert _notes(stores) == ["authenticated by keypad"]


def test_a_pass_after_wrong_answers_keeps_them_and_the_version_moves_on(stores: Stores) -> None:
    stores.auth.save_contact(ContactAuth("c1", {"c1#1": T0}, version=1), expected_version=0)
    assert _pass(stores, 1, "c1#2")
    state = stores.auth.contact("c1")
    assert state == ContactAuth("c1", {"c1#1": T0}, keypad_passed=True, version=2)


def test_the_one_write_pass_refuses_whatever_the_read_path_would_decide(stores: Stores) -> None:
    stores.auth.save_contact(ContactAuth("c1", {"c1#1": T0}, version=1), expected_version=0)
    assert not _pass(stores, 0, "c1#2")  # the flow's try number is behind the record
    assert not _pass(stores, 1, "c1#1")  # this attempt was counted wrong already
    locked = CustomerFailures("+13125550142", {"c9#1": T0}, T0, 1)
    stores.auth.save_customer_failures(locked, expected_version=0)
    assert not _pass(stores, 1, "c1#2", "account#+13125550142", "+13125550142")
    assert _notes(stores) == []
    assert stores.auth.contact("c1") == ContactAuth("c1", {"c1#1": T0}, version=1)
    assert _pass(stores, 1, "c1#2", "account#+13125550142")
    assert not _pass(stores, 1, "c1#2")  # passed already: Connect's retry reads instead
    assert _notes(stores) == ["authenticated by keypad"]


def test_claiming_an_account_writes_without_reading_and_moves_the_version(stores: Stores) -> None:
    stores.auth.save_contact(ContactAuth("c1", {"c1#1": T0}, version=1), expected_version=0)
    stores.auth.claim_for_contact("c1", "+13125550142")
    assert stores.auth.contact("c1") == ContactAuth(
        "c1", {"c1#1": T0}, claimed_phone="+13125550142", version=2
    )
    with pytest.raises(ConflictError):  # a write that read version 1 lost to the claim
        stores.auth.save_contact(ContactAuth("c1", version=2), expected_version=1)
    stores.auth.claim_for_contact("c2", "")
    assert stores.auth.contact("c2") == ContactAuth("c2", claimed_phone="", version=1)


def test_a_confirmed_code_marks_the_call_and_tells_the_agent_in_one_write(stores: Stores) -> None:
    code = OneTimeCode(
        contact_id="c1",
        phone="+13125550142",
        salt="salt",
        code_hash="hmac-of-code",
        issued_at=T0,
        expires_at=T0 + timedelta(minutes=10),
        sent=True,
        version=1,
    )
    stores.auth.save_one_time_code(code, expected_version=0)
    stores.auth.save_contact(ContactAuth("c1", keypad_passed=True, version=1), expected_version=0)
    confirmed = replace(code, status=CodeStatus.CONFIRMED, version=2)
    note = ActivityEvent("c1", T0, "auth", "enrolment code confirmed")
    stale = replace(confirmed, version=3)
    assert not stores.auth.confirm_code(stale, 2, note=note, activity=stores.activity)
    assert stores.auth.contact("c1") == ContactAuth("c1", keypad_passed=True, version=1)
    assert stores.auth.confirm_code(confirmed, 1, note=note, activity=stores.activity)
    assert stores.auth.one_time_code("c1") == confirmed
    assert stores.auth.contact("c1") == ContactAuth(
        "c1", keypad_passed=True, code_confirmed=True, version=2
    )
    assert _notes(stores) == ["enrolment code confirmed"]


def test_the_call_and_its_code_read_together_and_a_save_carries_its_note(stores: Stores) -> None:
    assert stores.auth.contact_and_code("c1") == (None, None)
    code = OneTimeCode(
        contact_id="c1",
        phone="+13125550142",
        salt="salt",
        code_hash="hmac-of-code",
        issued_at=T0,
        expires_at=T0 + timedelta(minutes=10),
        version=1,
    )
    stores.auth.save_one_time_code(code, expected_version=0)
    note = ActivityEvent("c1", T0, "auth", "enrolment code sent by SMS")
    sent = replace(code, sent=True, version=2)
    with pytest.raises(ConflictError):
        stores.auth.save_one_time_code(
            sent, expected_version=0, note=note, activity=stores.activity
        )
    assert _notes(stores) == []
    stores.auth.save_one_time_code(sent, expected_version=1, note=note, activity=stores.activity)
    stores.auth.save_contact(ContactAuth("c1", keypad_passed=True, version=1), expected_version=0)
    assert stores.auth.contact_and_code("c1") == (
        ContactAuth("c1", keypad_passed=True, version=1),
        sent,
    )
    assert _notes(stores) == ["enrolment code sent by SMS"]

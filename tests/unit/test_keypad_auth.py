"""Keypad answers, lockout counters and SMS enrolment codes, with in-memory stores."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ivr.adapters.local.outbox import LocalOutbox
from ivr.auth.keypad import (
    CodeResult,
    CodeServices,
    KeypadAttempt,
    KeypadLimits,
    KeypadResult,
    KeypadServices,
    KnowledgeQuestion,
    check_enrolment_code,
    check_keypad_answer,
    keypad_question,
    proven_for_enrolment,
    send_enrolment_code,
    typed_digits,
    unlock_keypad,
)
from ivr.callers import Customer, KnowledgeHashes
from ivr.core.hashing import keyed_hash
from ivr.core.keypad_input import UnreadableInputError
from ivr.core.money import Money
from tests import fakes

PEPPER = b"test-pepper"
T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def ana(national_id: str | None = "4321", postal: str | None = "60601") -> Customer:
    return Customer(
        phone="+13125550142",
        first_name="Ana",
        last_name="Souza",
        email="ana@example.com",
        account_number="100200301",
        balance=Money(12050),
        timezone="America/Chicago",
        knowledge=KnowledgeHashes(
            "salt-1",
            keyed_hash(PEPPER, "salt-1", national_id) if national_id else None,
            keyed_hash(PEPPER, "salt-1", postal) if postal else None,
        ),
    )


class Plain:
    """A decrypter for input that was never encrypted (the ciphertext is the digits)."""

    def decrypt(self, stored_input: str) -> str:
        return stored_input


def test_what_the_caller_typed_is_read_through_the_decrypter() -> None:
    assert typed_digits("Timeout", decrypter=Plain()) is None
    assert typed_digits("4321#", decrypter=Plain()) == "4321"
    with pytest.raises(UnreadableInputError):
        typed_digits("not digits", decrypter=Plain())


@pytest.fixture
def services() -> KeypadServices:
    return KeypadServices(
        fakes.FakeAuthStore(), fakes.FakeActivityLog(), PEPPER, KeypadLimits(3, 5)
    )


def attempt(contact: str, number: int, digits: str | None) -> KeypadAttempt:
    return KeypadAttempt(contact, number, digits)


def check(services: KeypadServices, contact: str, number: int, digits: str | None) -> KeypadResult:
    verdict = check_keypad_answer(
        attempt(contact, number, digits),
        ana(),
        KnowledgeQuestion.NATIONAL_ID,
        services=services,
        now=T0,
    )
    return verdict.result


def test_the_ivr_asks_for_the_national_id_else_the_postal_code() -> None:
    assert keypad_question(ana()) is KnowledgeQuestion.NATIONAL_ID
    assert keypad_question(ana(national_id=None)) is KnowledgeQuestion.POSTAL_CODE
    assert keypad_question(ana(None, None)) is KnowledgeQuestion.NONE


def test_the_right_digits_authenticate(services: KeypadServices) -> None:
    assert check(services, "c1", 1, "4321") is KeypadResult.AUTHENTICATED
    events = [e.text for e in services.activity.for_contact("c1")]
    assert events == ["authenticated by keypad"]


def test_three_wrong_answers_in_a_call_go_to_an_agent(services: KeypadServices) -> None:
    assert check(services, "c1", 1, "1111") is KeypadResult.WRONG
    assert check(services, "c1", 2, "2222") is KeypadResult.WRONG
    assert check(services, "c1", 3, "3333") is KeypadResult.AGENT
    texts = [e.text for e in services.activity.for_contact("c1")]
    assert texts == ["keypad: failed 1/3", "keypad: failed 2/3", "keypad: failed 3/3"]
    assert not any(re.search(r"\d{4}", text) for text in texts)  # never the digits


def test_no_input_counts_as_a_wrong_answer(services: KeypadServices) -> None:
    verdict = check_keypad_answer(
        KeypadAttempt.from_input("c1", "", typed_digits("Timeout", decrypter=Plain())),
        ana(),
        KnowledgeQuestion.NATIONAL_ID,
        services=services,
        now=T0,
    )
    assert verdict.result is KeypadResult.WRONG
    assert verdict.timed_out
    assert verdict.next_try == 2


def test_connect_retrying_the_same_attempt_counts_it_once(services: KeypadServices) -> None:
    for _ in range(4):  # Connect runs a failing block up to four times
        assert check(services, "c1", 1, "1111") is KeypadResult.WRONG
    assert len(services.store.contact("c1").failures) == 1  # type: ignore[union-attr]
    assert len(services.store.customer_failures(ana().phone).failures) == 1  # type: ignore[union-attr]


def test_five_wrong_answers_across_calls_lock_the_keypad_even_for_the_right_answer(
    services: KeypadServices,
) -> None:
    results = [check(services, f"call-{n}", 1, "0000") for n in range(5)]
    assert results[-1] is KeypadResult.LOCKED
    assert check(services, "call-6", 1, "4321") is KeypadResult.LOCKED


def test_the_lock_does_not_expire_but_old_failures_do(services: KeypadServices) -> None:
    for n, hours in enumerate((0, 1, 2, 3)):
        check_keypad_answer(
            attempt(f"old-{n}", 1, "0000"),
            ana(),
            KnowledgeQuestion.NATIONAL_ID,
            services=services,
            now=T0 + timedelta(hours=hours),
        )
    next_day = T0 + timedelta(hours=24, minutes=30)  # the failure at T0 has left the window
    verdict = check_keypad_answer(
        attempt("new", 1, "0000"),
        ana(),
        KnowledgeQuestion.NATIONAL_ID,
        services=services,
        now=next_day,
    )
    assert verdict.result is KeypadResult.WRONG
    locked = check_keypad_answer(
        attempt("new2", 1, "0000"),
        ana(),
        KnowledgeQuestion.NATIONAL_ID,
        services=services,
        now=next_day,
    )
    assert locked.result is KeypadResult.LOCKED
    a_year_later = next_day + timedelta(days=365)
    still = check_keypad_answer(
        attempt("new3", 1, "4321"),
        ana(),
        KnowledgeQuestion.NATIONAL_ID,
        services=services,
        now=a_year_later,
    )
    assert still.result is KeypadResult.LOCKED


def test_an_agent_unlocks_the_keypad(services: KeypadServices) -> None:
    for n in range(5):
        check(services, f"call-{n}", 1, "0000")
    unlock_keypad(ana().phone, store=services.store)
    assert check(services, "after", 1, "4321") is KeypadResult.AUTHENTICATED


def test_a_customer_without_the_answer_on_record_cannot_use_the_keypad(
    services: KeypadServices,
) -> None:
    verdict = check_keypad_answer(
        attempt("c1", 1, "4321"),
        ana(national_id=None, postal=None),
        KnowledgeQuestion.NONE,
        services=services,
        now=T0,
    )
    assert verdict.result is KeypadResult.NO_ANSWER_ON_RECORD


def test_an_unknown_account_never_matches_and_counts_for_the_call(services: KeypadServices) -> None:
    results = [
        check_keypad_answer(
            attempt("c1", n, "60601"),
            None,
            KnowledgeQuestion.POSTAL_CODE,
            services=services,
            now=T0,
        ).result
        for n in (1, 2, 3)
    ]
    assert results == [KeypadResult.WRONG, KeypadResult.WRONG, KeypadResult.AGENT]


# --- SMS codes for enrolment -----------------------------------------------------------------


@pytest.fixture
def codes(services: KeypadServices) -> CodeServices:
    return CodeServices(services.store, LocalOutbox(), services.activity, PEPPER)


def passed_keypad(services: KeypadServices, contact: str = "c1") -> None:
    assert check(services, contact, 1, "4321") is KeypadResult.AUTHENTICATED


def texted_code(codes: CodeServices) -> str:
    outbox = codes.notifier
    assert isinstance(outbox, LocalOutbox)
    found = re.search(r"\b(\d{6})\b", outbox.messages()[-1]["text"])
    assert found
    return found.group(1)


def test_no_code_is_sent_before_the_keypad_answer(codes: CodeServices) -> None:
    assert send_enrolment_code("c1", ana(), services=codes, now=T0).result is CodeResult.NOT_ALLOWED
    assert codes.notifier.messages() == []  # type: ignore[attr-defined]


def test_the_code_goes_to_the_number_on_record_and_is_stored_only_hashed(
    services: KeypadServices, codes: CodeServices
) -> None:
    passed_keypad(services)
    assert send_enrolment_code("c1", ana(), services=codes, now=T0).result is CodeResult.SENT
    message = codes.notifier.messages()[-1]  # type: ignore[attr-defined]
    assert message["to"] == "+13125550142"
    code = texted_code(codes)
    stored = services.store.one_time_code("c1")
    assert stored is not None and code not in repr(stored)


def test_a_retried_send_does_not_text_twice(services: KeypadServices, codes: CodeServices) -> None:
    passed_keypad(services)
    for _ in range(4):
        send_enrolment_code("c1", ana(), services=codes, now=T0 + timedelta(seconds=2))
    assert len(codes.notifier.messages()) == 1  # type: ignore[attr-defined]


def test_the_right_code_proves_possession_once(
    services: KeypadServices, codes: CodeServices
) -> None:
    passed_keypad(services)
    send_enrolment_code("c1", ana(), services=codes, now=T0)
    code = texted_code(codes)
    assert not proven_for_enrolment("c1", store=services.store)
    verdict = check_enrolment_code("c1", "1", code, services=codes, now=T0 + timedelta(minutes=2))
    assert verdict.result is CodeResult.CONFIRMED
    assert proven_for_enrolment("c1", store=services.store)
    other_call = check_enrolment_code("c2", "1", code, services=codes, now=T0)
    assert other_call.result is not CodeResult.CONFIRMED  # bound to its contact


def test_a_code_expires_after_ten_minutes(services: KeypadServices, codes: CodeServices) -> None:
    passed_keypad(services)
    send_enrolment_code("c1", ana(), services=codes, now=T0)
    code = texted_code(codes)
    late = check_enrolment_code("c1", "1", code, services=codes, now=T0 + timedelta(minutes=10))
    assert late.result is CodeResult.EXPIRED


def test_three_wrong_codes_lock_it(services: KeypadServices, codes: CodeServices) -> None:
    passed_keypad(services)
    send_enrolment_code("c1", ana(), services=codes, now=T0)
    code = texted_code(codes)
    wrong = "000000" if code != "000000" else "111111"
    results = [
        check_enrolment_code("c1", str(n), wrong, services=codes, now=T0).result for n in (1, 2, 3)
    ]
    assert results == [CodeResult.WRONG, CodeResult.WRONG, CodeResult.LOCKED]
    assert check_enrolment_code("c1", "4", code, services=codes, now=T0).result is CodeResult.LOCKED

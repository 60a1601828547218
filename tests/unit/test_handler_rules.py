"""The rules handlers used to hold, now in the domain: who may change a callback, what an
unknown caller learns, the caller's number, the offer read aloud, one dispatcher."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from ivr.adapters.local.outbox import LocalOutbox
from ivr.auth.keypad import (
    KeypadAttempt,
    KeypadLimits,
    KeypadResult,
    KeypadServices,
    check_claimed_account,
    claim_account_number,
)
from ivr.callbacks.scheduling import Proposal, offer_spoken, parse_policy
from ivr.callbacks.service import CallbackRequest, CallbackService, CallbackStatus
from ivr.callers import Customer, KnowledgeHashes, customer_on_record
from ivr.channels.connect import ConnectRequest, answer, dispatch
from ivr.core.errors import MalformedEventError, NotFoundError
from ivr.core.hashing import keyed_hash
from ivr.core.money import Money
from tests import fakes

NEW_YORK = "America/New_York"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tuesday 10:00 in New York
ANA = "+13125550142"
SOMEONE_ELSE = "+13125550199"
PEPPER = b"test-pepper"
TOMORROW_3PM = Proposal(date(2026, 12, 2), time(15))


def callbacks() -> CallbackService:
    policy = parse_policy('{"slotCapacity": 4}', NEW_YORK)
    return CallbackService(fakes.FakeCallbackStore(), policy, LocalOutbox(), lambda: NOW)


def booked(service: CallbackService) -> str:
    booking = service.schedule(
        CallbackRequest("c1", "book", ANA, "BasicQueue", NEW_YORK), TOMORROW_3PM
    )
    assert booking.callback is not None and booking.outcome == "booked"
    return booking.callback.callback_id


def test_only_the_number_a_callback_rings_may_cancel_it() -> None:
    service = callbacks()
    callback_id = booked(service)
    with pytest.raises(NotFoundError):
        service.cancel_for_caller(callback_id, SOMEONE_ELSE)
    stored = service.store.get(callback_id)
    assert stored is not None and stored.status is CallbackStatus.SCHEDULED
    assert service.cancel_for_caller(callback_id, ANA).status is CallbackStatus.CANCELLED


def test_another_callers_callback_cannot_be_moved_and_looks_like_no_callback() -> None:
    service = callbacks()
    callback_id = booked(service)
    later = Proposal(date(2026, 12, 3), time(11))
    with pytest.raises(NotFoundError):
        service.move_for_caller(callback_id, SOMEONE_ELSE, later)
    with pytest.raises(NotFoundError):
        service.move_for_caller("no-such-callback", ANA, later)
    assert service.move_for_caller(callback_id, ANA, later).outcome == "booked"


def test_the_offer_reads_each_alternative_with_its_key() -> None:
    alternatives = [datetime(2026, 12, 2, 20, tzinfo=UTC), datetime(2026, 12, 2, 21, tzinfo=UTC)]
    assert offer_spoken(alternatives, NEW_YORK) == (
        "I can call you on Wednesday, December 2 at 3 PM, press 1, or on Wednesday, December 2 "
        "at 4 PM, press 2. To choose another time, press 3."
    )
    assert offer_spoken([], NEW_YORK) == ""


def ana(postal: str | None = "60601") -> Customer:
    return Customer(
        phone=ANA,
        first_name="Ana",
        last_name="Souza",
        email="ana@example.com",
        account_number="100200301",
        balance=Money(12050),
        timezone="America/Chicago",
        knowledge=KnowledgeHashes(
            "salt-1", None, keyed_hash(PEPPER, "salt-1", postal) if postal else None
        ),
    )


def keypad(customer: Customer) -> tuple[fakes.FakeCallerStore, KeypadServices]:
    callers = fakes.FakeCallerStore()
    callers.customers[customer.phone] = customer
    services = KeypadServices(
        fakes.FakeAuthStore(), fakes.FakeActivityLog(), PEPPER, KeypadLimits(3, 5)
    )
    return callers, services


def test_an_account_without_a_postal_code_answers_wrong_like_a_wrong_code() -> None:
    callers, services = keypad(ana(postal=None))
    claim_account_number("c1", "100200301", callers=callers, store=services.store)
    verdict, customer = check_claimed_account(
        KeypadAttempt("c1", 1, "60601"), callers=callers, services=services, now=NOW
    )
    assert (verdict.result, customer) == (KeypadResult.WRONG, None)


def test_an_unknown_or_overlong_account_number_answers_wrong() -> None:
    callers, services = keypad(ana())
    for contact, digits in (("c1", "999999999"), ("c2", "1" * 17)):
        claim_account_number(contact, digits, callers=callers, store=services.store)
        verdict, customer = check_claimed_account(
            KeypadAttempt(contact, 1, "60601"), callers=callers, services=services, now=NOW
        )
        assert (verdict.result, customer) == (KeypadResult.WRONG, None)


def test_the_claimed_accounts_postal_code_authenticates_its_customer() -> None:
    callers, services = keypad(ana())
    claim_account_number("c1", "100200301", callers=callers, store=services.store)
    verdict, customer = check_claimed_account(
        KeypadAttempt("c1", 1, "60601"), callers=callers, services=services, now=NOW
    )
    assert verdict.result is KeypadResult.AUTHENTICATED
    assert customer is not None and customer.phone == ANA


def test_only_an_e164_number_finds_the_customer_on_record() -> None:
    callers, _ = keypad(ana())
    assert customer_on_record(ANA, callers=callers) == ana()
    assert customer_on_record("3125550142", callers=callers) is None
    assert customer_on_record(None, callers=callers) is None


def request(attributes: dict[str, str], number: str | None, **parameters: str) -> ConnectRequest:
    return ConnectRequest("c1", "c1", number, "arn", attributes, parameters)


def test_the_callers_number_is_the_flows_then_the_networks() -> None:
    assert request({"callerNumber": ANA}, SOMEONE_ELSE).caller_number == ANA
    assert request({}, SOMEONE_ELSE).caller_number == SOMEONE_ELSE
    assert request({}, None).caller_number is None


def test_the_action_parameter_picks_the_action_and_an_unknown_one_is_malformed() -> None:
    actions = {"send": lambda r: answer(did="send"), "check": lambda r: answer(did="check")}
    assert dispatch(request({}, ANA, action="check"), actions)["did"] == "check"
    assert dispatch(request({}, ANA), actions, default="send")["did"] == "send"
    with pytest.raises(MalformedEventError, match="action must be send or check"):
        dispatch(request({}, ANA, action="drop"), actions)

"""The amount a caller asks to pay: checked against the balance, said the way people read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ivr.callbacks.scheduling import zone_spoken
from ivr.callers import Customer, OpenTransaction
from ivr.core.money import Money
from ivr.payments.checkout import AmountStatus, check_payment_amount


def customer(balance: str = "120.50", unfinished: str | None = None) -> Customer:
    mark = None
    if unfinished:
        opened = datetime(2026, 12, 1, 15, tzinfo=UTC)
        mark = OpenTransaction("p-1", Money.parse(unfinished), "portal", opened)
    return Customer(
        phone="+13125550142",
        first_name="Ana",
        last_name="Souza",
        email="ana@example.com",
        account_number="100200301",
        balance=Money.parse(balance),
        timezone="America/Chicago",
        open_transaction=mark,
    )


def test_part_of_the_balance_is_the_amount_paid() -> None:
    check = check_payment_amount(customer(), "75")
    assert (check.status, check.amount) == (AmountStatus.OK, Money(7500))


def test_no_amount_asks_the_full_balance_or_another_amount() -> None:
    check = check_payment_amount(customer("1234.50"), "")
    assert check.status is AmountStatus.ASK
    assert "Your balance is $1,234.50. To pay all of it, say the full balance" in check.question()


def test_choosing_the_amount_offered_pays_the_full_balance() -> None:
    check = check_payment_amount(customer(), "", chosen=True)
    assert (check.status, check.amount) == (AmountStatus.OK, Money(12050))


def test_an_unfinished_payment_is_offered_with_its_amount_and_can_change() -> None:
    unfinished = customer(unfinished="45.00")
    assert (
        "Your unfinished payment is for $45.00" in check_payment_amount(unfinished, None).question()
    )
    assert check_payment_amount(unfinished, "", chosen=True).amount == Money(4500)
    assert check_payment_amount(unfinished, "60").amount == Money(6000)


@pytest.mark.parametrize(
    ("asked", "reason"),
    [
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("12.345", "didn't get that amount"),
        ("200", "more than your balance of $120.50"),
    ],
)
def test_a_refused_amount_says_why(asked: str, reason: str) -> None:
    check = check_payment_amount(customer(), asked)
    assert check.status is AmountStatus.REFUSED and reason in check.reason


def test_over_payment_only_when_the_operator_allows_it() -> None:
    check = check_payment_amount(customer(), "200", allow_overpayment=True)
    assert (check.status, check.amount) == (AmountStatus.OK, Money(20000))


def test_amounts_are_said_and_written_with_thousands_separators() -> None:
    assert Money.parse("1234567.50").spoken() == "$1,234,567.50"


@pytest.mark.parametrize(
    ("zone", "spoken"),
    [
        ("America/Chicago", "Central time"),
        ("Europe/London", "UK time"),
        ("Asia/Tokyo", "Tokyo time"),
    ],
)
def test_time_zones_are_named_as_callers_say_them(zone: str, spoken: str) -> None:
    assert zone_spoken(zone) == spoken

"""Payments: card details as the processor needs them, the processor port, and charging a
transaction once.

Card numbers never reach our storage: a processor tokenises the card (on its own origin, for the
portal; from the decrypted keypad digits, for pay-by-phone) and we keep brand, last four and
its token only (PCI DSS 3.3.1, 3.4.1, 3.5.1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from ivr.core.errors import InvalidInputError, IvrError
from ivr.core.money import Money
from ivr.core.observability import luhn_valid  # the one checksum: validation and log scrubbing


class CardField(StrEnum):
    """The card details a holder types, named as the IVR's answers name them."""

    NUMBER = "cardNumber"
    EXPIRY = "expiry"
    CVV = "cvv"


class InvalidCardError(InvalidInputError):
    """The card details fail a check the processor would also make (Luhn, expiry, CVV);
    ``field`` names the one that failed (None when it is not a typed field, e.g. a token)."""

    code = "InvalidCard"

    def __init__(self, message: str, field: CardField | None = None) -> None:
        super().__init__(message)
        self.field = field


class PaymentDeclinedError(IvrError):
    """The processor declined the charge."""

    code = "PaymentDeclined"


class ProcessorUnavailableError(IvrError):
    """The processor did not answer in time (or could not be reached). The charge may have been
    made: the transaction stays open, and charging it again with the same idempotency key
    answers what the processor did, never a second charge."""

    code = "ProcessorUnavailable"


class InvalidAmountError(InvalidInputError):
    """An amount that cannot be charged (zero, negative, above the limit)."""

    code = "InvalidAmount"


#: The most one payment may be; larger amounts go to an agent.
MAX_PAYMENT = Money(1_000_000)

_DIGITS = re.compile(r"^\d{13,19}$")
_EXPIRY = re.compile(r"^(?P<month>\d{2})\s*/?\s*(?P<year>\d{2})$")
_CVV = re.compile(r"^\d{3,4}$")


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "card"


@dataclass(frozen=True, repr=False)
class CardDetails:
    """What a card holder types. ``repr`` is masked so a stray log line cannot leak it."""

    number: str
    expiry_month: int
    expiry_year: int  # four digits
    cvv: str
    name: str = ""

    def __repr__(self) -> str:
        return f"CardDetails(last4={self.number[-4:]!r})"

    @property
    def last4(self) -> str:
        return self.number[-4:]


def card_number_of(number: str) -> str:
    """The digits of a card number (spaces and dashes dropped): 13-19 of them, Luhn-valid."""
    digits = re.sub(r"[ -]", "", number or "")
    if not _DIGITS.match(digits) or not luhn_valid(digits):
        raise InvalidCardError("card number", CardField.NUMBER)
    return digits


def expiry_of(expiry: str, *, today: date) -> tuple[int, int]:
    """(month, four-digit year) of an MM/YY or MMYY expiry, valid through its month's end in
    the card holder's own zone (``today`` is their date)."""
    match = _EXPIRY.match((expiry or "").strip())
    if not match or not 1 <= int(match.group("month")) <= 12:
        raise InvalidCardError("expiry", CardField.EXPIRY)
    month, year = int(match.group("month")), 2000 + int(match.group("year"))
    if (year, month) < (today.year, today.month):
        raise InvalidCardError("expiry", CardField.EXPIRY)
    return month, year


def cvv_of(cvv: str) -> str:
    """A card verification value: 3 digits, or 4 (American Express)."""
    if not _CVV.match((cvv or "").strip()):
        raise InvalidCardError("cvv", CardField.CVV)
    return cvv.strip()


def invalid_card_fields(typed: Mapping[str, object], *, today: date) -> list[str]:
    """Every field of ``{"number", "expiry", "cvv"}`` that fails, named as InvalidCardError
    names it ("card number", "expiry", "cvv"), so a form can mark them all at once."""
    checks: list[tuple[str, Callable[[str], object]]] = [
        ("number", card_number_of),
        ("expiry", lambda text: expiry_of(text, today=today)),
        ("cvv", cvv_of),
    ]
    failed = []
    for key, check in checks:
        try:
            check(str(typed.get(key, "")))
        except InvalidCardError as invalid:
            failed.append(str(invalid))
    return failed


def parse_card(number: str, expiry: str, cvv: str, name: str = "", *, today: date) -> CardDetails:
    """Validate what the card holder typed; InvalidCardError names the first field that fails."""
    digits = card_number_of(number)
    month, year = expiry_of(expiry, today=today)
    return CardDetails(digits, month, year, cvv_of(cvv), name.strip())


def check_amount(amount: Money) -> None:
    if amount.minor <= 0 or amount > MAX_PAYMENT:
        raise InvalidAmountError(f"cannot charge {amount}")


class ChargeStatus(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True)
class CardToken:
    """The processor's stand-in for a card: all that crosses our API."""

    token: str
    brand: str
    last4: str


@dataclass(frozen=True)
class ChargeResult:
    status: ChargeStatus
    charge_id: str
    card: CardToken
    decline_reason: str = ""


class PaymentProcessor(Protocol):
    """A card processor. Real gateways (Stripe, Adyen, ...) implement this behind the same
    circuit breaker as the other outbound providers; the sandbox runs locally and in tests."""

    def tokenize(self, card: CardDetails) -> CardToken:
        """Exchange card details for a token (the processor's side of the hosted card fields)."""

    def card_of(self, token: str) -> CardToken | None:
        """The brand and last four behind a token; None for a token the processor never issued."""

    def charge(self, token: str, amount: Money, idempotency_key: str) -> ChargeResult:
        """Charge once per idempotency key: the same key answers the first result again.

        Raises ProcessorUnavailableError when the processor does not answer within the adapter's
        deadline (which must leave the step inside Connect's 8 s)."""

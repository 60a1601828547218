"""One customer row from the system of record, validated: what the IVR stores for a caller.

A row is a mapping of column name to text (a CSV row or a JSON Lines object), named as a
scenario's ``given.customers`` entry. Every refusal names the column and the rule it broke,
never the value: a rejected-rows report must not carry the row's secrets or personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.core.errors import InvalidPhoneNumberError
from ivr.core.hashing import keyed_hash, new_salt
from ivr.core.money import Money
from ivr.core.phone import normalise_e164

#: The columns a file may carry; ``phone`` and ``name`` are required.
COLUMNS = (
    "phone",
    "name",
    "email",
    "account_number",
    "balance",
    "currency",
    "timezone",
    "language",
    "national_id_last4",
    "postal_code",
)
REQUIRED = ("phone", "name")

# The WHATWG HTML "valid e-mail address" syntax, the rule browsers apply to <input type=email>:
# a deliberate, documented subset of RFC 5322 that real mailboxes fit.
_EMAIL = re.compile(
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)
# BCP 47 language tags as Lex and Polly name their locales: "en-US", "es-419", "fr".
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-(?:[A-Z]{2}|[0-9]{3}))?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ACCOUNT = re.compile(r"^[0-9A-Za-z-]{4,34}$")
_NATIONAL_ID_LAST4 = re.compile(r"^[0-9]{4}$")
_POSTAL_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z -]{1,9}$")
_MAX_NAME = 200


class RowRejected(ValueError):
    """The row cannot be stored; ``reason`` names the column and the rule, never the value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CustomerProfile:
    """What the system of record owns on a customer item, knowledge answers already hashed.

    Everything else on the item (voice enrolment, the open-transaction and pending-callback
    marks) belongs to the IVR and an import never writes it."""

    phone: str
    first_name: str
    last_name: str
    email: str
    account_number: str
    balance_minor: int
    currency: str
    timezone: str
    language: str
    knowledge_salt: str | None = None
    national_id_hash: str | None = None
    postal_code_hash: str | None = None


@dataclass(frozen=True)
class CustomerRow:
    """A validated row. The keypad answers are held here only until they are hashed."""

    phone: str
    first_name: str
    last_name: str
    email: str
    account_number: str
    balance: Money
    timezone: str
    language: str
    national_id_last4: str | None
    postal_code: str | None

    def __repr__(self) -> str:  # never print the knowledge answers
        return f"CustomerRow(phone={self.phone!r})"

    def profile(self, *, pepper: bytes, salt: str | None) -> CustomerProfile:
        """The stored form: the knowledge answers as keyed hashes with the customer's salt.

        An existing customer's salt is reused, so the same row hashes to the same item and a
        second import of the same file changes nothing."""
        has_answers = self.national_id_last4 is not None or self.postal_code is not None
        salt = salt or (new_salt() if has_answers else None)
        return CustomerProfile(
            phone=self.phone,
            first_name=self.first_name,
            last_name=self.last_name,
            email=self.email,
            account_number=self.account_number,
            balance_minor=self.balance.minor,
            currency=self.balance.currency,
            timezone=self.timezone,
            language=self.language,
            knowledge_salt=salt if has_answers else None,
            national_id_hash=_hashed(pepper, salt, self.national_id_last4),
            postal_code_hash=_hashed(pepper, salt, self.postal_code),
        )


def _hashed(pepper: bytes, salt: str | None, answer: str | None) -> str | None:
    if answer is None or salt is None:
        return None
    return keyed_hash(pepper, salt, answer)


@cache
def _is_zone(name: str) -> bool:
    if not re.fullmatch(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*", name):
        return False  # ZoneInfo would read a path such as "../x"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _text(row: Mapping[str, object], column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowRejected(f"{column}: not text")
    return str(value).strip()


def _optional(row: Mapping[str, object], column: str, pattern: re.Pattern[str]) -> str | None:
    text = _text(row, column)
    if not text:
        return None
    if not pattern.fullmatch(text):
        raise RowRejected(f"{column}: not a valid {column.replace('_', ' ')}")
    return text


def _phone(row: Mapping[str, object], region: str) -> str:
    text = _text(row, "phone")
    if not text:
        raise RowRejected("phone: missing")
    try:
        return normalise_e164(text, region)
    except InvalidPhoneNumberError as invalid:
        raise RowRejected("phone: not a valid phone number") from invalid


def _balance(row: Mapping[str, object]) -> Money:
    currency = _text(row, "currency") or "USD"
    if not _CURRENCY.fullmatch(currency):
        raise RowRejected("currency: not an ISO 4217 code")
    text = _text(row, "balance") or "0"
    try:
        return Money.parse(text, currency)
    except ValueError as invalid:
        raise RowRejected("balance: not a decimal amount in the currency's minor units") from (
            invalid
        )


def _name(row: Mapping[str, object]) -> tuple[str, str]:
    name = " ".join(_text(row, "name").split())
    if not name:
        raise RowRejected("name: missing")
    if len(name) > _MAX_NAME or any(not char.isprintable() for char in name):
        raise RowRejected("name: not a printable name")
    first, _, last = name.partition(" ")
    return first, last


def validate_row(row: Mapping[str, object], *, region: str, default_timezone: str) -> CustomerRow:
    """Check one row; raises RowRejected naming the first column that breaks its rule."""
    phone = _phone(row, region)
    first, last = _name(row)
    email = _text(row, "email")
    if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        raise RowRejected("email: not a valid e-mail address")
    timezone = _text(row, "timezone") or default_timezone
    if not _is_zone(timezone):
        raise RowRejected("timezone: not an IANA time zone")
    language = _text(row, "language") or "en-US"
    if not _LANGUAGE.fullmatch(language):
        raise RowRejected("language: not a language tag such as en-US")
    account = _optional(row, "account_number", _ACCOUNT)
    return CustomerRow(
        phone=phone,
        first_name=first,
        last_name=last,
        email=email,
        # The same default the sample data uses: the number's last nine digits.
        account_number=account or phone.lstrip("+")[-9:],
        balance=_balance(row),
        timezone=timezone,
        language=language,
        national_id_last4=_optional(row, "national_id_last4", _NATIONAL_ID_LAST4),
        postal_code=_optional(row, "postal_code", _POSTAL_CODE),
    )

"""Caller numbers: whatever the network delivers, normalised to E.164 or rejected."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from ivr.core.errors import InvalidPhoneNumberError

E164 = re.compile(r"^\+[1-9]\d{1,14}$")

#: What Connect and carriers put in CustomerEndpoint.Address when the caller withholds the number.
WITHHELD = frozenset(
    {"", "anonymous", "private", "restricted", "unknown", "unavailable", "withheld"}
)

# Only digits, '+', and the punctuation people and carriers put in numbers. Letters are refused:
# phonenumbers reads them as vanity digits ("call me at +44 20 ... please" parses to a longer
# number), and "ext"/"x" extensions would be dropped silently from the E.164 form.
_ALLOWED = re.compile(r"^\+?[0-9 ().\-/]+$")
_MAX_LENGTH = 32


def is_withheld(raw: str | None) -> bool:
    return raw is None or raw.strip().lower() in WITHHELD


def _ascii_digits(raw: str) -> str:
    """Unicode decimal digits (full-width, Arabic-Indic, ...) become ASCII; other text is kept."""
    chars = []
    for char in unicodedata.normalize("NFKC", raw):
        digit = unicodedata.decimal(char, None)
        chars.append(str(digit) if digit is not None else char)
    return "".join(chars)


def normalise_e164(raw: str, default_region: str) -> str:
    """Return the number in E.164 form, or raise InvalidPhoneNumberError.

    A number without a country code is read in ``default_region``; only numbers that
    phonenumbers considers valid (right length and prefix for their region) pass.
    """
    if not isinstance(raw, str) or len(raw) > _MAX_LENGTH:
        raise InvalidPhoneNumberError("not a phone number")
    text = _ascii_digits(raw).strip()
    if not _ALLOWED.match(text):
        raise InvalidPhoneNumberError("unexpected characters in phone number")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumberError("unparseable phone number") from exc
    if number.extension or not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumberError("invalid phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not E164.match(e164):
        raise InvalidPhoneNumberError("invalid phone number")
    return e164


def region_of(e164: str) -> str | None:
    """The ISO region a valid E.164 number belongs to (used to guess a caller's time zone)."""
    number = phonenumbers.parse(e164, None)
    region: str | None = phonenumbers.region_code_for_number(number)
    return region

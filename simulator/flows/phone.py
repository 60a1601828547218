"""Phone numbers as Connect's blocks check them: E.164, or a local number in a known country."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: ITU E.164: '+', a country code not starting with 0, at most 15 digits. Eight digits at least,
#: since nothing shorter is a dialable subscriber number with its country code.
E164 = re.compile(r"^\+[1-9]\d{7,14}$")

# Country calling codes for PhoneNumberValidation's two-letter CountryCode; a country missing here
# fails validation rather than being guessed.
_CALLING_CODES = {
    "AU": "61", "BR": "55", "CA": "1", "DE": "49", "ES": "34", "FR": "33", "GB": "44",
    "IE": "353", "IN": "91", "IT": "39", "JP": "81", "MX": "52", "NL": "31", "NZ": "64",
    "SG": "65", "US": "1", "ZA": "27",
}  # fmt: skip


def as_e164(number: str) -> str | None:
    """``number`` if it is E.164; digits alone get the '+' Connect prepends. None otherwise."""
    candidate = number.strip()
    if candidate.isdigit():
        candidate = "+" + candidate
    return candidate if E164.match(candidate) else None


def validate_phone_input(digits: str, validation: Mapping[str, Any]) -> str | None:
    """PhoneNumberValidation of stored input: the E.164 number, or None when it is invalid.

    ``NumberFormat`` ``E164`` wants the country code keyed in; ``Local`` wants a national number
    (a leading trunk 0 is dropped) in ``CountryCode``'s country.
    """
    if validation.get("NumberFormat") == "E164":
        return as_e164(digits)
    code = _CALLING_CODES.get(str(validation.get("CountryCode", "")).upper())
    national = digits.removeprefix("0")
    if code is None or not national.isdigit():
        return None
    if code == "1" and len(national) != 10:  # NANP numbers are always ten digits
        return None
    return as_e164(code + national)

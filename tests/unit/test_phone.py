"""Caller numbers: E.164 or a clear rejection, never a guess."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.core.errors import InvalidPhoneNumberError
from ivr.core.phone import is_withheld, normalise_e164

E164 = re.compile(r"^\+[1-9]\d{1,14}$")


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+13125550142", "US", "+13125550142"),
        ("+1 (312) 555-0142", "US", "+13125550142"),
        ("(312) 555-0142", "US", "+13125550142"),  # national format, default region
        ("312.555.0142", "US", "+13125550142"),
        ("020 7946 0321", "GB", "+442079460321"),
        ("+44 20 7946 0321", "US", "+442079460321"),  # a country code beats the default
        ("＋１ ３１２ ５５５ ０１４２", "US", "+13125550142"),  # full-width digits
        ("+١ ٣١٢ ٥٥٥ ٠١٤٢", "US", "+13125550142"),  # Arabic-Indic digits
    ],
)
def test_numbers_in_any_network_format_become_e164(raw: str, region: str, expected: str) -> None:
    assert normalise_e164(raw, region) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "+1 555 555 0100",  # area code 555 does not exist
        "+10000000000",  # possible length, not a valid number
        "call me at +44 20 7946 0321 please",  # letters would be read as vanity digits
        "+44 20 7946 0321 ext. 99",  # the extension would silently vanish
        "+1 312 555 0142 x12",
        "1-800-FLOWERS",
        "",
        "   ",
        "+",
        "12",
        "+1" + "2" * 40,
        "312 555 0142; DROP TABLE",
    ],
)
def test_invalid_numbers_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumberError):
        normalise_e164(raw, "US")


def test_national_number_without_region_knowledge_is_rejected() -> None:
    with pytest.raises(InvalidPhoneNumberError):
        normalise_e164("4155552671", "ZZ")


@pytest.mark.parametrize("raw", [None, "", "anonymous", "Anonymous ", "private", "withheld"])
def test_withheld_numbers_are_recognised(raw: str | None) -> None:
    assert is_withheld(raw)


@given(st.text(max_size=40), st.sampled_from(["US", "GB", "DE", "BR"]))
def test_normaliser_output_is_e164_and_idempotent(raw: str, region: str) -> None:
    try:
        first = normalise_e164(raw, region)
    except InvalidPhoneNumberError:
        return
    assert E164.match(first)
    assert normalise_e164(first, region) == first


@given(
    st.sampled_from(["+1312555", "+4420794", "+5511987"]),
    st.text(alphabet="0123456789 -()", min_size=3, max_size=12),
)
def test_plausible_numbers_normalise_idempotently(prefix: str, rest: str) -> None:
    try:
        first = normalise_e164(prefix + rest, "US")
    except InvalidPhoneNumberError:
        return
    assert E164.match(first)
    assert normalise_e164(first, "GB") == first

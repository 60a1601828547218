"""AMAZON.Number, AMAZON.Date and AMAZON.Time as the emulator resolves them (fixed clock)."""

from __future__ import annotations

from datetime import date

import pytest

from simulator.lex.dates import resolve_date
from simulator.lex.numbers import parse_number
from simulator.lex.text import normalise
from simulator.lex.times import resolve_time
from tests.unit.lex.helpers import NOW

TODAY = NOW.date()  # Thursday 2026-11-26


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("50", "50"),
        ("50.25", "50.25"),
        ("fifty", "50"),
        ("twenty five", "25"),
        ("one hundred and twenty", "120"),
        ("a hundred", "100"),
        ("two thousand five hundred", "2500"),
        ("1,000", "1000"),
        ("minus five", "-5"),
        ("two point five", "2.5"),
    ],
)
def test_number_words_and_digits_resolve(said: str, expected: str) -> None:
    number = parse_number(normalise(said))
    assert number is not None
    assert format(number, "f") == expected


@pytest.mark.parametrize("said", ["five twenty", "twenty thirty", "and", "hundred and", "balance"])
def test_word_salad_is_not_a_number(said: str) -> None:
    assert parse_number(normalise(said)) is None


def test_dollar_sign_becomes_the_word_dollars() -> None:
    assert normalise("Pay $1,250.50, please!") == ["pay", "1250.50", "dollars", "please"]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("today", "2026-11-26"),
        ("tomorrow", "2026-11-27"),
        ("the day after tomorrow", "2026-11-28"),
        ("Monday", "2026-11-30"),
        ("on Monday", "2026-11-30"),
        ("Thursday", "2026-11-26"),  # Lex: today or later
        ("next Thursday", "2026-12-03"),
        ("next Tuesday", "2026-12-01"),
        ("December 3rd", "2026-12-03"),
        ("Dec 3", "2026-12-03"),
        ("3rd of December", "2026-12-03"),
        ("the third of December", "2026-12-03"),
        ("December twenty first", "2026-12-21"),
        ("January 5th", "2027-01-05"),  # no year: the next one that is not past
        ("November 1st", "2027-11-01"),
        ("2026-12-03", "2026-12-03"),
        ("12/03/2026", "2026-12-03"),
        ("next week", "2026-W49"),
    ],
)
def test_dates_resolve_relative_to_the_callers_today(said: str, expected: str) -> None:
    value = resolve_date(normalise(said), TODAY)
    assert value is not None
    assert value.interpreted == expected
    assert value.resolved == (expected,)


@pytest.mark.parametrize("said", ["February 30th", "the 3rd", "soon", "13/45/2026"])
def test_impossible_or_vague_dates_do_not_resolve(said: str) -> None:
    assert resolve_date(normalise(said), TODAY) is None


def test_a_year_end_today_still_finds_next_weeks_monday() -> None:
    value = resolve_date(["monday"], date(2026, 12, 31))
    assert value is not None and value.interpreted == "2027-01-04"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("3 pm", "15:00"),
        ("3pm", "15:00"),
        ("3:30 p.m.", "15:30"),
        ("15:00", "15:00"),
        ("09:15", "09:15"),
        ("noon", "12:00"),
        ("midnight", "00:00"),
        ("12 am", "00:00"),
        ("12 pm", "12:00"),
        ("ten in the morning", "10:00"),
        ("three in the afternoon", "15:00"),
        ("at 4 pm", "16:00"),
        ("morning", "MO"),
        ("in the afternoon", "AF"),
        ("tonight", "NI"),
        ("pm", "PM"),
    ],
)
def test_exact_times_resolve(said: str, expected: str) -> None:
    value = resolve_time(normalise(said))
    assert value is not None
    assert (value.interpreted, value.resolved) == (expected, (expected,))


@pytest.mark.parametrize(
    ("said", "candidates"),
    [
        ("ten o'clock", ("10:00", "22:00")),
        ("10 o'clock", ("10:00", "22:00")),
        ("half past ten", ("10:30", "22:30")),
        ("quarter to four", ("03:45", "15:45")),
        ("ten thirty", ("10:30", "22:30")),
        ("3", ("03:00", "15:00")),
    ],
)
def test_ambiguous_times_leave_interpreted_value_empty(
    said: str, candidates: tuple[str, str]
) -> None:
    value = resolve_time(normalise(said))
    assert value is not None
    assert value.interpreted is None
    assert value.resolved == candidates
    assert value.original == " ".join(normalise(said))


@pytest.mark.parametrize("said", ["25:00", "13 pm", "half past", "whenever", "3:75"])
def test_impossible_times_do_not_resolve(said: str) -> None:
    assert resolve_time(normalise(said)) is None

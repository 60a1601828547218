"""Callback times the way callers give them: a part of the day decides AM or PM, a time only one
reading makes bookable needs no question, and four keyed digits are a 24-hour time.

The bot runs in the emulator with the real code hook; the callback queue keeps the default hours
(Monday to Friday, 8 AM to 6 PM). Today is Thursday 26 November 2026, so tomorrow is a Friday.
"""

from __future__ import annotations

from datetime import time

import pytest

from ivr.callbacks.scheduling import OpeningHours
from ivr.intents import SlotValue, Turn, next_step
from simulator.lex import LexEmulator
from tests.unit.lex.helpers import ALIAS

TOMORROW = "2026-11-27"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("call me back tomorrow afternoon at three", "15:00"),
        ("can you ring me tomorrow at 4 this afternoon", "16:00"),
        ("call me back tomorrow evening at five", "17:00"),
        ("call me tomorrow morning at nine", "09:00"),
        ("call me back tomorrow at 3 in the morning", "03:00"),
    ],
)
def test_a_part_of_the_day_decides_am_or_pm(lex: LexEmulator, said: str, expected: str) -> None:
    turn = lex.recognize_text(ALIAS, "s", said, {})
    assert turn.messages != ["Did you mean 3 AM or 3 PM?"]
    assert turn.slots == {"CallbackDate": TOMORROW, "CallbackTime": expected}
    assert turn.finished


def test_tonight_is_today_after_noon(lex: LexEmulator) -> None:
    turn = lex.recognize_text(ALIAS, "s", "ring me tonight at eight", {})
    assert turn.slots == {"CallbackDate": "2026-11-26", "CallbackTime": "20:00"}


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("call me back tomorrow at ten", "10:00"),  # 10 PM is closed
        ("call me back tomorrow at four", "16:00"),  # 4 AM is closed
        ("call me back tomorrow at half past two", "14:30"),
        ("call me back tomorrow at 12", "12:00"),  # midnight is closed
    ],
)
def test_a_time_only_one_reading_makes_bookable_needs_no_question(
    lex: LexEmulator, said: str, expected: str
) -> None:
    turn = lex.recognize_text(ALIAS, "s", said, {})
    assert turn.slots["CallbackTime"] == expected
    assert turn.finished
    assert not any("AM or" in message for message in turn.messages)


def test_a_time_both_readings_leave_closed_is_still_asked(lex: LexEmulator) -> None:
    turn = lex.recognize_text(ALIAS, "s", "call me back tomorrow at seven", {})
    assert turn.messages == ["Did you mean 7 AM or 7 PM?"]


def test_a_part_of_the_day_alone_asks_only_for_the_hour_then_keeps_it(lex: LexEmulator) -> None:
    turn = lex.recognize_text(ALIAS, "s", "call me back tomorrow afternoon", {})
    assert (turn.dialog_action, turn.messages) == ("ElicitSlot", ["What time in the afternoon?"])
    turn = lex.recognize_text(ALIAS, "s", "two", {})
    assert turn.slots == {"CallbackDate": TOMORROW, "CallbackTime": "14:00"}
    assert turn.finished
    assert "callbackDayPart" not in turn.session_attributes


def test_this_evening_without_an_hour_asks_for_the_hour_in_the_evening(lex: LexEmulator) -> None:
    turn = lex.recognize_text(ALIAS, "s", "call me tonight", {})
    assert turn.messages == ["What time in the evening?"]
    turn = lex.recognize_text(ALIAS, "s", "5", {})
    assert turn.slots == {"CallbackDate": "2026-11-26", "CallbackTime": "17:00"}


@pytest.mark.parametrize(("keys", "expected"), [("1500", "15:00"), ("0300", "03:00")])
def test_four_keyed_digits_are_a_24_hour_time(lex: LexEmulator, keys: str, expected: str) -> None:
    turn = lex.recognize_text(ALIAS, "s", "call me back tomorrow", {})
    assert turn.messages == ["What time should we call you?"]
    turn = lex.recognize_text(ALIAS, "s", keys, {}, input_mode="DTMF")
    assert turn.slots == {"CallbackDate": TOMORROW, "CallbackTime": expected}
    assert turn.finished


def test_keyed_digits_fill_the_time_when_lex_left_it_empty() -> None:
    """Real Lex may not read "1500" as a time: the code hook reads the keys itself."""
    turn = Turn(
        intent="RequestCallback",
        fulfilment=False,
        said="1500#",
        slots={"CallbackDate": SlotValue("tomorrow", TOMORROW, (TOMORROW,)), "CallbackTime": None},
    )
    step = next_step(turn)
    assert step.kind == "delegate"
    assert step.slots["CallbackTime"] == SlotValue("1500#", "15:00", ("15:00",))


def test_opening_hours_on_the_day_decide_in_the_callers_zone() -> None:
    """A Saturday with Saturday-morning hours only: "at ten" is 10 AM."""
    saturday_mornings = OpeningHours("America/Chicago", {5: (time(9), time(12))})
    turn = Turn(
        intent="RequestCallback",
        fulfilment=False,
        said="Saturday at ten",
        slots={
            "CallbackDate": SlotValue("saturday", "2026-11-28", ("2026-11-28",)),
            "CallbackTime": SlotValue("ten", None, ("10:00", "22:00")),
        },
        attributes={"x-amz-lex:time-zone": "America/New_York"},
    )
    step = next_step(turn, opening_hours=saturday_mornings)
    assert step.kind == "delegate"
    assert step.slots["CallbackTime"] == SlotValue("ten", "10:00", ("10:00",))

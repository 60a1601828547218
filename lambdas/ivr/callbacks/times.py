"""A callback time the way callers give it: a part of the day, a time only one reading makes
bookable, four digits on the keypad.

Lex's AMAZON.Time leaves "three" or "ten o'clock" unresolved (03:00 or 15:00). Before the IVR
asks "AM or PM?", the caller's own words and the opening hours usually settle it: "tomorrow
afternoon at three" is 15:00, and "at ten" is 10:00 when the line is closed at 22:00. Connect
sends keypad digits to Lex as text; "1500" and "0300" are 24-hour times.
"""

from __future__ import annotations

import re
from datetime import date, time

from ivr.callbacks.scheduling import OpeningHours, local_instant

#: What a part of the day says about a time, and how the IVR names it when it asks for the hour.
DAY_PARTS: dict[str, tuple[bool, str]] = {
    # Lex's range code: (is after noon, the words the IVR says)
    "MO": (False, "morning"),
    "AF": (True, "afternoon"),
    "EV": (True, "evening"),
    "NI": (True, "evening"),
}
_PART_WORDS: dict[str, str] = {
    "morning": "MO",
    "afternoon": "AF",
    "evening": "EV",
    "tonight": "NI",
    "night": "NI",
}
_WORD = re.compile(r"[a-z]+")
_KEYED = re.compile(r"\s*([01]\d|2[0-3])([0-5]\d)\s*#?\s*")


def day_part_said(said: str) -> str | None:
    """Lex's range code for the part of the day the caller named ("afternoon" -> "AF")."""
    for word in _WORD.findall(said.lower()):
        if word in _PART_WORDS:
            return _PART_WORDS[word]
    return None


def keyed_time(said: str) -> str | None:
    """'1500' or '0300#' keyed on the phone -> '15:00' / '03:00'; anything else -> None."""
    match = _KEYED.fullmatch(said)
    return f"{match.group(1)}:{match.group(2)}" if match else None


def reading_for_day_part(choices: list[str], part: str | None) -> str | None:
    """The one candidate ('03:00', '15:00') on the side of noon the part of the day names."""
    if part not in DAY_PARTS:
        return None
    after_noon = DAY_PARTS[part][0]
    picked = [c for c in choices if (int(c[:2]) >= 12) == after_noon]
    return picked[0] if len(picked) == 1 else None


def only_bookable_reading(
    choices: list[str], *, day: date | None, hours: OpeningHours | None, caller_zone: str | None
) -> str | None:
    """The one candidate inside the opening hours, or None when none or both are."""
    if hours is None:
        return None
    open_ones = [c for c in choices if _bookable(c, day, hours, caller_zone)]
    return open_ones[0] if len(open_ones) == 1 else None


def _bookable(hhmm: str, day: date | None, hours: OpeningHours, caller_zone: str | None) -> bool:
    at = time(int(hhmm[:2]), int(hhmm[3:]))
    if day is not None and caller_zone:
        instant = local_instant(day, at, caller_zone)
        return instant is not None and hours.is_open(instant)
    # No day or zone yet: open on that day of the week (or on any day), on the wall clock.
    if day is not None:
        periods = [hours.weekly[day.weekday()]] if day.weekday() in hours.weekly else []
    else:
        periods = list(hours.weekly.values())
    return any(opens <= at < closes for opens, closes in periods)

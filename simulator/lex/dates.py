"""AMAZON.Date: spoken dates resolved against the caller's today, as Lex V2 does.

Lex resolves a date without a year, and a bare weekday, to today or later. "next Tuesday" is the
first Tuesday after today. "this week" / "next week" resolve to ISO weeks ("2026-W49"), as Lex does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from simulator.lex.numbers import parse_ordinal
from simulator.lex.text import words
from simulator.lex.values import SlotValue

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = words(
    "january february march april may june july august september october november december"
)
MONTHS = {name: number for number, name in enumerate(_MONTHS, start=1)} | {
    name[:3]: number for number, name in enumerate(_MONTHS, start=1)
}
_RELATIVE_DAYS: dict[tuple[str, ...], int] = {
    ("today",): 0,
    ("tonight",): 0,
    ("tomorrow",): 1,
    ("day", "after", "tomorrow"): 2,
    ("yesterday",): -1,
}
_LEADING = {"on", "for", "the"}
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def resolve_date(tokens: Sequence[str], today: date) -> SlotValue | None:
    """'tomorrow', 'on Monday', 'next Tuesday', 'December 3rd', '3rd of December', '2026-12-03'."""
    words = list(tokens)
    while words and words[0] in _LEADING:
        words = words[1:]
    for parser in _PARSERS:
        value = parser(words, today)
        if value is not None:
            return SlotValue.exact(" ".join(tokens), value)
    return None


def _relative_day(words: list[str], today: date) -> str | None:
    offset = _RELATIVE_DAYS.get(tuple(words))
    return (today + timedelta(days=offset)).isoformat() if offset is not None else None


def _weekday(words: list[str], today: date) -> str | None:
    if not words or words[-1] not in WEEKDAYS or len(words) > 2:
        return None
    modifier = words[0] if len(words) == 2 else ""
    if modifier not in {"", "this", "next", "coming"}:
        return None
    ahead = (WEEKDAYS.index(words[-1]) - today.weekday()) % 7
    if modifier == "next" and ahead == 0:
        ahead = 7
    return (today + timedelta(days=ahead)).isoformat()


def _month_day(words: list[str], today: date) -> str | None:
    """'december 3rd', 'dec 3', '3rd of december', 'december the third'."""
    if len(words) < 2:
        return None
    if words[0] in MONTHS:
        month, day_words = MONTHS[words[0]], [w for w in words[1:] if w != "the"]
    elif words[-1] in MONTHS:
        month, day_words = MONTHS[words[-1]], words[:-1]
        day_words = day_words[:-1] if day_words[-1:] == ["of"] else day_words
    else:
        return None
    day = parse_ordinal(day_words)
    return _upcoming(today, month, day) if day is not None else None


def _upcoming(today: date, month: int, day: int) -> str | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate.isoformat()
    return None


def _written(words: list[str], today: date) -> str | None:
    if len(words) != 1:
        return None
    if match := _US_DATE.fullmatch(words[0]):
        month, day, year = (int(part) for part in match.groups())
        return _valid(year, month, day)
    try:
        return date.fromisoformat(words[0]).isoformat()
    except ValueError:
        return None


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _week(words: list[str], today: date) -> str | None:
    offsets: dict[tuple[str, ...], int] = {("this", "week"): 0, ("next", "week"): 7}
    offset = offsets.get(tuple(words))
    if offset is None:
        return None
    year, week, _ = (today + timedelta(days=offset)).isocalendar()
    return f"{year}-W{week:02d}"


_PARSERS: tuple[Callable[[list[str], date], str | None], ...] = (
    _relative_day,
    _weekday,
    _month_day,
    _written,
    _week,
)

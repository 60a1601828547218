"""AMAZON.Time: spoken times, with Lex V2's answer for ambiguity.

"ten o'clock" could be 10:00 or 22:00, so Lex sends ``interpretedValue: null`` and
``resolvedValues: ["10:00", "22:00"]``; "10 am" and "22:00" are exact. A part of the day resolves to
Lex's range codes: AM, PM, MO (morning), AF (afternoon), EV (evening), NI (night).
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.lex.numbers import UNITS, words_to_int
from simulator.lex.values import SlotValue

_RANGES: dict[tuple[str, ...], str] = {
    ("am",): "AM",
    ("pm",): "PM",
    ("morning",): "MO",
    ("afternoon",): "AF",
    ("evening",): "EV",
    ("night",): "NI",
    ("tonight",): "NI",
}
_NAMED: dict[tuple[str, ...], tuple[int, int]] = {
    ("noon",): (12, 0),
    ("midday",): (12, 0),
    ("twelve", "noon"): (12, 0),
    ("midnight",): (0, 0),
}
_MERIDIEM: dict[tuple[str, ...], str] = {
    ("am",): "am",
    ("pm",): "pm",
    ("in", "the", "morning"): "am",
    ("this", "morning"): "am",
    ("in", "the", "afternoon"): "pm",
    ("this", "afternoon"): "pm",
    ("in", "the", "evening"): "pm",
    ("this", "evening"): "pm",
    ("at", "night"): "pm",
    ("tonight",): "pm",
}
_LEADING = {"at", "around", "about", "in", "the", "this"}
_FRACTIONS: dict[tuple[str, ...], int] = {("half",): 30, ("quarter",): 15, ("a", "quarter"): 15}

Clock = tuple[int, int, bool]  # hour, minute, written in 24-hour form


def resolve_time(tokens: Sequence[str]) -> SlotValue | None:
    """'3 pm', '3:30 pm', '15:00', 'half past ten', 'noon', "ten o'clock" (ambiguous), 'morning'."""
    original = " ".join(tokens)
    words = list(tokens)
    named = _NAMED.get(tuple(words))
    if named is not None:
        return SlotValue.exact(original, _hhmm(*named))
    while words and words[0] in _LEADING:
        words = words[1:]
    if (code := _RANGES.get(tuple(words))) is not None:
        return SlotValue.exact(original, code)
    words, meridiem = _split_meridiem(words)
    clock = _clock(words)
    if clock is None:
        return None
    return _resolve(original, clock, meridiem)


def _resolve(original: str, clock: Clock, meridiem: str | None) -> SlotValue | None:
    hour, minute, written_24h = clock
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
        return SlotValue.exact(original, _hhmm(hour, minute))
    if written_24h or hour == 0 or hour > 12:
        return SlotValue.exact(original, _hhmm(hour, minute))
    candidates = (_hhmm(hour, minute), _hhmm((hour + 12) % 24, minute))
    return SlotValue(original, None, candidates)


def _split_meridiem(words: list[str]) -> tuple[list[str], str | None]:
    for suffix, meridiem in _MERIDIEM.items():
        if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
            return words[: -len(suffix)], meridiem
    return words, None


def _clock(words: list[str]) -> Clock | None:
    if words[-1:] in (["o'clock"], ["oclock"]):
        words = words[:-1]
    if not words:
        return None
    if "past" in words or "to" in words:
        return _relative_clock(words)
    if len(words) == 1 and ":" in words[0]:
        return _written_clock(words[0])
    if len(words) == 1 and len(words[0]) == 4 and words[0].isdigit():
        return _written_clock(f"{words[0][:2]}:{words[0][2:]}")  # "1500": keyed or military
    hour = _hour(words[0])
    minute = _minutes(words[1:])
    if hour is None or minute is None:
        return None
    return hour, minute, words[0].startswith("0") or hour > 12


def _written_clock(token: str) -> Clock | None:
    hours, _, minutes = token.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return None
    hour, minute = int(hours), int(minutes)
    if hour > 23 or minute > 59:
        return None
    return hour, minute, hours.startswith("0") or hour > 12


def _relative_clock(words: list[str]) -> Clock | None:
    """'half past ten', 'quarter to four', 'twenty past three'."""
    pivot = words.index("past") if "past" in words else words.index("to")
    before = [word for word in words[:pivot] if word not in {"minutes", "minute"}]
    minutes = _FRACTIONS.get(tuple(before))
    if minutes is None:
        minutes = _minutes(before) if before else None
    hour = _hour(words[pivot + 1]) if len(words) == pivot + 2 else None
    if minutes is None or hour is None or not 0 < minutes < 60 or hour > 12:
        return None
    if words[pivot] == "to":
        return (hour - 2) % 12 + 1, 60 - minutes, False
    return hour, minutes, False


def _hour(token: str) -> int | None:
    hour = int(token) if token.isdigit() else UNITS.get(token, -1)
    return hour if 0 <= hour <= 23 else None


def _minutes(words: list[str]) -> int | None:
    """'' -> 0, 'thirty' -> 30, 'forty five' -> 45, 'oh five' -> 5, '30' -> 30."""
    if not words:
        return 0
    if len(words) == 1 and words[0].isdigit() and len(words[0]) == 2:
        minute = int(words[0])
    elif words[0] == "oh" and len(words) == 2:
        minute = UNITS.get(words[1], -1) if words[1] != "zero" else -1
        minute = minute if minute < 10 else -1
    else:
        minute = words_to_int(words) or -1
    return minute if 0 <= minute < 60 else None


def _hhmm(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"

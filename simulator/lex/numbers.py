"""Spoken and written numbers, as AMAZON.Number reads them ("one hundred and twenty" -> 120)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from simulator.lex.text import words

UNITS = {
    word: value
    for value, word in enumerate(
        words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen"
        )
    )
}
TENS = {
    word: (index + 2) * 10
    for index, word in enumerate(words("twenty thirty forty fifty sixty seventy eighty ninety"))
}
_SCALES = {"thousand": 1_000, "million": 1_000_000}
_DIGIT_WORDS = {**{word: value for word, value in UNITS.items() if value < 10}, "oh": 0}
ORDINALS = {
    word: index + 1
    for index, word in enumerate(
        words(
            "first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
            "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth "
            "nineteenth"
        )
    )
} | {"twentieth": 20, "thirtieth": 30}


def parse_number(tokens: Sequence[str]) -> Decimal | None:
    """'50', '50.25', 'fifty', 'minus five', 'one hundred and twenty', 'two point five'."""
    if not tokens:
        return None
    if tokens[0] in {"minus", "negative"}:
        value = parse_number(tokens[1:])
        return -value if value is not None else None
    if len(tokens) == 1 and (digits := _decimal(tokens[0])) is not None:
        return digits
    if "point" in tokens:
        return _point_number(tokens)
    whole = words_to_int(tokens)
    return Decimal(whole) if whole is not None else None


def words_to_int(tokens: Sequence[str]) -> int | None:
    """'one hundred and twenty' -> 120, 'a thousand' -> 1000, 'twenty five' -> 25, else None."""
    total, current, last = 0, 0, ""
    for index, token in enumerate(tokens):
        kind = _kind(token, index, tokens)
        if kind is None or not _may_follow(last, kind):
            return None
        if kind in {"unit", "tens"}:
            current += UNITS.get(token) or TENS.get(token, 0)
        elif kind == "hundred":
            current = (current or 1) * 100
        elif kind == "scale":
            total, current = total + (current or 1) * _SCALES[token], 0
        last = kind
    return total + current if last not in {"", "and", "a"} else None


def parse_ordinal(tokens: Sequence[str]) -> int | None:
    """A day of the month: '3', '3rd', 'third', 'twenty third', 'thirty first'."""
    if len(tokens) == 1:
        token = tokens[0]
        if token.rstrip("stndrh").isdigit() and token[:1].isdigit():
            return int(token.rstrip("stndrh"))
        return ORDINALS.get(token) or UNITS.get(token) or TENS.get(token)
    if len(tokens) == 2 and tokens[0] in TENS:
        unit = ORDINALS.get(tokens[1]) or UNITS.get(tokens[1])
        return TENS[tokens[0]] + unit if unit is not None and unit < 10 else None
    return None


def _decimal(token: str) -> Decimal | None:
    if not token.lstrip("-").replace(".", "", 1).isdigit():
        return None
    try:
        return Decimal(token)
    except InvalidOperation:
        return None


def _point_number(tokens: Sequence[str]) -> Decimal | None:
    point = list(tokens).index("point")
    whole = parse_number(tokens[:point]) if point else Decimal(0)
    fraction = [_DIGIT_WORDS.get(token) for token in tokens[point + 1 :]]
    if whole is None or not fraction or None in fraction or whole != whole.to_integral_value():
        return None
    return Decimal(f"{int(whole)}." + "".join(str(digit) for digit in fraction))


def _kind(token: str, index: int, tokens: Sequence[str]) -> str | None:
    if token in UNITS:
        return "unit"
    if token in TENS:
        return "tens"
    if token == "hundred":
        return "hundred"
    if token in _SCALES:
        return "scale"
    if token == "and" and 0 < index < len(tokens) - 1:
        return "and"
    if token == "a" and index == 0:
        return "a"
    return None


# Which kind of word may come after which: "twenty five" but not "five twenty" or "twenty thirty".
_FOLLOWS = {
    "": {"unit", "tens", "a"},
    "a": {"hundred", "scale"},
    "unit": {"hundred", "scale"},
    "tens": {"unit", "hundred", "scale"},
    "hundred": {"unit", "tens", "and", "scale"},
    "scale": {"unit", "tens", "and"},
    "and": {"unit", "tens"},
}


def _may_follow(last: str, kind: str) -> bool:
    return kind in _FOLLOWS[last]

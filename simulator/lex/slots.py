"""Slot resolution: a span of the caller's words -> a SlotValue of the slot's type, or None."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from simulator.lex.bot import SlotTypeDef
from simulator.lex.dates import resolve_date
from simulator.lex.numbers import parse_number
from simulator.lex.text import words
from simulator.lex.times import resolve_time
from simulator.lex.values import SlotValue

_YES = frozenset(
    words("yes yeah yep yup sure correct right ok okay absolutely confirm definitely affirmative")
)
_NO = frozenset(words("no nope nah not don't cancel wrong incorrect negative"))


def resolve_slot(
    type_name: str,
    tokens: Sequence[str],
    *,
    slot_types: Mapping[str, SlotTypeDef],
    today: date,
) -> SlotValue | None:
    """Resolve the whole span, or None: the matcher tries other spans."""
    if not tokens:
        return None
    if type_name in slot_types:
        return _custom(slot_types[type_name], tokens)
    if type_name == "AMAZON.Number":
        return _number(tokens)
    if type_name == "AMAZON.Date":
        return resolve_date(tokens, today)
    if type_name == "AMAZON.Time":
        return resolve_time(tokens)
    if type_name == "AMAZON.Confirmation":
        return _confirmation(tokens)
    if type_name == "AMAZON.AlphaNumeric" and len(tokens) == 1 and tokens[0].isalnum():
        return SlotValue.exact(tokens[0], tokens[0])
    return None


def yes_or_no(tokens: Sequence[str]) -> bool | None:
    """A reply to a confirmation prompt; 'no' wins over 'yes' ("no, that's not right")."""
    words = set(tokens)
    if words & _NO:
        return False
    if words & _YES:
        return True
    return None


def _custom(slot_type: SlotTypeDef, tokens: Sequence[str]) -> SlotValue | None:
    value = slot_type.phrases.get(tuple(tokens))
    if value is None:
        return None
    original = " ".join(tokens)
    return SlotValue(original, value if slot_type.top_resolution else original, (value,))


def _number(tokens: Sequence[str]) -> SlotValue | None:
    number = parse_number(tokens)
    if number is None:
        return None
    return SlotValue.exact(" ".join(tokens), format(number, "f"))


def _confirmation(tokens: Sequence[str]) -> SlotValue | None:
    answer = yes_or_no(tokens)
    if answer is None or len(tokens) > 4:
        return None
    return SlotValue.exact(" ".join(tokens), "Yes" if answer else "No")

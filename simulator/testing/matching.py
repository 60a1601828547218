"""How a heard prompt matches an expected message, and how an Assert compares a value.

Connect documents ``Inclusion`` (the heard message contains the expected text) and
``Similarity`` ("semantic matching") without a threshold. Ours: both texts are normalised
(lower case, punctuation dropped, whitespace collapsed) and compared with difflib's ratio;
``SIMILARITY_THRESHOLD`` or more is a match. A heard prompt that *includes* the expected text
also counts as similar, so a short expected greeting matches a longer prompt that opens with it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable

from simulator.flows.participant import strip_ssml

#: difflib.SequenceMatcher ratio of the normalised texts at or above which they are "similar":
#: "Your balance is $120.50" and "Your balance is $99.00" are (0.84); "Your balance is" and
#: "Goodbye" are not.
SIMILARITY_THRESHOLD = 0.8

_NOT_WORD = re.compile(r"[^\w$.]+|(?<!\d)\.|\.(?!\d)")


def normalise(text: str) -> str:
    """Lower case, words only (a decimal point and $ kept: amounts stay readable)."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def similarity(expected: str, heard: str) -> float:
    return difflib.SequenceMatcher(None, normalise(expected), normalise(heard)).ratio()


def expected_text(properties: dict[str, object]) -> str:
    """What a MessageReceived event expects to hear: its Text, or its SSML as spoken."""
    if properties.get("Text") is not None:
        return str(properties["Text"])
    if properties.get("SSML") is not None:
        return strip_ssml(str(properties["SSML"]))
    if properties.get("PromptId") is not None:
        return f"[prompt {properties['PromptId']}]"
    return ""


def message_matches(properties: dict[str, object], heard: str) -> bool:
    expected = expected_text(properties)
    if not expected:
        return True  # a MessageReceived with nothing to compare matches any message
    included = normalise(expected) in normalise(heard)
    if str(properties.get("MatchingCriteria") or "Inclusion") == "Similarity":
        return included or similarity(expected, heard) >= SIMILARITY_THRESHOLD
    return included


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str | None, str], bool]:
    def check(actual: str | None, operand: str) -> bool:
        left, right = _number(actual or ""), _number(operand)
        return left is not None and right is not None and compare(left, right)

    return check


#: The Assert operators the Testing language documents (Exists takes no operand).
OPERATORS: dict[str, Callable[[str | None, str], bool]] = {
    "Equals": lambda actual, operand: actual == operand,
    "TextStartsWith": lambda actual, operand: (actual or "").startswith(operand),
    "TextEndsWith": lambda actual, operand: (actual or "").endswith(operand),
    "TextContains": lambda actual, operand: operand in (actual or ""),
    "NumberGreaterThan": _numeric(lambda a, b: a > b),
    "NumberGreaterOrEqualTo": _numeric(lambda a, b: a >= b),
    "NumberLessThan": _numeric(lambda a, b: a < b),
    "NumberLessOrEqualTo": _numeric(lambda a, b: a <= b),
    "Exists": lambda actual, operand: actual is not None,
}

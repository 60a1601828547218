"""Utterance normalisation: the one tokenizer for the matcher, the templates and the resolvers."""

from __future__ import annotations

import re

#: Lex V2 RecognizeText accepts at most 1024 characters of text.
MAX_TEXT_CHARS = 1024

_MONEY = re.compile(r"\$\s*(\d[\d,]*(?:\.\d+)?)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_DOTTED_MERIDIEM = re.compile(r"\b([ap])\.\s?m\b\.?")
_GLUED_MERIDIEM = re.compile(r"(\d)(am|pm)\b")
_TOKEN = re.compile(
    r"\d{4}-\d{2}-\d{2}"  # ISO date
    r"|\d{1,2}/\d{1,2}/\d{4}"  # US date
    r"|(?<![\w.])-?\d+(?:[.:]\d+)?(?:st|nd|rd|th)?"  # 50, -5, 50.25, 3:30, 3rd
    r"|[a-z]+(?:'[a-z]+)*"  # words, what's, o'clock
    r"|\{\w+\}"  # a slot reference in a sample utterance
)


def words(text: str) -> tuple[str, ...]:
    """A word list written as one string: words("yes yeah yep")."""
    return tuple(text.split())


def normalise(text: str) -> list[str]:
    """Lower-case word tokens: '$50' -> '50 dollars', '3:30PM' -> '3:30 pm', punctuation dropped."""
    text = text[:MAX_TEXT_CHARS].lower().replace("\u2019", "'")
    text = _MONEY.sub(r"\1 dollars", text)
    text = _THOUSANDS.sub("", text)
    text = _DOTTED_MERIDIEM.sub(r"\1m", text)
    text = _GLUED_MERIDIEM.sub(r"\1 \2", text)
    return _TOKEN.findall(text)


def template_tokens(utterance: str) -> list[str]:
    """A sample utterance's tokens; slot references keep their case: 'pay {Amount}'."""
    slots = {ref.lower(): ref for ref in re.findall(r"\{\w+\}", utterance)}
    return [slots.get(token, token) for token in normalise(utterance)]

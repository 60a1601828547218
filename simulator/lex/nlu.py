"""Utterance -> intent and slots, from the bot's own sample utterances and slot types.

First an exact match against a sample utterance, capturing slot values where the template names a
slot (``pay {Amount} dollars``). Failing that, a word-overlap score (F1 over content words, slot
values set aside) against every sample utterance; the best intent wins if it clears the locale's
NluConfidenceThreshold. Otherwise the answer is the fallback intent, as in Lex. Equal scores go
to the intent whose matched words are rarer across the bot's intents ("get me an agent" shares
"agent" with one intent and "account" with three): a model like Lex's weighs a word that names
one intent above one that many intents use.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from simulator.lex.bot import BotDef, IntentDef
from simulator.lex.slots import resolve_slot
from simulator.lex.text import normalise, words
from simulator.lex.values import SlotValue

#: Longest span of words one slot value may take ("one hundred and twenty five thousand").
MAX_SPAN = 8
#: Words considered per utterance; a caller's turn is short, and matching backtracks.
MAX_TOKENS = 40
_STOPWORDS = frozenset(
    words(
        "a an the i i'd i'm i'll me my to of for on at in and or is it it's be am are please "
        "can could would will you your what what's how do does want like need um uh er just "
        "some this that with about so well hi hello hey there yes ok okay"
    )
)


@dataclass(frozen=True)
class Interpretation:
    intent: str
    slots: dict[str, SlotValue] = field(default_factory=dict)
    confidence: float | None = None  # Lex gives none for the fallback intent


class Recogniser:
    def __init__(self, bot: BotDef) -> None:
        self.bot = bot
        intents = self._intents()
        used_by = Counter(
            word
            for intent in intents
            for word in {w for t in intent.templates for w in _content(t)}
        )
        #: How much a matched word says about the intent (inverse intent frequency).
        self._weight = {word: math.log((len(intents) + 1) / n) for word, n in used_by.items()}

    def interpret(self, text: str, today: date) -> list[Interpretation]:
        """Every intent, best first; the fallback intent first when nothing matches well enough."""
        tokens = normalise(text)[:MAX_TOKENS]
        exact = self._exact(tokens, today)
        ranked = sorted(
            (self._scored(intent, tokens, today) for intent in self._intents()),
            key=lambda found: (found[0].confidence or 0.0, found[1]),
            reverse=True,
        )
        scored = [interpretation for interpretation, _ in ranked]
        fallback = Interpretation(self.bot.fallback.name)
        if exact is not None:
            return [exact, *(s for s in scored if s.intent != exact.intent), fallback]
        if scored and (scored[0].confidence or 0.0) >= self.bot.confidence_threshold:
            return [*scored, fallback]
        return [fallback, *scored]

    def slot_value(self, type_name: str, text: str, today: date) -> SlotValue | None:
        """The answer to a slot prompt: the whole reply, else the best span in it ("it's 50")."""
        tokens = normalise(text)[:MAX_TOKENS]
        whole = self._resolve(type_name, tokens, today)
        if whole is not None:
            return whole
        found = self._find(type_name, tokens, today, used=set())
        return found[0] if found else None

    def _intents(self) -> list[IntentDef]:
        return [intent for intent in self.bot.intents.values() if not intent.is_fallback]

    def _resolve(self, type_name: str, tokens: Sequence[str], today: date) -> SlotValue | None:
        return resolve_slot(type_name, tokens, slot_types=self.bot.slot_types, today=today)

    # --- exact template match -------------------------------------------------------------------

    def _exact(self, tokens: list[str], today: date) -> Interpretation | None:
        best: tuple[int, Interpretation] | None = None
        for intent in self._intents():
            for template in intent.templates:
                slots = self._match(intent, template, tokens, today)
                literals = sum(not part.startswith("{") for part in template)
                if slots is not None and (best is None or literals > best[0]):
                    best = (literals, Interpretation(intent.name, slots, 1.0))
        return best[1] if best else None

    def _match(
        self, intent: IntentDef, template: Sequence[str], tokens: Sequence[str], today: date
    ) -> dict[str, SlotValue] | None:
        """Template parts against tokens; a slot takes the longest span that resolves and lets the
        rest of the template match (backtracking)."""
        if not template:
            return {} if not tokens else None
        head, rest = template[0], template[1:]
        if not head.startswith("{"):
            if tokens and tokens[0] == head:
                return self._match(intent, rest, tokens[1:], today)
            return None
        slot = intent.slots[head[1:-1]]
        for end in range(min(len(tokens), MAX_SPAN), 0, -1):
            value = self._resolve(slot.type_name, tokens[:end], today)
            if value is None:
                continue
            found = self._match(intent, rest, tokens[end:], today)
            if found is not None:
                return {slot.name: value, **found}
        return None

    # --- word-overlap score ---------------------------------------------------------------------

    def _scored(
        self, intent: IntentDef, tokens: list[str], today: date
    ) -> tuple[Interpretation, float]:
        """The intent's best F1 over its sample utterances, and the weight of the words that
        best one matched (to break ties)."""
        used: set[int] = set()
        slots: dict[str, SlotValue] = {}
        for slot in intent.slots.values():
            found = self._find(slot.type_name, tokens, today, used)
            if found is not None:
                slots[slot.name], positions = found
                used |= positions
        said = _content(token for index, token in enumerate(tokens) if index not in used)
        best, weight = 0.0, 0.0
        for template in intent.templates:
            expected = _content(template)
            score = round(_f1(expected, said), 2)
            matched = sum(self._weight.get(word, 0.0) for word in expected & said)
            if (score, matched) > (best, weight):
                best, weight = score, matched
        return Interpretation(intent.name, slots, best), weight

    def _find(
        self, type_name: str, tokens: list[str], today: date, used: set[int]
    ) -> tuple[SlotValue, set[int]] | None:
        """The longest (then earliest) span of unused words that resolves to the type."""
        for length in range(min(len(tokens), MAX_SPAN), 0, -1):
            for start in range(len(tokens) - length + 1):
                positions = set(range(start, start + length))
                if positions & used:
                    continue
                value = self._resolve(type_name, tokens[start : start + length], today)
                if value is not None:
                    return value, positions
        return None


def _content(words: Iterable[str]) -> frozenset[str]:
    return frozenset(
        _stem(word) for word in words if word not in _STOPWORDS and not word.startswith("{")
    )


def _stem(word: str) -> str:
    """Enough stemming for 'payments'/'payment', 'paying'/'pay', 'agents'/'agent'."""
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("s") and len(word) > 3 and not word.endswith("ss"):
        return word[:-1]
    return word


def _f1(expected: frozenset[str], said: frozenset[str]) -> float:
    overlap = len(expected & said)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(said), overlap / len(expected)
    return 2 * precision * recall / (precision + recall)

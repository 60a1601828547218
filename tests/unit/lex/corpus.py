"""The labelled utterance corpus, classified by the Lex emulator with the real code hook."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from simulator.context import lambda_context
from simulator.lex import LexEmulator
from simulator.paths import LEX_BOTS
from tests.unit.lex.helpers import ALIAS, clock

CORPUS = Path(__file__).with_name("utterance_corpus.yaml")
#: The label for "the bot asks a short clarifying question" (the ClarifyRequest intent's answer).
CLARIFY = "clarify"
CLARIFY_INTENT = "ClarifyRequest"


@dataclass
class Score:
    """How many corpus lines the bot got right, per label, and the ones it got wrong."""

    total: int = 0
    right: int = 0
    per_label: dict[str, tuple[int, int]] = field(default_factory=dict)  # label -> (right, all)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # said, expected, got

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    def lines(self) -> list[str]:
        shown = [f"utterance corpus: {self.right}/{self.total} right, accuracy {self.accuracy:.1%}"]
        for label, (right, count) in sorted(self.per_label.items()):
            shown.append(f"  {label}: {right}/{count}")
        for said, want, got in self.misses:
            shown.append(f"  missed: {said!r} -> {got} (expected {want})")
        return shown


def load_corpus() -> list[tuple[str, str]]:
    """(utterance, expected label) pairs, in file order."""
    data: dict[str, list[str]] = yaml.safe_load(CORPUS.read_text())
    return [(said, label) for label, lines in data.items() for said in lines]


def classify(lex: LexEmulator, said: str) -> str:
    """What the bot does with ``said`` as a caller's first words: the intent it starts, or
    "clarify" when the code hook answers with a clarifying question."""
    turn = lex.recognize_text(ALIAS, str(uuid.uuid4()), said, {})
    intent = turn.intent_name or turn.session_attributes.get("intent", "")
    return CLARIFY if intent == CLARIFY_INTENT else intent


def emulator() -> LexEmulator:
    import lex_fulfil

    context = lambda_context("LexFulfilFunction")
    return LexEmulator(LEX_BOTS, clock, lambda event: lex_fulfil.lambda_handler(event, context))


@cache
def score_corpus() -> Score:
    """Scored once per run: the accuracy test and the run's summary share it."""
    lex = emulator()
    score = Score()
    for said, expected in load_corpus():
        got = classify(lex, said)
        right, count = score.per_label.get(expected, (0, 0))
        score.per_label[expected] = (right + (got == expected), count + 1)
        score.total += 1
        score.right += got == expected
        if got != expected:
            score.misses.append((said, expected, got))
    return score


def sample_utterances() -> set[str]:
    """Every sample utterance of the bot, normalised as the corpus check compares them."""
    bot = json.loads((LEX_BOTS / "ivr_bot.json").read_text())
    return {
        normalised(sample["Utterance"])
        for locale in bot["BotLocales"]
        for intent in locale["Intents"]
        for sample in intent.get("SampleUtterances", [])
    }


def normalised(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").strip(" .?!").split())

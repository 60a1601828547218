"""Utterance -> intent and slots, from the IVR bot's own sample utterances and slot types."""

from __future__ import annotations

import pytest

from simulator.lex import LexEmulator
from simulator.lex.bot import load_bots
from simulator.lex.nlu import Recogniser
from simulator.paths import LEX_BOTS
from tests.unit.lex.helpers import ALIAS, NOW

BOT = load_bots(LEX_BOTS)["IvrBot"]
recogniser = Recogniser(BOT)


def top(said: str) -> tuple[str, dict[str, str | None]]:
    best = recogniser.interpret(said, NOW.date())[0]
    return best.intent, {name: value.interpreted for name, value in best.slots.items()}


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("what's my balance", "CheckBalance"),
        ("How much do I owe?", "CheckBalance"),
        ("uh, what do I owe you", "CheckBalance"),
        ("I want to pay my bill", "MakePayment"),
        ("I'd like to make a payment please", "MakePayment"),
        ("payments", "MakePayment"),
        ("let me talk to a person", "TalkToAgent"),
        ("Representative!", "TalkToAgent"),
        ("agent please", "TalkToAgent"),
        ("can I speak to a real person please", "TalkToAgent"),
        ("I want to speak with a human being", "TalkToAgent"),
        ("call me back", "RequestCallback"),
        ("could you call me back later", "RequestCallback"),
    ],
)
def test_callers_phrasings_find_their_intent(said: str, intent: str) -> None:
    assert top(said)[0] == intent


@pytest.mark.parametrize("said", ["what's the weather like", "blah blah", "", "purple monkey"])
def test_unrelated_speech_goes_to_the_fallback_intent(said: str) -> None:
    assert top(said) == ("FallbackIntent", {})


def test_template_captures_the_amount() -> None:
    assert top("pay 50 dollars") == ("MakePayment", {"Amount": "50"})
    assert top("Pay $50.25") == ("MakePayment", {"Amount": "50.25"})
    assert top("pay one hundred and twenty dollars") == ("MakePayment", {"Amount": "120"})


def test_overlap_match_still_finds_the_amount() -> None:
    assert top("I'd like to pay like 50 bucks") == ("MakePayment", {"Amount": "50"})


def test_custom_slot_synonym_resolves_to_its_value() -> None:
    intent, slots = top("I'd like to pay online")
    assert (intent, slots) == ("MakePayment", {"PaymentMethod": "portal"})
    assert top("pay over the phone") == ("MakePayment", {"PaymentMethod": "phone"})


def test_synonym_keeps_what_the_caller_said_as_original_value() -> None:
    best = recogniser.interpret("pay by text message", NOW.date())[0]
    value = best.slots["PaymentMethod"]
    assert (value.original, value.interpreted, value.resolved) == (
        "text message",
        "portal",
        ("portal",),
    )


def test_callback_date_and_time_are_captured_relative_to_the_clock() -> None:
    assert top("call me back tomorrow at 3 pm") == (
        "RequestCallback",
        {"CallbackDate": "2026-11-27", "CallbackTime": "15:00"},
    )
    assert top("schedule a callback for December 3rd at noon") == (
        "RequestCallback",
        {"CallbackDate": "2026-12-03", "CallbackTime": "12:00"},
    )


def test_ambiguous_callback_time_is_captured_unresolved() -> None:
    best = recogniser.interpret("call me back on Monday at half past ten", NOW.date())[0]
    time = best.slots["CallbackTime"]
    assert best.slots["CallbackDate"].interpreted == "2026-11-30"
    assert (time.interpreted, time.resolved) == (None, ("10:30", "22:30"))


def test_exact_matches_are_fully_confident_and_rank_other_intents_after() -> None:
    ranking = recogniser.interpret("representative", NOW.date())
    assert ranking[0].intent == "TalkToAgent" and ranking[0].confidence == 1.0
    assert ranking[-1].intent == "FallbackIntent" and ranking[-1].confidence is None
    assert {found.intent for found in ranking} == set(BOT.intents)


def test_emulator_turn_reports_intent_and_slots_without_a_lambda(bare_lex: LexEmulator) -> None:
    turn = bare_lex.recognize_text(ALIAS, "c-1", "pay 75 dollars online", {})
    assert (turn.intent_name, turn.dialog_action, turn.intent_state) == (
        "MakePayment",
        "Close",
        "ReadyForFulfillment",
    )
    assert turn.slots == {"Amount": "75", "PaymentMethod": "portal"}
    assert turn.finished


def test_fallback_without_a_lambda_closes_with_the_fallback_intent(bare_lex: LexEmulator) -> None:
    turn = bare_lex.recognize_text(ALIAS, "c-2", "do you sell garden furniture", {})
    assert (turn.intent_name, turn.dialog_action) == ("FallbackIntent", "Close")

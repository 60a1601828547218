"""Whole Lex dialogs of the IVR bot, with the real lex_fulfil code hook answering Lex's events."""

from __future__ import annotations

import json

from simulator.lex import LexEmulator
from tests.unit.lex.helpers import ALIAS


def transcript(lex: LexEmulator, session: str) -> list[dict[str, str]]:
    state = lex.session(ALIAS, session)
    assert state is not None
    entries: list[dict[str, str]] = json.loads(state.attributes["transcript"])
    return entries


def test_ambiguous_callback_time_is_asked_am_or_pm_then_scheduled(lex: LexEmulator) -> None:
    # 7 AM and 7 PM are both outside the 8-to-6 hours: only the caller can say which they meant.
    turn = lex.recognize_text(ALIAS, "c", "call me back tomorrow at seven o'clock", {})
    assert (turn.dialog_action, turn.messages) == ("ElicitSlot", ["Did you mean 7 AM or 7 PM?"])
    assert turn.slots == {"CallbackDate": "2026-11-27", "CallbackTime": None}
    turn = lex.recognize_text(ALIAS, "c", "in the evening", {})
    assert (turn.intent_name, turn.intent_state) == ("RequestCallback", "Fulfilled")
    assert turn.slots == {"CallbackDate": "2026-11-27", "CallbackTime": "19:00"}
    assert turn.messages == ["Let me check Friday, November 27 at 7 PM for your callback."]
    assert "callbackTimeChoices" not in turn.session_attributes


def test_day_without_a_time_gets_the_bots_time_prompt(lex: LexEmulator) -> None:
    turn = lex.recognize_text(ALIAS, "c", "call me back on Friday", {})
    assert (turn.dialog_action, turn.messages) == ("ElicitSlot", ["What time should we call you?"])
    turn = lex.recognize_text(ALIAS, "c", "3:30 pm", {})
    assert turn.slots == {"CallbackDate": "2026-11-27", "CallbackTime": "15:30"}
    assert turn.finished


def test_payment_over_the_limit_is_asked_again_then_accepted(lex: LexEmulator) -> None:
    turn = lex.recognize_text(ALIAS, "p", "I want to pay 20000 dollars", {})
    assert turn.dialog_action == "ElicitSlot" and turn.slots["Amount"] is None
    assert turn.messages == [
        "I can take up to 10,000 dollars over the phone. How much would you like to pay?"
    ]
    turn = lex.recognize_text(ALIAS, "p", "it's one hundred and twenty", {})
    assert (turn.intent_state, turn.slots["Amount"]) == ("Fulfilled", "120")
    assert turn.messages == ["Okay, let's take your payment of $120.00."]
    assert "invalidReplies" not in turn.session_attributes


def test_three_bad_amounts_hand_the_caller_over(lex: LexEmulator) -> None:
    for said in ("pay 12.345", "minus five", "99999"):
        turn = lex.recognize_text(ALIAS, "p", said, {})
    assert (turn.dialog_action, turn.intent_state, turn.messages) == (
        "Close",
        "Failed",
        ["Let me get someone to help you."],
    )
    assert turn.slots["Amount"] is None


def test_caller_can_change_their_mind_while_a_slot_is_asked(lex: LexEmulator) -> None:
    lex.recognize_text(ALIAS, "m", "call me back on Friday", {})
    turn = lex.recognize_text(ALIAS, "m", "actually what's my balance", {})
    assert (turn.intent_name, turn.intent_state) == ("CheckBalance", "Fulfilled")


def test_first_fallback_reprompts_and_the_second_hands_over(lex: LexEmulator) -> None:
    turn = lex.recognize_text(ALIAS, "f", "do you sell garden furniture", {})
    assert (turn.dialog_action, turn.intent_name) == ("ElicitIntent", None)
    assert turn.messages[0].startswith("Sorry, I didn't catch that. You can say")
    turn = lex.recognize_text(ALIAS, "f", "still about the furniture", {})
    assert (turn.intent_name, turn.intent_state, turn.dialog_action) == (
        "FallbackIntent",
        "Failed",
        "Close",
    )


def test_transcript_records_both_sides_once_per_turn_with_digits_masked(lex: LexEmulator) -> None:
    lex.recognize_text(ALIAS, "t", "pay 45 dollars", {"CustomerFirstName": "Ana"})
    entries = transcript(lex, "t")
    assert entries == [
        {"who": "caller", "text": "pay •• dollars"},
        {"who": "bot", "text": "Okay, let's take your payment of $45.00."},
    ]


def test_intent_and_connect_attributes_are_in_the_session(lex: LexEmulator) -> None:
    turn = lex.recognize_text(ALIAS, "a", "agent please", {"CustomerFirstName": "Ana"})
    assert turn.session_attributes["intent"] == "TalkToAgent"
    assert turn.session_attributes["CustomerFirstName"] == "Ana"
    assert turn.messages == []  # the flow says "Connecting you to an agent." once

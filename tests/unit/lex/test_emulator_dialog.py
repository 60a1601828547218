"""The emulator drives a dialog as Lex V2 does, and obeys (or rejects) the code hook's answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from simulator.lex import (
    CodeHookError,
    InvalidCodeHookResponseError,
    LexEmulator,
    UnknownBotError,
)
from simulator.paths import LEX_BOTS
from simulator.ports import LambdaInvocationError
from tests.unit.lex.helpers import NOW, ScriptedHook, clock, write_bot

ALIAS = "CoffeeBotAlias"
HOOKS = {"DialogCodeHook": {"Enabled": True}, "FulfillmentCodeHook": {"Enabled": True}}


@pytest.fixture
def coffee(tmp_path: Path) -> LexEmulator:
    """Lex's own dialog: no code hook."""
    return LexEmulator(write_bot(tmp_path), clock)


def hooked(tmp_path: Path, hook: ScriptedHook) -> LexEmulator:
    return LexEmulator(write_bot(tmp_path, **HOOKS), clock, hook)


def answer(kind: str, intent: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"dialogAction": {"type": kind, **extra.pop("action", {})}}
    if intent is not None:
        state["intent"] = intent
    state.update(extra.pop("state", {}))
    return {"sessionState": state, **extra}


def coffee_intent(size: str | None = None, state: str = "InProgress") -> dict[str, Any]:
    slot = None
    if size:
        value = {"originalValue": size, "interpretedValue": size, "resolvedValues": [size]}
        slot = {"shape": "Scalar", "value": value}
    return {"name": "OrderCoffee", "slots": {"Size": slot}, "state": state}


# --- Lex's own dialog ----------------------------------------------------------------------------


def test_required_slot_is_elicited_with_its_prompt(coffee: LexEmulator) -> None:
    turn = coffee.recognize_text(ALIAS, "s", "I want a coffee", {})
    assert (turn.dialog_action, turn.intent_name, turn.messages) == (
        "ElicitSlot",
        "OrderCoffee",
        ["What size?"],
    )
    assert not turn.finished


def test_confirmation_prompt_names_the_slot_value_and_yes_fulfils(coffee: LexEmulator) -> None:
    coffee.recognize_text(ALIAS, "s", "I want a coffee", {})
    turn = coffee.recognize_text(ALIAS, "s", "venti", {})
    assert (turn.dialog_action, turn.messages) == ("ConfirmIntent", ["A large coffee, right?"])
    turn = coffee.recognize_text(ALIAS, "s", "yes please", {})
    assert (turn.dialog_action, turn.intent_state, turn.slots) == (
        "Close",
        "ReadyForFulfillment",
        {"Size": "large"},
    )


def test_no_to_the_confirmation_declines(coffee: LexEmulator) -> None:
    coffee.recognize_text(ALIAS, "s", "a tall coffee", {})
    turn = coffee.recognize_text(ALIAS, "s", "no, that's wrong", {})
    assert (turn.dialog_action, turn.intent_state, turn.messages) == (
        "Close",
        "Failed",
        ["Cancelled."],
    )


def test_unrecognised_slot_answer_is_retried_then_the_fallback_intent_runs(
    coffee: LexEmulator,
) -> None:
    coffee.recognize_text(ALIAS, "s", "I want a coffee", {})
    retry = coffee.recognize_text(ALIAS, "s", "gigantic", {})
    assert (retry.dialog_action, retry.messages) == ("ElicitSlot", ["What size?"])
    given_up = coffee.recognize_text(ALIAS, "s", "enormous", {})  # MaxRetries is 1
    assert (given_up.intent_name, given_up.dialog_action) == ("FallbackIntent", "Close")


def test_unclear_confirmation_answer_is_asked_again(coffee: LexEmulator) -> None:
    coffee.recognize_text(ALIAS, "s", "a small coffee", {})
    turn = coffee.recognize_text(ALIAS, "s", "hmm", {})
    assert (turn.dialog_action, turn.messages) == ("ConfirmIntent", ["A small coffee, right?"])


def test_a_new_utterance_after_close_starts_a_new_intent(coffee: LexEmulator) -> None:
    coffee.recognize_text(ALIAS, "s", "a small coffee", {})
    coffee.recognize_text(ALIAS, "s", "yes", {})
    turn = coffee.recognize_text(ALIAS, "s", "I want a coffee", {})
    assert (turn.dialog_action, turn.slots) == ("ElicitSlot", {"Size": None})


def test_sessions_are_separate_and_expire_after_the_idle_ttl(tmp_path: Path) -> None:
    now = [NOW]
    lex = LexEmulator(write_bot(tmp_path), lambda: now[0])
    lex.recognize_text(ALIAS, "a", "I want a coffee", {})
    assert lex.recognize_text(ALIAS, "b", "small", {}).intent_name == "FallbackIntent"
    now[0] += timedelta(seconds=301)
    turn = lex.recognize_text(ALIAS, "a", "small", {})
    assert turn.intent_name == "FallbackIntent"  # the elicitation was forgotten


def test_a_fresh_emulator_shares_the_parsed_bots_but_no_session(tmp_path: Path) -> None:
    parsed = LexEmulator(write_bot(tmp_path), clock, aliases={"Counter": "CoffeeBot"})
    parsed.recognize_text(ALIAS, "a", "I want a coffee", {})  # waits for a size now
    hook = ScriptedHook()
    call = parsed.fresh(lambda: NOW + timedelta(hours=1), hook)
    assert call.bots is parsed.bots and call.aliases == parsed.aliases
    assert (call.session(ALIAS, "a"), call.clock(), call.code_hook) == (
        None,
        NOW + timedelta(hours=1),
        hook,
    )
    assert call.recognize_text(ALIAS, "a", "small", {}).intent_name == "FallbackIntent"
    # The original's dialog goes on where it was, and the new call's session is not in it.
    assert parsed.recognize_text(ALIAS, "a", "small", {}).intent_name == "OrderCoffee"
    call.recognize_text(ALIAS, "b", "I want a coffee", {})
    assert parsed.session(ALIAS, "b") is None
    call.aliases["Other"] = "CoffeeBot"
    assert "Other" not in parsed.aliases


def test_clock_must_be_time_zone_aware(tmp_path: Path) -> None:
    lex = LexEmulator(write_bot(tmp_path), lambda: datetime(2026, 11, 26, 9, 30))
    with pytest.raises(ValueError, match="aware"):
        lex.recognize_text(ALIAS, "s", "I want a coffee", {})


# --- the code hook event -------------------------------------------------------------------------


def test_dialog_code_hook_event_has_the_lex_v2_shape(tmp_path: Path) -> None:
    hook = ScriptedHook()
    lex = hooked(tmp_path, hook)
    lex.recognize_text(ALIAS, "s-1", "I want a coffee", {"CustomerFirstName": "Ana"})
    event = hook.events[0]
    assert event["messageVersion"] == "1.0"
    assert event["invocationSource"] == "DialogCodeHook"
    assert (event["inputMode"], event["inputTranscript"], event["sessionId"]) == (
        "Speech",
        "I want a coffee",
        "s-1",
    )
    assert set(event["bot"]) == {"id", "name", "aliasId", "aliasName", "localeId", "version"}
    assert event["bot"]["name"] == "CoffeeBot"
    first = event["interpretations"][0]
    assert (first["interpretationSource"], first["nluConfidence"]) == ("Lex", 1.0)
    assert first["intent"]["name"] == "OrderCoffee"
    assert event["proposedNextState"] == {
        "dialogAction": {"type": "ElicitSlot", "slotToElicit": "Size"},
        "intent": event["sessionState"]["intent"],
        "prompt": {"attempt": "Initial"},
    }
    state = event["sessionState"]
    assert state["sessionAttributes"] == {"CustomerFirstName": "Ana"}
    assert state["intent"] == {
        "name": "OrderCoffee",
        "slots": {"Size": None},
        "state": "InProgress",
        "confirmationState": "None",
    }
    assert event["transcriptions"][0]["transcription"] == "I want a coffee"


def test_slot_values_reach_the_hook_in_scalar_shape(tmp_path: Path) -> None:
    hook = ScriptedHook()
    lex = hooked(tmp_path, hook)
    lex.recognize_text(ALIAS, "s", "a tall coffee", {}, input_mode="DTMF")
    event = hook.events[0]
    assert event["sessionState"]["intent"]["slots"]["Size"] == {
        "shape": "Scalar",
        "value": {
            "originalValue": "tall",
            "interpretedValue": "small",
            "resolvedValues": ["small"],
        },
    }
    assert event["inputMode"] == "DTMF" and "transcriptions" not in event
    assert event["proposedNextState"]["dialogAction"] == {"type": "ConfirmIntent"}


def test_retry_is_announced_in_the_proposed_prompt_attempt(tmp_path: Path) -> None:
    hook = ScriptedHook()
    lex = hooked(tmp_path, hook)
    lex.recognize_text(ALIAS, "s", "I want a coffee", {})
    lex.recognize_text(ALIAS, "s", "gigantic", {})
    assert hook.events[-1]["proposedNextState"]["prompt"] == {"attempt": "Retry1"}
    assert hook.events[-1]["sessionState"]["dialogAction"] == {
        "type": "ElicitSlot",
        "slotToElicit": "Size",
    }


def test_real_alias_arn_gives_the_event_its_ids(tmp_path: Path) -> None:
    hook = ScriptedHook()
    lex = hooked(tmp_path, hook)
    arn = "arn:aws:lex:us-east-1:123456789012:bot-alias/COFFEEBOT1/ALIAS12345"
    lex.recognize_text(arn, "s", "I want a coffee", {})
    assert (hook.events[0]["bot"]["id"], hook.events[0]["bot"]["aliasId"]) == (
        "COFFEEBOT1",
        "ALIAS12345",
    )


# --- obeying the answer --------------------------------------------------------------------------


def test_delegate_lets_lex_elicit_confirm_then_call_fulfilment(tmp_path: Path) -> None:
    hook = ScriptedHook()
    lex = hooked(tmp_path, hook)
    assert lex.recognize_text(ALIAS, "s", "I want a coffee", {}).messages == ["What size?"]
    lex.recognize_text(ALIAS, "s", "large", {})
    turn = lex.recognize_text(ALIAS, "s", "yes", {})
    assert [e["invocationSource"] for e in hook.events] == [
        "DialogCodeHook",
        "DialogCodeHook",
        "DialogCodeHook",
        "FulfillmentCodeHook",
    ]
    assert hook.events[2]["sessionState"]["intent"]["confirmationState"] == "Confirmed"
    assert hook.events[3]["sessionState"]["intent"]["state"] == "ReadyForFulfillment"
    assert (turn.dialog_action, turn.intent_state) == ("Close", "Fulfilled")


def test_elicit_slot_with_a_message_replaces_the_prompt(tmp_path: Path) -> None:
    message = [{"contentType": "PlainText", "content": "We only have small or large."}]
    hook = ScriptedHook(
        answer("ElicitSlot", coffee_intent(), action={"slotToElicit": "Size"}, messages=message)
    )
    turn = hooked(tmp_path, hook).recognize_text(ALIAS, "s", "I want a coffee", {})
    assert (turn.dialog_action, turn.messages) == ("ElicitSlot", ["We only have small or large."])


def test_close_ends_the_intent_with_the_hooks_state_and_message(tmp_path: Path) -> None:
    message = [{"contentType": "SSML", "content": "<speak>Sold out.</speak>"}]
    hook = ScriptedHook(answer("Close", coffee_intent(state="Failed"), messages=message))
    turn = hooked(tmp_path, hook).recognize_text(ALIAS, "s", "I want a coffee", {})
    assert (turn.dialog_action, turn.intent_state, turn.messages) == (
        "Close",
        "Failed",
        ["Sold out."],
    )
    assert turn.finished


def test_elicit_intent_drops_the_intent(tmp_path: Path) -> None:
    message = [{"contentType": "PlainText", "content": "What else?"}]
    hook = ScriptedHook(answer("ElicitIntent", messages=message))
    turn = hooked(tmp_path, hook).recognize_text(ALIAS, "s", "I want a coffee", {})
    assert (turn.dialog_action, turn.intent_name, turn.messages) == (
        "ElicitIntent",
        None,
        ["What else?"],
    )
    assert not turn.finished


def test_hook_can_fill_a_slot_and_set_attributes(tmp_path: Path) -> None:
    hook = ScriptedHook(
        answer("Delegate", coffee_intent("small"), state={"sessionAttributes": {"n": "1"}})
    )
    lex = hooked(tmp_path, hook)
    turn = lex.recognize_text(ALIAS, "s", "I want a coffee", {"caller": "x"})
    assert (turn.dialog_action, turn.slots, turn.session_attributes) == (
        "ConfirmIntent",
        {"Size": "small"},
        {"n": "1"},
    )
    lex.recognize_text(ALIAS, "s", "yes", {})
    assert hook.events[-1]["sessionState"]["sessionAttributes"] == {"n": "1"}


def test_confirm_intent_from_the_hook_waits_for_yes_or_no(tmp_path: Path) -> None:
    message = [{"contentType": "PlainText", "content": "Small, OK?"}]
    hook = ScriptedHook(answer("ConfirmIntent", coffee_intent("small"), messages=message))
    lex = hooked(tmp_path, hook)
    assert lex.recognize_text(ALIAS, "s", "I want a coffee", {}).dialog_action == "ConfirmIntent"
    lex.recognize_text(ALIAS, "s", "nope", {})
    assert hook.events[-1]["sessionState"]["intent"]["confirmationState"] == "Denied"


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        ("not a dict", "must be an object"),
        ({}, "sessionState"),
        ({"sessionState": {"dialogAction": {"type": "Dance"}}}, "dialogAction.type"),
        (answer("ElicitIntent"), "ElicitIntent needs messages"),
        (answer("ConfirmIntent", coffee_intent("small")), "ConfirmIntent needs messages"),
        (answer("Close", coffee_intent(state="InProgress")), "Close needs intent.state"),
        (answer("ElicitSlot", coffee_intent(), action={"slotToElicit": "Milk"}), "slotToElicit"),
        (answer("ElicitSlot", {"name": "OrderTea", "slots": {}}), "not an intent of the bot"),
        (answer("Delegate", state={"sessionAttributes": {"n": 1}}), "must be a string"),
        (answer("Delegate", messages=[{"contentType": "PlainText"}]), "non-empty content"),
        (answer("Delegate", {"name": "OrderCoffee", "slots": {"Milk": None}}), "Milk"),
    ],
)
def test_invalid_hook_answers_are_rejected_like_lex_does(
    tmp_path: Path, response: Any, reason: str
) -> None:
    lex = hooked(tmp_path, ScriptedHook(lambda event: response))
    with pytest.raises(InvalidCodeHookResponseError, match=reason):
        lex.recognize_text(ALIAS, "s", "I want a coffee", {})


def test_a_failing_hook_is_a_lambda_invocation_error(tmp_path: Path) -> None:
    def broken(event: dict[str, Any]) -> dict[str, Any]:
        raise TimeoutError("8 seconds passed")

    lex = LexEmulator(write_bot(tmp_path, **HOOKS), clock, broken)
    with pytest.raises(CodeHookError) as caught:
        lex.recognize_text(ALIAS, "s", "I want a coffee", {})
    assert isinstance(caught.value, LambdaInvocationError)
    assert isinstance(caught.value.__cause__, TimeoutError)


# --- bots and aliases ----------------------------------------------------------------------------


def test_alias_reference_picks_the_bot_whose_name_it_contains(tmp_path: Path) -> None:
    write_bot(tmp_path)
    (tmp_path / "ivr_bot.json").write_text((LEX_BOTS / "ivr_bot.json").read_text())
    lex = LexEmulator(tmp_path, clock)
    assert lex.recognize_text("${CoffeeBotAlias}", "s", "a tall coffee", {}).intent_name == (
        "OrderCoffee"
    )
    assert lex.recognize_text("${IvrBotAlias}", "s", "representative", {}).intent_name == (
        "TalkToAgent"
    )
    with pytest.raises(UnknownBotError):
        lex.recognize_text("${SomeOtherBot}", "s", "hello", {})


def test_time_zone_session_attribute_moves_the_callers_today(tmp_path: Path) -> None:
    late_evening = NOW.replace(hour=23)  # Chicago 23:00 is already Friday in London
    hook = ScriptedHook()
    bot = tmp_path / "ivr"
    bot.mkdir()
    (bot / "ivr_bot.json").write_text((LEX_BOTS / "ivr_bot.json").read_text())
    lex = LexEmulator(bot, lambda: late_evening, hook)
    lex.recognize_text(
        "bot", "s", "call me back tomorrow", {"x-amz-lex:time-zone": "Europe/London"}
    )
    slots = hook.events[0]["sessionState"]["intent"]["slots"]
    assert slots["CallbackDate"]["value"]["interpretedValue"] == "2026-11-28"

"""Keys at every bot question and amounts as people say them (lambdas/ivr/conversation.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ivr.conversation import AMOUNT_HELP, MENU_HELP, reply, spoken_amount
from ivr.intents import SlotValue, Turn


def keyed(keys: str, keypad: str = "menu", intent: str = "FallbackIntent") -> Turn:
    return Turn(intent, True, keys, {}, {"keypad": keypad}, input_mode="DTMF")


@pytest.mark.parametrize(
    ("key", "intent"),
    [
        ("1", "CheckBalance"),
        ("2", "MakePayment"),
        ("3", "RequestCallback"),
        ("9", "EndConversation"),
        ("0", "TalkToAgent"),
    ],
)
def test_a_menu_key_means_what_the_spoken_request_means(key: str, intent: str) -> None:
    step = reply(keyed(key))
    assert (step.kind, step.intent) == ("fulfilled", intent)


def test_a_key_off_the_menu_explains_the_keys() -> None:
    step = reply(keyed("7"))
    assert (step.kind, step.message) == ("elicit_intent", MENU_HELP)


def test_keys_off_the_menu_again_and_again_hand_the_caller_over() -> None:
    first = reply(keyed("7"))
    second = reply(Turn("FallbackIntent", True, "8", {}, first.attributes, input_mode="DTMF"))
    third = reply(Turn("FallbackIntent", True, "8", {}, second.attributes, input_mode="DTMF"))
    assert third.kind == "failed"


def test_an_amount_keyed_in_cents_is_dollars_and_cents() -> None:
    step = reply(keyed("7500#", keypad="amount", intent="ChooseAmount"))
    amount = step.slots["Amount"]
    assert step.intent == "ChooseAmount" and amount is not None and amount.interpreted == "75.00"


def test_key_1_at_the_amount_question_takes_the_amount_offered() -> None:
    step = reply(keyed("1", keypad="amount"))
    assert (step.kind, step.intent, step.slots.get("Amount")) == ("fulfilled", "ChooseAmount", None)


def test_key_0_is_the_agent_at_the_amount_question_too() -> None:
    assert reply(keyed("0", keypad="amount")).intent == "TalkToAgent"


@pytest.mark.parametrize("keys", ["*", "2", "1234567890#"])
def test_keys_that_are_no_amount_explain_how_to_key_one(keys: str) -> None:
    assert reply(keyed(keys, keypad="amount")).message == AMOUNT_HELP


@pytest.mark.parametrize(
    ("said", "amount"),
    [
        ("seventy five", "75"),
        ("I can pay seventy-five today", "75"),
        ("a hundred and twenty fifty", "120.50"),
        ("seventy five dollars and fifty cents", "75.50"),
        ("one thousand two hundred and thirty four dollars", "1234"),
        ("pay 1,234.50", "1234.50"),
    ],
)
def test_spoken_amounts(said: str, amount: str) -> None:
    assert spoken_amount(said) == Decimal(amount)


def test_no_number_is_no_amount() -> None:
    assert spoken_amount("the full balance") is None


def test_the_cents_lex_lost_are_read_from_the_words() -> None:
    lex_read = SlotValue("a hundred and twenty", "120", ("120",))
    turn = Turn(
        "ChooseAmount",
        True,
        "a hundred and twenty fifty",
        {"Amount": lex_read},
        {"keypad": "amount"},
        input_mode="Speech",
    )
    amount = reply(turn).slots["Amount"]
    assert amount is not None and amount.interpreted == "120.50"


def test_a_bare_amount_at_the_main_menu_is_a_payment_of_it() -> None:
    turn = Turn(
        "ChooseAmount",
        True,
        "seventy five",
        {"Amount": SlotValue("seventy five", "75")},
        {"keypad": "menu"},
        input_mode="Speech",
    )
    step = reply(turn)
    assert (step.kind, step.intent) == ("fulfilled", "MakePayment")

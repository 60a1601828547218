"""An ambiguous request gets one short clarifying question, not a guess; the answer is a new
request as Lex hears it (ElicitIntent), and a caller still unclear is handed over."""

from __future__ import annotations

from ivr.intents import CLARIFY_ALREADY_PAID, CLARIFY_PAYMENT_OR_BALANCE, HAND_OVER
from simulator.lex import LexEmulator
from tests.unit.lex.helpers import ALIAS


def test_left_to_pay_is_asked_balance_or_payment_then_the_answer_is_followed(
    lex: LexEmulator,
) -> None:
    turn = lex.recognize_text(ALIAS, "c", "how much have I got left to pay", {})
    assert (turn.dialog_action, turn.intent_name) == ("ElicitIntent", None)
    assert turn.messages == [CLARIFY_PAYMENT_OR_BALANCE]
    turn = lex.recognize_text(ALIAS, "c", "I'd like to pay it", {})
    assert (turn.intent_name, turn.intent_state) == ("MakePayment", "Fulfilled")
    assert "clarifications" not in turn.session_attributes


def test_already_paid_is_offered_the_balance_or_an_agent(lex: LexEmulator) -> None:
    turn = lex.recognize_text(ALIAS, "p", "I'm sure I paid it already", {})
    assert turn.messages == [CLARIFY_ALREADY_PAID]
    turn = lex.recognize_text(ALIAS, "p", "hear my balance please", {})
    assert (turn.intent_name, turn.intent_state) == ("CheckBalance", "Fulfilled")


def test_a_caller_still_unclear_after_two_questions_is_handed_over(lex: LexEmulator) -> None:
    for said in ("it's about my bill", "my bill", "the bill again"):
        turn = lex.recognize_text(ALIAS, "u", said, {})
    assert (turn.intent_name, turn.intent_state, turn.dialog_action) == (
        "ClarifyRequest",
        "Failed",
        "Close",
    )
    assert turn.messages == [HAND_OVER]

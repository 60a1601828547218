"""The domain rules behind the Lex code hook: slot checks, replies, and the transcript."""

from __future__ import annotations

import json

import pytest

from ivr.intents import (
    HAND_OVER,
    INTENT_SLOTS,
    TRANSCRIPT,
    TRANSCRIPT_MAX_BYTES,
    SlotValue,
    Turn,
    accept_slot,
    add_to_transcript,
    amount_problem,
    mask_digits,
    next_step,
    read_transcript,
    spoken_time,
)
from simulator.lex.bot import load_bots
from simulator.paths import LEX_BOTS


def amount(text: str | None) -> SlotValue:
    return SlotValue(text or "", text, (text,) if text else ())


def payment(said: str, value: str | None, **attributes: str) -> Turn:
    return Turn("MakePayment", False, said, {"Amount": amount(value)}, attributes)


def test_domain_slots_agree_with_the_bot_definition() -> None:
    bot = load_bots(LEX_BOTS)["IvrBot"]
    assert {name: tuple(intent.slots) for name, intent in bot.intents.items()} == INTENT_SLOTS


@pytest.mark.parametrize("value", ["50", "0.01", "10000", "45.50", "45.5"])
def test_payable_amounts(value: str) -> None:
    assert amount_problem(amount(value)) is None


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("10000.01", "up to 10,000"),
        ("1e9", "up to 10,000"),
        ("12.345", "dollars and cents"),
        ("fifty", "how much"),
        (None, "how much"),
        ("NaN", "more than zero"),
    ],
)
def test_unpayable_amounts_explain_why(value: str | None, says: str) -> None:
    problem = amount_problem(amount(value))
    assert problem is not None and says in problem.lower()


def test_bad_amount_is_asked_again_with_the_slot_cleared() -> None:
    step = next_step(payment("pay 20000", "20000"))
    assert (step.kind, step.slot, step.slots["Amount"]) == ("elicit_slot", "Amount", None)
    assert step.attributes["invalidReplies"] == "1"


def test_third_bad_amount_hands_over() -> None:
    step = next_step(payment("pay 0", "0", invalidReplies="2"))
    assert (step.kind, step.message) == ("failed", HAND_OVER)


def test_good_amount_delegates_and_forgets_earlier_bad_replies() -> None:
    step = next_step(payment("fifty", "50", invalidReplies="2"))
    assert step.kind == "delegate" and "invalidReplies" not in step.attributes


def test_ambiguous_time_asks_am_or_pm() -> None:
    slots = {
        "CallbackDate": SlotValue("tomorrow", "2026-11-27", ("2026-11-27",)),
        "CallbackTime": SlotValue("half past ten", None, ("10:30", "22:30")),
    }
    step = next_step(Turn("RequestCallback", False, "tomorrow at half past ten", slots))
    assert (step.kind, step.slot, step.message) == (
        "elicit_slot",
        "CallbackTime",
        "Did you mean 10:30 AM or 10:30 PM?",
    )
    assert step.attributes["callbackTimeChoices"] == "10:30,22:30"


@pytest.mark.parametrize(("answer", "picked"), [("MO", "10:30"), ("AM", "10:30"), ("EV", "22:30")])
def test_morning_or_evening_picks_one_of_the_choices(answer: str, picked: str) -> None:
    slots = {
        "CallbackDate": SlotValue("tomorrow", "2026-11-27", ("2026-11-27",)),
        "CallbackTime": SlotValue("whatever", answer, (answer,)),
    }
    turn = Turn("RequestCallback", False, "x", slots, {"callbackTimeChoices": "10:30,22:30"})
    step = next_step(turn)
    time = step.slots["CallbackTime"]
    assert step.kind == "delegate" and time is not None and time.interpreted == picked
    assert "callbackTimeChoices" not in step.attributes


def test_a_week_is_not_a_day_for_a_callback() -> None:
    slots = {
        "CallbackDate": SlotValue("next week", "2026-W49", ("2026-W49",)),
        "CallbackTime": None,
    }
    step = next_step(Turn("RequestCallback", False, "next week", slots))
    assert (step.kind, step.slot) == ("elicit_slot", "CallbackDate")


def test_fulfilment_without_a_day_means_as_soon_as_possible() -> None:
    step = next_step(Turn("RequestCallback", True, "call me back"))
    assert (step.kind, step.message) == (
        "fulfilled",
        "Okay, let's set up your callback.",
    )


@pytest.mark.parametrize(
    ("hhmm", "spoken"),
    [("10:00", "10 AM"), ("22:30", "10:30 PM"), ("00:00", "12 AM"), ("12:05", "12:05 PM")],
)
def test_times_are_spoken_on_a_twelve_hour_clock(hhmm: str, spoken: str) -> None:
    assert spoken_time(hhmm) == spoken


@pytest.mark.parametrize(
    "value",
    [
        SlotValue("x" * 101, "50", ("50",)),
        SlotValue("fifty", "50\n", ("50",)),
        SlotValue("<b>", "50", ("50",)),
        SlotValue("fifty", "50", tuple(str(n) for n in range(11))),
        SlotValue("fifty", "50", ("{{7*7}}",)),
    ],
)
def test_slots_that_are_too_long_or_have_odd_characters_are_refused(value: SlotValue) -> None:
    assert accept_slot(value) is None


def test_ordinary_slot_values_are_accepted() -> None:
    value = SlotValue("10 o'clock", None, ("10:00", "22:00"))
    assert accept_slot(value) == value


def test_unknown_slot_names_are_not_echoed_back() -> None:
    turn = Turn("CheckBalance", False, "balance", {"Amount": amount("5")})
    assert next_step(turn).slots == {}


def test_digits_the_caller_says_are_masked() -> None:
    assert mask_digits("my card is 4111 1111 1111 1111") == "my card is •••• •••• •••• ••••"


def test_caller_text_is_masked_and_bot_text_is_not() -> None:
    text = add_to_transcript(None, "caller", "pay 45")
    text = add_to_transcript(text, "bot", "Okay, $45.00.")
    assert read_transcript(text) == [
        {"who": "caller", "text": "pay ••"},
        {"who": "bot", "text": "Okay, $45.00."},
    ]


def test_transcript_drops_the_oldest_entries_to_stay_under_its_budget() -> None:
    text = None
    for n in range(60):
        text = add_to_transcript(text, "bot", f"message number {'x' * n} padding padding padding")
    assert text is not None and len(text.encode()) <= TRANSCRIPT_MAX_BYTES
    entries = read_transcript(text)
    assert entries[-1]["text"].startswith("message number " + "x" * 59)
    assert len(entries) < 60


def test_one_huge_utterance_is_capped_to_fit() -> None:
    text = add_to_transcript(None, "caller", "9" * 10_000)
    assert len(text.encode()) <= TRANSCRIPT_MAX_BYTES
    assert read_transcript(text)[0]["text"] == "•" * 300


def test_control_characters_are_removed_from_the_transcript() -> None:
    text = add_to_transcript(None, "caller", "hello\x00\n\tthere")
    assert read_transcript(text) == [{"who": "caller", "text": "hello there"}]


@pytest.mark.parametrize("broken", ["not json", "{}", '[{"who": "hacker", "text": "x"}, 5]'])
def test_a_tampered_transcript_reads_as_empty(broken: str) -> None:
    assert read_transcript(broken) == []


def test_next_step_records_the_caller_and_the_reply() -> None:
    step = next_step(Turn("CheckBalance", True, "my balance", turn_id="r1"))
    assert json.loads(step.attributes[TRANSCRIPT]) == [
        {"who": "caller", "text": "my balance"},
        {"who": "bot", "text": "Let me look up your balance."},
    ]
    assert (step.attributes["intent"], step.attributes["lastTurnId"]) == ("CheckBalance", "r1")


def test_an_agent_request_is_not_announced_twice() -> None:
    """The flow says "Connecting you to an agent." once; the bot adds nothing before it."""
    step = next_step(Turn("TalkToAgent", True, "agent please", turn_id="r1"))
    assert step.kind == "fulfilled" and step.message is None

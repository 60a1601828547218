"""The lex_fulfil handler on sample Lex V2 events and on anything else: always a valid answer."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import lex_fulfil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.lex.bot import load_bots
from simulator.lex.codehook import HookResponse, parse_response
from simulator.paths import LEX_BOTS
from tests.conftest import EVENTS, load_event

BOT = load_bots(LEX_BOTS)["IvrBot"]
INTENT_SLOTS = {name: tuple(intent.slots) for name, intent in BOT.intents.items()}
SAMPLES = sorted(path.name for path in (EVENTS / "lex").glob("*.json"))


def call(event: Any, context: Any) -> HookResponse:
    """Invoke the handler and check its answer the way Lex V2 would."""
    raw = lex_fulfil.lambda_handler(event, context)
    json.dumps(raw)  # Lambda serialises the answer
    return parse_response(raw, INTENT_SLOTS)


@pytest.mark.parametrize(
    ("sample", "action", "slot"),
    [
        ("dialog_make_payment.json", "Delegate", None),
        ("dialog_make_payment_over_limit.json", "ElicitSlot", "Amount"),
        ("dialog_request_callback_ambiguous_time.json", "ElicitSlot", "CallbackTime"),
        ("dialog_request_callback_elicit_time.json", "ElicitSlot", "CallbackTime"),
        ("dialog_talk_to_agent_dtmf.json", "Close", None),  # key 0: the agent, at once
        ("fulfil_check_balance.json", "Close", None),
        ("fulfil_request_callback.json", "Close", None),
        ("fulfil_fallback.json", "ElicitIntent", None),
    ],
)
def test_sample_event_gets_the_expected_dialog_action(
    sample: str, action: str, slot: str | None, lambda_context: Any
) -> None:
    answer = call(load_event(f"lex/{sample}"), lambda_context)
    assert (answer.action, answer.slot_to_elicit) == (action, slot)


def test_every_sample_event_is_covered() -> None:
    tested = {
        "dialog_make_payment.json",
        "dialog_make_payment_over_limit.json",
        "dialog_request_callback_ambiguous_time.json",
        "dialog_request_callback_elicit_time.json",
        "dialog_talk_to_agent_dtmf.json",
        "fulfil_check_balance.json",
        "fulfil_request_callback.json",
        "fulfil_fallback.json",
    }
    assert set(SAMPLES) == tested


def test_ambiguous_time_asks_am_or_pm_and_remembers_the_choices(lambda_context: Any) -> None:
    event = load_event("lex/dialog_request_callback_ambiguous_time.json")
    answer = call(event, lambda_context)
    assert answer.messages == ["Did you mean 7 AM or 7 PM?"]
    assert answer.slots is not None and answer.slots["CallbackTime"] is None
    assert answer.session_attributes is not None
    assert answer.session_attributes["callbackTimeChoices"] == "07:00,19:00"


def test_fulfilled_callback_says_the_day_and_time(lambda_context: Any) -> None:
    answer = call(load_event("lex/fulfil_request_callback.json"), lambda_context)
    assert (answer.intent_state, answer.messages) == (
        "Fulfilled",
        ["Let me check Friday, November 27 at 3 PM for your callback."],
    )


def test_answer_keeps_connects_session_attributes_and_adds_the_transcript(
    lambda_context: Any,
) -> None:
    answer = call(load_event("lex/dialog_make_payment.json"), lambda_context)
    attributes = answer.session_attributes or {}
    assert attributes["CustomerFirstName"] == "Ana"
    assert attributes["intent"] == "MakePayment"
    assert json.loads(attributes["transcript"]) == [
        {"who": "caller", "text": "I want to pay •• dollars"}
    ]


def test_the_fulfilment_call_of_the_same_turn_does_not_record_the_caller_twice(
    lambda_context: Any,
) -> None:
    dialog = load_event("lex/dialog_make_payment.json")
    attributes = call(dialog, lambda_context).session_attributes or {}
    fulfil = copy.deepcopy(dialog)
    fulfil["invocationSource"] = "FulfillmentCodeHook"
    fulfil["sessionState"]["sessionAttributes"] = attributes
    answer = call(fulfil, lambda_context)
    entries = json.loads((answer.session_attributes or {})["transcript"])
    assert [entry["who"] for entry in entries] == ["caller", "bot"]


@pytest.mark.parametrize(
    "event",
    [
        None,
        "hello",
        42,
        [],
        {},
        {"invocationSource": "DialogCodeHook"},
        {"invocationSource": "Sideways", "sessionState": {}},
        {"invocationSource": "DialogCodeHook", "sessionState": {"intent": {"name": 7}}},
        {"invocationSource": "DialogCodeHook", "sessionState": {"intent": "CheckBalance"}},
    ],
)
def test_garbage_gets_a_sorry_reprompt(event: Any, lambda_context: Any) -> None:
    answer = call(event, lambda_context)
    assert (answer.action, answer.messages) == ("ElicitIntent", ["Sorry, how can I help?"])


def test_unknown_intent_gets_a_sorry_reprompt_keeping_attributes(lambda_context: Any) -> None:
    event = load_event("lex/fulfil_check_balance.json")
    event["sessionState"]["intent"]["name"] = "OrderPizza"
    answer = call(event, lambda_context)
    assert (answer.action, answer.messages) == ("ElicitIntent", ["Sorry, how can I help?"])
    assert (answer.session_attributes or {})["CustomerFirstName"] == "Ana"


def test_slot_values_outside_the_allowlist_are_asked_again(lambda_context: Any) -> None:
    event = load_event("lex/dialog_make_payment.json")
    amount = event["sessionState"]["intent"]["slots"]["Amount"]["value"]
    amount["originalValue"] = "<script>alert(1)</script>"
    answer = call(event, lambda_context)
    assert (answer.action, answer.slot_to_elicit) == ("ElicitSlot", "Amount")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(garbage=json_values)
def test_any_json_gets_a_valid_lex_answer(garbage: Any, lambda_context: Any) -> None:
    call(garbage, lambda_context)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as the keys and indexes leading to it."""
    if isinstance(value, dict):
        items: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return [prefix]
    return [prefix] + [p for key, child in items for p in _paths(child, (*prefix, key))]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sample=st.sampled_from(SAMPLES),
    pick=st.integers(min_value=0),
    replacement=json_values,
)
def test_sample_events_with_one_part_replaced_get_a_valid_answer(
    sample: str, pick: int, replacement: Any, lambda_context: Any
) -> None:
    event = load_event(f"lex/{sample}")
    paths = [p for p in _paths(event) if p]
    path = paths[pick % len(paths)]
    parent = event
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = replacement
    call(event, lambda_context)


def test_samples_live_where_load_event_finds_them() -> None:
    assert Path(EVENTS / "lex").is_dir() and SAMPLES

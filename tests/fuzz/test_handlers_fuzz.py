"""Every handler fed Hypothesis events of its own format and malformed envelopes (moto): nothing
raises to the caller, and every answer is one its caller accepts.

Bounded by default (``FUZZ_EXAMPLES``, 8 events per handler, the same ones every run);
``FUZZ_EXAMPLES=500`` for a full, random run.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.context import lambda_context
from simulator.portal_client import api_event
from tests.conftest import load_event

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 50,  # bounded runs are the same every time; full runs explore
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CONNECT_HANDLERS = (
    "caller_lookup",
    "account_balance",
    "keypad_authentication",
    "voice_authentication",
    "enrolment_code",
    "phone_payment",
    "portal_session",
    "payment_status",
    "abandon_payment",
    "callback_offer",
    "schedule_callback",
    "cancel_callback",
    "agent_whisper",
)
#: Parameter names the flows pass, so the fuzzer reaches past "unknown action".
KEYS = (
    "action", "step", "mode", "answer", "try", "queue", "date", "time", "slot", "callbackId",
    "cardNumber", "expiry", "cvv", "paymentId", "callerNumber", "portalSessionId", "intent",
)  # fmt: skip
VALUES = (
    "check", "claim_account", "check_account", "verify", "enrol", "status", "send", "start",
    "card", "pay", "portal", "scheduled", "immediate", "move", "Timeout", "", "+13125550142",
    "anonymous", "2026-12-02", "15:00", "BasicQueue",
)  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
texts = st.sampled_from(VALUES) | st.text(max_size=40)
parameters = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), texts, max_size=6)


def invoke(module: str, event: Any) -> Any:
    handler = __import__(module).lambda_handler
    return handler(copy.deepcopy(event), lambda_context(module))


def assert_connect_answer(answer: Any) -> None:
    """Connect: a flat map of strings, under 32 KB (admin guide, InvokeLambdaFunction)."""
    assert isinstance(answer, dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items()), answer
    assert len(json.dumps(answer).encode()) < 32 * 1024


@st.composite
def connect_events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = load_event("connect/caller_lookup.json")
    data = event["Details"]["ContactData"]
    data["Attributes"] = draw(parameters)
    data["CustomerEndpoint"]["Address"] = draw(texts)
    event["Details"]["Parameters"] = draw(parameters)
    return event


@st.composite
def broken_envelopes(draw: st.DrawFn, sample: str) -> Any:
    """A real event with one part replaced by any JSON value, or any JSON value at all."""
    event: Any = load_event(sample)
    if draw(st.booleans()):
        return draw(json_values)
    path = draw(st.sampled_from(_paths(event)))
    target = event
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = draw(json_values)
    return event


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if not isinstance(value, dict):
        return []
    found: list[tuple[Any, ...]] = []
    for key, item in value.items():
        found.append((*prefix, key))
        found += _paths(item, (*prefix, key))
    return found


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("module", CONNECT_HANDLERS)
@FUZZ
@given(event=connect_events() | broken_envelopes("connect/caller_lookup.json"))
def test_connect_handlers_answer_a_flat_map_whatever_the_event(module: str, event: Any) -> None:
    assert_connect_answer(invoke(module, event))


LEX_DIALOG_ACTIONS = {"Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot"}


def assert_lex_answer(answer: Any) -> None:
    """Lex V2: a session state with a valid dialog action (and the intent it names)."""
    assert isinstance(answer, dict)
    action = answer["sessionState"]["dialogAction"]
    assert action["type"] in LEX_DIALOG_ACTIONS, action
    if action["type"] == "ElicitSlot":
        assert isinstance(action.get("slotToElicit"), str)
    if action["type"] != "ElicitIntent":
        assert isinstance(answer["sessionState"]["intent"]["name"], str)


@st.composite
def lex_events(draw: st.DrawFn) -> dict[str, Any]:
    sample = draw(st.sampled_from(["dialog_make_payment.json", "fulfil_request_callback.json"]))
    event: dict[str, Any] = load_event(f"lex/{sample}")
    event["inputTranscript"] = draw(st.text(max_size=60))
    event["invocationSource"] = draw(st.sampled_from(["DialogCodeHook", "FulfillmentCodeHook"]))
    intent = event["sessionState"]["intent"]
    intent["name"] = draw(
        st.sampled_from(["MakePayment", "RequestCallback", "CheckBalance", "TalkToAgent"])
        | st.text(max_size=12)
    )
    for slot in list((intent.get("slots") or {}).values()):
        if isinstance(slot, dict) and isinstance(slot.get("value"), dict):
            slot["value"]["interpretedValue"] = draw(st.text(max_size=20) | st.none())
    event["sessionState"]["sessionAttributes"] = draw(parameters)
    return event


@pytest.mark.usefixtures("aws")
@FUZZ
@given(event=lex_events() | broken_envelopes("lex/dialog_make_payment.json"))
def test_the_lex_code_hook_answers_a_valid_dialog_action(event: Any) -> None:
    assert_lex_answer(invoke("lex_fulfil", event))


def assert_api_answer(answer: Any) -> None:
    """API Gateway: a status, a JSON body; errors in our words, never a stack trace."""
    assert isinstance(answer, dict) and isinstance(answer["statusCode"], int)
    body = json.loads(answer["body"]) if answer.get("body") else {}
    assert isinstance(body, dict | list)
    if answer["statusCode"] >= 400:
        text = answer["body"] or ""
        assert "Traceback" not in text and 'File "' not in text and "Error(" not in text


@st.composite
def portal_requests(draw: st.DrawFn) -> dict[str, Any]:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS"]))
    path = draw(
        st.sampled_from(["/sessions/s-1", "/sessions/s-1/verify", "/sessions/s-1/payment"])
        | st.text(max_size=30).map(lambda text: "/" + text)
    )
    body = draw(
        st.dictionaries(st.sampled_from(["token", "pin", "cardToken", "name"]), json_values)
    )
    event = api_event(method, path, body, draw(st.sampled_from(["", "1.abc", "9999999999.x"])))
    if draw(st.booleans()):
        event["body"] = draw(st.text(max_size=60))
    return event


def broken_envelopes_api() -> st.SearchStrategy[Any]:
    return st.builds(lambda: api_event("POST", "/sessions/s-1/verify", {"pin": "1"})).flatmap(
        lambda event: st.sampled_from(sorted(event)).flatmap(
            lambda key: json_values.map(lambda value: {**event, key: value})
        )
    )


@pytest.mark.usefixtures("aws")
@FUZZ
@given(event=portal_requests() | broken_envelopes_api())
def test_the_portal_api_answers_json_with_no_internals(event: Any) -> None:
    answer = invoke("portal_api", event)
    assert_api_answer(answer)
    assert answer["statusCode"] < 500 or answer["statusCode"] == 503


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("module", ["agent_timeline", "agent_actions", "callback_backlog"])
@FUZZ
@given(event=portal_requests() | broken_envelopes_api())
def test_the_agent_api_answers_json_with_no_internals(module: str, event: Any) -> None:
    assert_api_answer(invoke(module, event))


@st.composite
def sqs_events(draw: st.DrawFn) -> Any:
    records = draw(
        st.lists(
            st.fixed_dictionaries(
                {"messageId": st.text(max_size=8) | st.none(), "body": st.text(max_size=60)},
                optional={"receiptHandle": st.just("h"), "eventSource": st.just("aws:sqs")},
            )
            | json_values,
            max_size=4,
        )
    )
    return draw(st.just({"Records": records}) | json_values)


@pytest.mark.usefixtures("aws")
@FUZZ
@given(event=sqs_events())
def test_the_sender_always_answers_batch_item_failures(event: Any) -> None:
    answer = invoke("send_notification", event)
    assert isinstance(answer, dict) and isinstance(answer["batchItemFailures"], list)
    ids = (
        {r.get("messageId") for r in event.get("Records", []) if isinstance(r, dict)}
        if isinstance(event, dict) and isinstance(event.get("Records"), list)
        else set()
    )
    for failure in answer["batchItemFailures"]:
        assert isinstance(failure["itemIdentifier"], str) and failure["itemIdentifier"] in ids


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    ("module", "sample"),
    # The sweep reads no event ("whatever the event says, it asks the due index").
    [("sms_reply", "sns/inbound_sms_other.json")],
)
@FUZZ
@given(data=st.data())
def test_event_driven_handlers_never_raise(module: str, sample: str, data: st.DataObject) -> None:
    event = data.draw(broken_envelopes(sample))
    assert isinstance(invoke(module, event), dict)

"""The flow interpreter runs small inline flows the way Amazon Connect would run them."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import pytest

from simulator.flows import (
    CallRecord,
    Contact,
    FlowLibrary,
    VirtualClock,
    parse_flow,
    run_contact,
)
from simulator.ports import (
    CallerInput,
    Digits,
    Hangup,
    InputRequest,
    LambdaInvocationError,
    LexTurn,
    Silence,
    Speech,
)
from tests.timing import stopwatch

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CALLER = "+447700900123"


# --- fakes ---------------------------------------------------------------------------------------


class ScriptedCaller:
    """Answers each input request with the next scripted answer, then hangs up."""

    def __init__(self, *answers: CallerInput) -> None:
        self.answers = list(answers)
        self.heard: list[str] = []
        self.requests: list[InputRequest] = []

    def hear(self, text: str) -> None:
        self.heard.append(text)

    def next_input(self, request: InputRequest) -> CallerInput:
        self.requests.append(request)
        return self.answers.pop(0) if self.answers else Hangup()


class FakeRuntime:
    def __init__(
        self,
        lambdas: dict[str, Callable[[dict[str, Any]], Any]] | None = None,
        metrics: dict[str, float] | None = None,
        open_hours: bool = True,
        voice_id: str = "Authenticated",
    ) -> None:
        self.lambdas = lambdas or {}
        self.metrics = metrics or {}
        self.open_hours = open_hours
        self.voice_id_result = voice_id
        self.invocations: list[tuple[str, dict[str, Any], float]] = []
        self.metric_queries: list[tuple[str | None, str]] = []
        self.hours_queries: list[str | None] = []
        self.voice_id_queries: list[tuple[str, str | None]] = []

    def invoke_lambda(
        self, function_ref: str, event: dict[str, Any], timeout_seconds: float
    ) -> dict[str, Any]:
        self.invocations.append((function_ref, event, timeout_seconds))
        response: dict[str, Any] = self.lambdas[function_ref](event)
        return response

    def queue_metric(self, queue_ref: str | None, metric: str) -> float:
        self.metric_queries.append((queue_ref, metric))
        return self.metrics[metric]

    def hours_open(self, hours_ref: str | None) -> bool:
        self.hours_queries.append(hours_ref)
        return self.open_hours

    def voice_id(self, option: str, customer_id: str | None) -> str:
        self.voice_id_queries.append((option, customer_id))
        return self.voice_id_result


class ScriptedLex:
    """A bot that answers each caller turn with the next scripted LexTurn."""

    def __init__(self, *turns: LexTurn | Exception, alias_prefix: str = "") -> None:
        self.alias_prefix = alias_prefix
        self.turns = list(turns)
        self.calls: list[tuple[str, str, str, dict[str, str], str]] = []

    def knows(self, bot_alias_arn: str) -> bool:
        return bot_alias_arn.startswith(self.alias_prefix)

    def recognize_text(
        self,
        bot_alias_arn: str,
        session_id: str,
        text: str,
        session_attributes: dict[str, str],
        input_mode: Literal["Speech", "DTMF", "Text"] = "Speech",
    ) -> LexTurn:
        self.calls.append((bot_alias_arn, session_id, text, dict(session_attributes), input_mode))
        if not self.knows(bot_alias_arn):
            raise LookupError(bot_alias_arn)
        turn = self.turns.pop(0)
        if isinstance(turn, Exception):
            raise turn
        return turn


# --- building flows ------------------------------------------------------------------------------


def action(
    identifier: str,
    type_: str,
    parameters: dict[str, Any] | None = None,
    *,
    next_action: str | None = None,
    conditions: list[tuple[str, str, str]] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One action; conditions are (operator, operand, next action), errors {ErrorType: next}."""
    transitions: dict[str, Any] = {}
    if next_action:
        transitions["NextAction"] = next_action
    if conditions:
        transitions["Conditions"] = [
            {"NextAction": to, "Condition": {"Operator": op, "Operands": [operand]}}
            for op, operand, to in conditions
        ]
    if errors:
        transitions["Errors"] = [{"ErrorType": t, "NextAction": to} for t, to in errors.items()]
    return {
        "Identifier": identifier,
        "Type": type_,
        "Parameters": parameters or {},
        "Transitions": transitions,
    }


def say(identifier: str, text: str, next_action: str = "bye") -> dict[str, Any]:
    return action(
        identifier,
        "MessageParticipant",
        {"Text": text},
        next_action=next_action,
        errors={"NoMatchingError": "bye"},
    )


BYE = action("bye", "DisconnectParticipant")


def flow_json(*actions: dict[str, Any]) -> dict[str, Any]:
    listed = list(actions)
    if not any(a["Identifier"] == "bye" for a in listed):
        listed.append(BYE)
    return {
        "Version": "2019-10-30",
        "StartAction": listed[0]["Identifier"],
        "Metadata": {"entryPointPosition": {"x": 0, "y": 0}},
        "Actions": listed,
    }


def call(
    flows: dict[str, Any] | FlowLibrary,
    *answers: CallerInput,
    runtime: FakeRuntime | None = None,
    lex: ScriptedLex | None = None,
    contact: Contact | None = None,
    clock: VirtualClock | None = None,
    step_budget: int = 2000,
) -> CallRecord:
    library = flows if isinstance(flows, FlowLibrary) else FlowLibrary([parse_flow(flows, "main")])
    return run_contact(
        library,
        "main",
        contact or Contact(customer_address=CALLER, system_address="+442079460000"),
        ScriptedCaller(*answers),
        runtime or FakeRuntime(),
        lex,
        clock or VirtualClock(START),
        step_budget,
    )


def menu(conditions: list[tuple[str, str, str]], **parameters: Any) -> dict[str, Any]:
    return action(
        "menu",
        "GetParticipantInput",
        {"Text": "Press 1 for balance, 2 for payments.", "StoreInput": "False", **parameters},
        next_action="bye",
        conditions=conditions,
        errors={
            "InputTimeLimitExceeded": "timeout",
            "NoMatchingCondition": "wrong",
            "NoMatchingError": "bye",
        },
    )


MENU_EXITS = (say("one", "Balance."), say("two", "Payments."), say("timeout", "No input."))
WRONG = say("wrong", "Not a choice.")


# --- MessageParticipant ---------------------------------------------------------------------------


def test_prompt_speaks_attributes_and_external_values_inline() -> None:
    flow = flow_json(
        action(
            "set",
            "UpdateContactAttributes",
            {"Attributes": {"FirstName": "Ada"}},
            next_action="hello",
            errors={"NoMatchingError": "bye"},
        ),
        say("hello", "Hello $.Attributes.FirstName, you are calling $.SystemEndpoint.Address."),
    )
    assert call(flow).prompts == ["Hello Ada, you are calling +442079460000."]


def test_unknown_path_in_a_prompt_speaks_nothing_for_it() -> None:
    record = call(flow_json(say("hello", "Hello $.Attributes.Missing, welcome.")))
    assert record.prompts == ["Hello , welcome."]


def test_prompt_made_only_of_an_unknown_path_plays_nothing() -> None:
    caller = ScriptedCaller()
    library = FlowLibrary([parse_flow(flow_json(say("hello", "$.External.Greeting")), "main")])
    contact = Contact(customer_address=CALLER, system_address="+442079460000")
    record = run_contact(library, "main", contact, caller, FakeRuntime(), None, VirtualClock(START))
    assert record.prompts == [] and caller.heard == []
    assert record.ended == "disconnected"


def test_ssml_prompt_is_recorded_as_the_words_spoken() -> None:
    ssml = '<speak>Your PIN is <say-as interpret-as="digits">12</say-as>. Tom &amp; Jerry</speak>'
    flow = flow_json(
        action(
            "ssml",
            "MessageParticipant",
            {"SSML": ssml},
            next_action="bye",
            errors={"NoMatchingError": "bye"},
        )
    )
    assert call(flow).prompts == ["Your PIN is 12. Tom & Jerry"]


def test_recorded_prompt_is_named_in_the_record() -> None:
    flow = flow_json(
        action(
            "music",
            "MessageParticipant",
            {"PromptId": "arn:aws:connect:eu-west-2:1:instance/i/prompt/hold"},
            next_action="bye",
        )
    )
    assert call(flow).prompts == ["[prompt arn:aws:connect:eu-west-2:1:instance/i/prompt/hold]"]


# --- GetParticipantInput: menus -------------------------------------------------------------------


def test_menu_routes_on_the_key_pressed() -> None:
    flow = flow_json(menu([("Equals", "1", "one"), ("Equals", "2", "two")]), *MENU_EXITS, WRONG)
    record = call(flow, Digits("2"))
    assert record.prompts[-1] == "Payments."
    assert ("main", "menu", "Condition:1") in record.branches


def test_menu_choice_is_recorded_in_clear() -> None:
    flow = flow_json(menu([("Equals", "1", "one")]), *MENU_EXITS, WRONG)
    assert call(flow, Digits("1")).inputs == ["1"]


def test_menu_asks_for_one_key_within_the_time_limit() -> None:
    caller = ScriptedCaller(Digits("1"))
    flow = flow_json(menu([("Equals", "1", "one")], InputTimeLimitSeconds="7"), *MENU_EXITS, WRONG)
    library = FlowLibrary([parse_flow(flow, "main")])
    contact = Contact(customer_address=CALLER, system_address="+442079460000")
    run_contact(library, "main", contact, caller, FakeRuntime(), None, VirtualClock(START))
    assert caller.requests == [InputRequest("dtmf", 7.0, max_digits=1)]


def test_menu_key_without_a_condition_takes_no_matching_condition() -> None:
    flow = flow_json(menu([("Equals", "1", "one")]), *MENU_EXITS, WRONG)
    record = call(flow, Digits("9"))
    assert record.prompts[-1] == "Not a choice."
    assert ("main", "menu", "Error:NoMatchingCondition") in record.branches


def test_menu_silence_times_out_on_the_virtual_clock() -> None:
    clock = VirtualClock(START)
    flow = flow_json(menu([("Equals", "1", "one")], InputTimeLimitSeconds="8"), *MENU_EXITS, WRONG)
    record = call(flow, Silence(8), clock=clock)
    assert record.prompts[-1] == "No input."
    assert clock.now() == datetime(2026, 11, 23, 9, 0, 8, tzinfo=UTC)


def test_caller_hanging_up_ends_the_call_as_hangup() -> None:
    flow = flow_json(menu([("Equals", "1", "one")]), *MENU_EXITS, WRONG)
    record = call(flow, Hangup())
    assert record.ended == "hangup"
    assert record.blocks == ["main:menu"]


# --- GetParticipantInput: stored input ------------------------------------------------------------


def store(**parameters: Any) -> dict[str, Any]:
    return action(
        "capture",
        "GetParticipantInput",
        {"Text": "Enter the number.", "StoreInput": "True", **parameters},
        next_action="use",
        errors={"InvalidPhoneNumber": "invalid", "NoMatchingError": "bye"},
    )


USE = say("use", "You entered $.StoredCustomerInput.")
INVALID = say("invalid", "That is not a phone number.")
CARD = {"CustomValidation": {"MaximumLength": "16"}}


def test_stored_input_reaches_the_flow_but_the_record_masks_it() -> None:
    record = call(flow_json(store(InputValidation=CARD), USE, INVALID), Digits("4111#"))
    assert record.prompts[-1] == "You entered 4111."
    assert record.inputs == ["•••••"]
    assert [e["text"] for e in record.events if e["kind"] == "input"] == ["pressed •••••"]


def test_stored_input_stops_at_the_terminator_and_maximum_length() -> None:
    parameters = {
        "InputValidation": {"CustomValidation": {"MaximumLength": "4"}},
        "DTMFConfiguration": {"InputTerminationSequence": "*"},
    }
    record = call(flow_json(store(**parameters), USE, INVALID), Digits("123456*9"))
    assert record.prompts[-1] == "You entered 1234."


def test_encrypted_capture_tells_the_caller_side_the_input_is_encrypted() -> None:
    caller = ScriptedCaller(Digits("4111111111111111#"))
    parameters = {
        "InputValidation": CARD,
        "InputEncryption": {"EncryptionKeyId": "key-1", "Key": "-----BEGIN CERTIFICATE-----"},
    }
    library = FlowLibrary([parse_flow(flow_json(store(**parameters), USE, INVALID), "main")])
    contact = Contact(customer_address=CALLER, system_address="+442079460000")
    run_contact(library, "main", contact, caller, FakeRuntime(), None, VirtualClock(START))
    assert caller.requests == [
        InputRequest("dtmf", 5.0, max_digits=16, terminator="#", encrypted=True)
    ]


def test_e164_phone_number_input_is_stored_with_its_plus() -> None:
    phone = {"PhoneNumberValidation": {"NumberFormat": "E164"}}
    record = call(flow_json(store(InputValidation=phone), USE, INVALID), Digits("447700900456#"))
    assert record.prompts[-1] == "You entered +447700900456."


def test_local_phone_number_input_gets_the_country_code() -> None:
    phone = {"PhoneNumberValidation": {"NumberFormat": "Local", "CountryCode": "GB"}}
    record = call(flow_json(store(InputValidation=phone), USE, INVALID), Digits("07700900456#"))
    assert record.prompts[-1] == "You entered +447700900456."


def test_invalid_phone_number_takes_invalid_phone_number() -> None:
    phone = {"PhoneNumberValidation": {"NumberFormat": "Local", "CountryCode": "US"}}
    record = call(flow_json(store(InputValidation=phone), USE, INVALID), Digits("12345#"))
    assert record.prompts[-1] == "That is not a phone number."
    assert ("main", "capture", "Error:InvalidPhoneNumber") in record.branches


def test_stored_input_timeout_stores_the_word_timeout_and_continues() -> None:
    record = call(flow_json(store(InputValidation=CARD), USE, INVALID), Silence(5))
    assert record.prompts[-1] == "You entered Timeout."


# --- ConnectParticipantWithLexBot -----------------------------------------------------------------

BOT = "arn:aws:lex:eu-west-2:000000000000:bot-alias/BOT/ALIAS"


def lex_block(**parameters: Any) -> dict[str, Any]:
    return action(
        "ask",
        "ConnectParticipantWithLexBot",
        {"Text": "How can I help?", "LexV2Bot": {"AliasArn": BOT}, **parameters},
        conditions=[("Equals", "MakePayment", "pay")],
        errors={
            "NoMatchingCondition": "other",
            "InputTimeLimitExceeded": "silent",
            "NoMatchingError": "failed",
        },
    )


LEX_EXITS = (
    say("pay", "Paying $.Lex.Slots.Amount pounds."),
    say("other", "Let me find someone."),
    say("silent", "I did not hear you."),
    say("failed", "Something went wrong."),
)


def turn(messages: list[str], intent: str | None, state: str, **slots: str) -> LexTurn:
    dialog = "Close" if state in {"Fulfilled", "ReadyForFulfillment"} else "ElicitSlot"
    return LexTurn(messages, dialog, intent, state, dict(slots))


def test_lex_conversation_runs_until_the_intent_is_ready_then_branches_on_it() -> None:
    lex = ScriptedLex(
        turn(["How much would you like to pay?"], "MakePayment", "InProgress"),
        turn(["Thanks."], "MakePayment", "ReadyForFulfillment", Amount="50"),
    )
    record = call(
        flow_json(lex_block(), *LEX_EXITS), Speech("pay my bill"), Speech("fifty"), lex=lex
    )
    assert record.prompts == [
        "How can I help?",
        "How much would you like to pay?",
        "Thanks.",
        "Paying 50 pounds.",
    ]
    assert record.inputs == ["pay my bill", "fifty"]


def test_lex_gets_the_contact_id_as_session_and_the_session_attributes() -> None:
    lex = ScriptedLex(turn([], "MakePayment", "Fulfilled"))
    contact = Contact(customer_address=CALLER, system_address="+442079460000", contact_id="c-1")
    block = lex_block(LexSessionAttributes={"caller": "$.CustomerEndpoint.Address"})
    call(flow_json(block, *LEX_EXITS), Speech("pay"), lex=lex, contact=contact)
    assert lex.calls == [(BOT, "c-1", "pay", {"caller": CALLER}, "Speech")]


def test_lex_hears_keypad_digits_as_dtmf_and_the_record_masks_them() -> None:
    lex = ScriptedLex(turn([], "MakePayment", "Fulfilled"))
    record = call(flow_json(lex_block(), *LEX_EXITS), Digits("1985#"), lex=lex)
    assert lex.calls[0][2:] == ("1985", {}, "DTMF")
    assert record.inputs == ["•••••"]


def test_lex_reprompts_after_one_silence_and_times_out_after_two() -> None:
    lex = ScriptedLex()
    record = call(flow_json(lex_block(), *LEX_EXITS), Silence(5), Silence(5), lex=lex)
    assert record.prompts == ["How can I help?", "How can I help?", "I did not hear you."]
    assert ("main", "ask", "Error:InputTimeLimitExceeded") in record.branches


def test_lex_intent_without_a_condition_takes_no_matching_condition() -> None:
    lex = ScriptedLex(turn(["Okay."], "CheckBalance", "Fulfilled"))
    record = call(flow_json(lex_block(), *LEX_EXITS), Speech("balance"), lex=lex)
    assert record.prompts[-1] == "Let me find someone."


def test_lex_bot_failure_takes_the_error_branch_and_says_why() -> None:
    lex = ScriptedLex(RuntimeError("code hook crashed"))
    record = call(flow_json(lex_block(), *LEX_EXITS), Speech("pay"), lex=lex)
    assert record.prompts[-1] == "Something went wrong."
    assert "code hook crashed" in record.errors[0]


# --- InvokeLambdaFunction ------------------------------------------------------------------------

LOOKUP = "${CallerLookupFunction.Arn}"


def lambda_block(**parameters: Any) -> dict[str, Any]:
    return action(
        "lookup",
        "InvokeLambdaFunction",
        {"LambdaFunctionARN": LOOKUP, "InvocationTimeLimitSeconds": "8", **parameters},
        next_action="found",
        errors={"NoMatchingError": "failed"},
    )


LAMBDA_EXITS = (say("found", "Hello $.External.name."), say("failed", "Sorry."))


def lambda_call(response: Callable[[dict[str, Any]], Any], **parameters: Any) -> CallRecord:
    runtime = FakeRuntime(lambdas={LOOKUP: response})
    return call(flow_json(lambda_block(**parameters), *LAMBDA_EXITS), runtime=runtime)


def test_lambda_gets_a_connect_contact_flow_event() -> None:
    runtime = FakeRuntime(lambdas={LOOKUP: lambda event: {"name": "Ada"}})
    contact = Contact(
        customer_address=CALLER,
        system_address="+442079460000",
        contact_id="c-1",
        attributes={"lang": "en"},
    )
    block = lambda_block(LambdaInvocationAttributes={"op": "lookup", "from": "$.Attributes.lang"})
    call(flow_json(block, *LAMBDA_EXITS), runtime=runtime, contact=contact)
    (function, event, timeout) = runtime.invocations[0]
    data = event["Details"]["ContactData"]
    assert (function, timeout, event["Name"]) == (LOOKUP, 8.0, "ContactFlowEvent")
    assert event["Details"]["Parameters"] == {"op": "lookup", "from": "en"}
    assert data["CustomerEndpoint"] == {"Address": CALLER, "Type": "TELEPHONE_NUMBER"}
    assert data["SystemEndpoint"] == {"Address": "+442079460000", "Type": "TELEPHONE_NUMBER"}
    assert (data["ContactId"], data["InitialContactId"], data["Channel"]) == ("c-1", "c-1", "VOICE")
    assert (data["Attributes"], data["Queue"], data["InitiationMethod"]) == (
        {"lang": "en"},
        None,
        "INBOUND",
    )
    assert data["InstanceARN"].startswith("arn:aws:connect:")


def test_withheld_caller_number_is_a_null_customer_endpoint() -> None:
    runtime = FakeRuntime(lambdas={LOOKUP: lambda event: {}})
    contact = Contact(customer_address=None, system_address="+442079460000")
    call(flow_json(lambda_block(), *LAMBDA_EXITS), runtime=runtime, contact=contact)
    assert runtime.invocations[0][1]["Details"]["ContactData"]["CustomerEndpoint"] is None


def test_lambda_response_values_become_external_strings() -> None:
    flow = flow_json(
        lambda_block(),
        say("found", "$.External.name has $.External.count calls, VIP $.External.vip."),
        say("failed", "Sorry."),
    )
    runtime = FakeRuntime(lambdas={LOOKUP: lambda event: {"name": "Ada", "count": 3, "vip": True}})
    record = call(flow, runtime=runtime)
    assert record.prompts == ["Ada has 3 calls, VIP true."]
    assert record.invocations[0]["function"] == LOOKUP and record.invocations[0]["ok"]


def test_lambda_event_and_prompts_see_the_working_queue() -> None:
    flow = flow_json(
        set_queue(next_action="lookup"),
        lambda_block(),
        say("found", "You are waiting for $.Queue.Name."),
        say("failed", "Sorry."),
    )
    runtime = FakeRuntime(lambdas={LOOKUP: lambda event: {}})
    record = call(flow, runtime=runtime)
    queue = runtime.invocations[0][1]["Details"]["ContactData"]["Queue"]
    assert (queue["ARN"], queue["Name"]) == (QUEUE, "SupportQueue")
    assert record.prompts == ["You are waiting for SupportQueue."]


def test_lambda_invocation_error_takes_the_error_branch() -> None:
    def failing(event: dict[str, Any]) -> dict[str, Any]:
        raise LambdaInvocationError("Unhandled: KeyError 'x'")

    record = lambda_call(failing)
    assert record.prompts == ["Sorry."]
    assert not record.invocations[0]["ok"]
    assert "KeyError" in record.errors[0]


def test_lambda_that_raises_takes_the_error_branch() -> None:
    def crashing(event: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("boom")

    assert lambda_call(crashing).prompts == ["Sorry."]


def test_lambda_slower_than_its_time_limit_takes_the_error_branch() -> None:
    def slow(event: dict[str, Any]) -> dict[str, Any]:
        time.sleep(1.0)
        return {"name": "late"}

    with stopwatch() as took:
        record = lambda_call(slow, InvocationTimeLimitSeconds="0.1")
    assert record.prompts == ["Sorry."]
    assert "timed out after 0.1 s" in record.errors[0]  # the limit the flow gave the call
    assert took.seconds < 0.9, took  # and it did not wait for the late answer


def test_nested_response_is_rejected_for_a_string_map() -> None:
    record = lambda_call(lambda event: {"name": "Ada", "account": {"id": "1"}})
    assert record.prompts == ["Sorry."]
    assert "account" in record.errors[0]


def test_nested_response_is_read_as_dotted_paths_with_json_validation() -> None:
    flow = flow_json(
        lambda_block(ResponseValidation={"ResponseType": "JSON"}),
        say("found", "Account $.External.account.id."),
        say("failed", "Sorry."),
    )
    runtime = FakeRuntime(lambdas={LOOKUP: lambda event: {"account": {"id": "A1"}}})
    assert call(flow, runtime=runtime).prompts == ["Account A1."]


def test_response_of_32_kb_or_more_is_rejected() -> None:
    record = lambda_call(lambda event: {"name": "x" * (32 * 1024)})
    assert record.prompts == ["Sorry."]
    assert "32 KB" in record.errors[0]


def test_response_that_is_not_an_object_is_rejected() -> None:
    assert lambda_call(lambda event: ["Ada"]).prompts == ["Sorry."]


def test_failed_lambda_leaves_the_previous_external_values() -> None:
    responses = iter([{"name": "Ada"}, None])
    flow = flow_json(
        lambda_block(),
        action(
            "again",
            "InvokeLambdaFunction",
            {"LambdaFunctionARN": LOOKUP},
            next_action="found",
            errors={"NoMatchingError": "found"},
        ),
        say("found", "Hello $.External.name."),
        say("failed", "Sorry."),
    )
    flow["Actions"][0]["Transitions"]["NextAction"] = "again"
    runtime = FakeRuntime(lambdas={LOOKUP: lambda event: next(responses)})
    assert call(flow, runtime=runtime).prompts == ["Hello Ada."]


# --- attributes and Compare ----------------------------------------------------------------------


def test_set_attributes_resolves_values_and_the_record_keeps_the_final_ones() -> None:
    flow = flow_json(
        action(
            "set",
            "UpdateContactAttributes",
            {"Attributes": {"caller": "$.CustomerEndpoint.Address", "tier": "gold"}},
            next_action="bye",
            errors={"NoMatchingError": "bye"},
        )
    )
    assert call(flow).attributes == {"caller": CALLER, "tier": "gold"}


def compare_flow(value: str, operator: str, operand: str) -> dict[str, Any]:
    return flow_json(
        action(
            "set",
            "UpdateContactAttributes",
            {"Attributes": {"value": value}},
            next_action="check",
            errors={"NoMatchingError": "bye"},
        ),
        action(
            "check",
            "Compare",
            {"ComparisonValue": "$.Attributes.value"},
            conditions=[(operator, operand, "yes")],
            errors={"NoMatchingCondition": "no"},
        ),
        say("yes", "yes"),
        say("no", "no"),
    )


@pytest.mark.parametrize(
    ("value", "operator", "operand", "heard"),
    [
        ("gold", "Equals", "gold", "yes"),
        ("gold", "Equals", "Gold", "no"),
        ("10", "Equals", "10.0", "yes"),
        ("+4477", "TextStartsWith", "+44", "yes"),
        ("report.pdf", "TextEndsWith", ".pdf", "yes"),
        ("overdue notice", "TextContains", "due", "yes"),
        ("overdue notice", "TextContains", "paid", "no"),
        ("5", "NumberGreaterThan", "4", "yes"),
        ("4", "NumberGreaterThan", "4", "no"),
        ("4", "NumberGreaterOrEqualTo", "4", "yes"),
        ("3.5", "NumberLessThan", "4", "yes"),
        ("4", "NumberLessOrEqualTo", "4", "yes"),
        ("many", "NumberGreaterThan", "4", "no"),
        ("", "NumberLessThan", "4", "no"),
    ],
)
def test_compare_operators(value: str, operator: str, operand: str, heard: str) -> None:
    assert call(compare_flow(value, operator, operand)).prompts == [heard]


def test_compare_takes_the_first_condition_that_holds() -> None:
    flow = flow_json(
        action(
            "check",
            "Compare",
            {"ComparisonValue": "$.Channel"},
            conditions=[("TextStartsWith", "V", "first"), ("Equals", "VOICE", "second")],
            errors={"NoMatchingCondition": "bye"},
        ),
        say("first", "first"),
        say("second", "second"),
    )
    assert call(flow).prompts == ["first"]


# --- Loop and Wait -------------------------------------------------------------------------------


def test_loop_continues_loop_count_times_then_is_done() -> None:
    flow = flow_json(
        action(
            "again",
            "Loop",
            {"LoopCount": "3"},
            conditions=[("Equals", "ContinueLooping", "tick"), ("Equals", "DoneLooping", "done")],
        ),
        say("tick", "tick", next_action="again"),
        say("done", "done"),
    )
    assert call(flow).prompts == ["tick", "tick", "tick", "done"]


def test_loop_count_starts_again_after_done() -> None:
    flow = flow_json(
        action(
            "again",
            "Loop",
            {"LoopCount": "1"},
            conditions=[("Equals", "ContinueLooping", "tick"), ("Equals", "DoneLooping", "done")],
        ),
        say("tick", "tick", next_action="again"),
        say("done", "done", next_action="round"),
        action(
            "round",
            "Loop",
            {"LoopCount": "1"},
            conditions=[("Equals", "ContinueLooping", "again"), ("Equals", "DoneLooping", "bye")],
        ),
    )
    assert call(flow).prompts == ["tick", "done", "tick", "done"]


def test_wait_moves_the_virtual_clock() -> None:
    clock = VirtualClock(START)
    flow = flow_json(
        action(
            "pause",
            "Wait",
            {"TimeLimitSeconds": "90"},
            conditions=[("Equals", "WaitCompleted", "bye")],
            errors={"NoMatchingError": "bye"},
        )
    )
    record = call(flow, clock=clock)
    assert clock.now() == datetime(2026, 11, 23, 9, 1, 30, tzinfo=UTC)
    assert record.events[-1]["t"] == "2026-11-23T09:01:30+00:00"


# --- queues, hours, metrics ----------------------------------------------------------------------

QUEUE = "${SupportQueue.Arn}"


def set_queue(next_action: str = "queue") -> dict[str, Any]:
    return action(
        "set-queue",
        "UpdateContactTargetQueue",
        {"QueueId": QUEUE},
        next_action=next_action,
        errors={"NoMatchingError": "bye"},
    )


TO_QUEUE = action("queue", "TransferContactToQueue", errors={"NoMatchingError": "noqueue"})
NO_QUEUE = say("noqueue", "No queue.")


def test_transfer_to_queue_ends_the_flow_in_the_working_queue() -> None:
    record = call(flow_json(set_queue(), TO_QUEUE, NO_QUEUE))
    assert record.ended == "queue:SupportQueue"


def test_queue_named_by_a_template_output_placeholder_ends_in_that_queue() -> None:
    flow = flow_json(set_queue(), TO_QUEUE, NO_QUEUE)
    flow["Actions"][0]["Parameters"]["QueueId"] = "${BasicQueueArn}"
    assert call(flow).ended == "queue:BasicQueue"


def test_transfer_without_a_working_queue_takes_the_error_branch() -> None:
    record = call(flow_json(TO_QUEUE, NO_QUEUE))
    assert record.prompts == ["No queue."]
    assert record.ended == "disconnected"


def test_agent_whisper_flow_plays_to_the_agent_not_the_caller() -> None:
    main = flow_json(
        action(
            "hook",
            "UpdateContactEventHooks",
            {"EventHooks": {"AgentWhisper": "${AgentWhisperFlow.Arn}"}},
            next_action="set-queue",
            errors={"NoMatchingError": "bye"},
        ),
        set_queue(),
        TO_QUEUE,
        NO_QUEUE,
    )
    whisper = {
        "Version": "2019-10-30",
        "StartAction": "w",
        "Actions": [
            action(
                "w", "MessageParticipant", {"Text": "Caller $.Attributes.tier"}, next_action="e"
            ),
            action("e", "EndFlowExecution"),
        ],
    }
    main["Actions"].insert(0, say("hi", "Hello.", next_action="tier"))
    main["Actions"].insert(
        1,
        action(
            "tier",
            "UpdateContactAttributes",
            {"Attributes": {"tier": "gold"}},
            next_action="hook",
        ),
    )
    main["StartAction"] = "hi"
    library = FlowLibrary(
        [parse_flow(main, "main"), parse_flow(whisper, "agent_whisper")],
        aliases={"${AgentWhisperFlow.Arn}": "agent_whisper"},
    )
    record = call(library)
    assert record.prompts == ["Hello."]
    assert record.whisper == ["Caller gold"]
    assert record.ended == "queue:SupportQueue"
    assert "agent_whisper:w" in record.blocks


def test_metric_check_asks_about_the_working_queue_and_routes_on_the_number() -> None:
    runtime = FakeRuntime(metrics={"NumberOfAgentsAvailable": 0.0})
    flow = flow_json(
        set_queue(next_action="staffed"),
        action(
            "staffed",
            "CheckMetricData",
            {"MetricType": "NumberOfAgentsAvailable"},
            conditions=[("NumberGreaterThan", "0", "queue")],
            errors={"NoMatchingCondition": "closed", "NoMatchingError": "bye"},
        ),
        TO_QUEUE,
        NO_QUEUE,
        say("closed", "Nobody is available."),
    )
    record = call(flow, runtime=runtime)
    assert record.prompts == ["Nobody is available."]
    assert runtime.metric_queries == [(QUEUE, "NumberOfAgentsAvailable")]


@pytest.mark.parametrize(("open_hours", "heard"), [(True, "We are open."), (False, "Closed.")])
def test_hours_check_routes_on_true_or_false(open_hours: bool, heard: str) -> None:
    runtime = FakeRuntime(open_hours=open_hours)
    flow = flow_json(
        action(
            "hours",
            "CheckHoursOfOperation",
            {"HoursOfOperationId": "${OfficeHours.Arn}"},
            conditions=[("Equals", "True", "open"), ("Equals", "False", "closed")],
            errors={"NoMatchingError": "bye"},
        ),
        say("open", "We are open."),
        say("closed", "Closed."),
    )
    assert call(flow, runtime=runtime).prompts == [heard]
    assert runtime.hours_queries == ["${OfficeHours.Arn}"]


# --- callbacks -----------------------------------------------------------------------------------


def callback_flow(number: str) -> dict[str, Any]:
    return flow_json(
        action(
            "set",
            "UpdateContactAttributes",
            {"Attributes": {"number": number}},
            next_action="number",
        ),
        action(
            "number",
            "UpdateContactCallbackNumber",
            {"CallbackNumber": "$.Attributes.number"},
            next_action="callback",
            errors={"InvalidCallbackNumber": "invalid", "CallbackNumberNotDialable": "far"},
        ),
        action(
            "callback",
            "CreateCallbackContact",
            {
                "QueueId": QUEUE,
                "InitialCallDelaySeconds": "5",
                "MaximumConnectionAttempts": "2",
                "RetryDelaySeconds": "600",
            },
            next_action="bye",
            errors={"NoMatchingError": "bye"},
        ),
        say("invalid", "Invalid number."),
        say("far", "We cannot call that number."),
    )


def test_callback_is_requested_for_the_number_given() -> None:
    record = call(callback_flow("+447700900999"))
    (request,) = record.callbacks
    assert (request.number, request.queue, request.max_attempts) == ("+447700900999", QUEUE, 2)


def test_callback_number_that_is_not_e164_is_invalid() -> None:
    record = call(callback_flow("call me maybe"))
    assert record.prompts == ["Invalid number."] and record.callbacks == []


def test_callback_number_outside_the_dialable_countries_is_not_dialable() -> None:
    contact = Contact(
        customer_address=CALLER, system_address="+442079460000", dialable_prefixes=("+44",)
    )
    record = call(callback_flow("+15005550006"), contact=contact)
    assert record.prompts == ["We cannot call that number."]


def test_callback_without_a_number_set_calls_the_caller_back() -> None:
    flow = callback_flow("+447700900999")
    flow["StartAction"] = "callback"
    assert call(flow).callbacks[0].number == CALLER


# --- transfers and modules -----------------------------------------------------------------------


def test_transfer_to_flow_follows_an_alias_to_the_other_flow() -> None:
    main = flow_json(
        action(
            "go",
            "TransferToFlow",
            {"ContactFlowId": "${CustomerQueueFlow.Arn}"},
            errors={"NoMatchingError": "bye"},
        )
    )
    other = flow_json(say("hello", "Welcome to the other flow."))
    library = FlowLibrary(
        [parse_flow(main, "main"), parse_flow(other, "customer_queue")],
        aliases={"${CustomerQueueFlow.Arn}": "customer_queue"},
    )
    record = call(library)
    assert record.prompts == ["Welcome to the other flow."]
    assert record.blocks == ["main:go", "customer_queue:hello", "customer_queue:bye"]


def test_transfer_to_an_unknown_flow_takes_the_error_branch() -> None:
    flow = flow_json(
        action(
            "go",
            "TransferToFlow",
            {"ContactFlowId": "arn:aws:connect:eu-west-2:1:instance/i/contact-flow/nope"},
            errors={"NoMatchingError": "sorry"},
        ),
        say("sorry", "Sorry."),
    )
    record = call(flow)
    assert record.prompts == ["Sorry."]
    assert "is no known flow" in record.errors[0]


def test_flow_module_returns_to_the_invoking_blocks_next_action() -> None:
    main = flow_json(
        action(
            "module",
            "InvokeFlowModule",
            {"FlowModuleId": "${GreetingModule.Arn}"},
            next_action="after",
            errors={"NoMatchingError": "bye"},
        ),
        say("after", "Back in main."),
    )
    module = flow_json(say("hi", "Hello from the module.", next_action="done"))
    module["Actions"].append(action("done", "EndFlowModuleExecution"))
    library = FlowLibrary(
        [parse_flow(main, "main"), parse_flow(module, "greeting")],
        aliases={"${GreetingModule.Arn}": "greeting"},
    )
    record = call(library)
    assert record.prompts == ["Hello from the module.", "Back in main."]
    assert ("main", "module", "NextAction") in record.branches


# --- Voice ID and contact settings ---------------------------------------------------------------


def test_voice_id_check_uses_the_customer_id_set_on_the_contact() -> None:
    runtime = FakeRuntime(voice_id="NotEnrolled")
    flow = flow_json(
        action(
            "voice",
            "UpdateContactData",
            {"CustomerId": "$.Attributes.customer", "IsVoiceAuthenticationEnabled": "True"},
            next_action="stream",
            errors={"NoMatchingError": "bye"},
        ),
        action("stream", "StartVoiceIdStream", next_action="check"),
        action(
            "check",
            "CheckVoiceId",
            {"CheckVoiceIdOption": "enrollmentStatus"},
            conditions=[("Equals", "Enrolled", "known"), ("Equals", "NotEnrolled", "new")],
            errors={"NoMatchingError": "bye"},
        ),
        say("known", "Welcome back."),
        say("new", "Let us enrol your voice."),
    )
    contact = Contact(
        customer_address=CALLER, system_address="+442079460000", attributes={"customer": "C-9"}
    )
    record = call(flow, runtime=runtime, contact=contact)
    assert record.prompts == ["Let us enrol your voice."]
    assert runtime.voice_id_queries == [("enrollmentStatus", "C-9")]
    assert contact.voice_id_streaming and contact.voice_id_settings == {
        "IsVoiceAuthenticationEnabled": "True"
    }


def test_logging_recording_voice_and_streaming_are_kept_on_the_contact() -> None:
    contact = Contact(customer_address=CALLER, system_address="+442079460000")
    flow = flow_json(
        action(
            "log",
            "UpdateFlowLoggingBehavior",
            {"FlowLoggingBehavior": "Enabled"},
            next_action="rec",
        ),
        action(
            "rec",
            "UpdateContactRecordingBehavior",
            {"RecordingBehavior": {"RecordedParticipants": ["Agent", "Customer"]}},
            next_action="voice",
        ),
        action(
            "voice",
            "UpdateContactTextToSpeechVoice",
            {"TextToSpeechVoice": "Amy", "TextToSpeechEngine": "Neural"},
            next_action="stream",
        ),
        action(
            "stream",
            "UpdateContactMediaStreamingBehavior",
            {"MediaStreamingState": "Enabled"},
            next_action="bye",
            errors={"NoMatchingError": "bye"},
        ),
    )
    assert call(flow, contact=contact).ended == "disconnected"
    assert contact.flow_logging and contact.media_streaming
    assert contact.recorded_participants == ("Agent", "Customer")
    assert (contact.tts_voice, contact.tts_engine) == ("Amy", "Neural")


# --- how the interpreter stops --------------------------------------------------------------------


def test_unsupported_action_type_stops_the_call_naming_type_and_block() -> None:
    flow = flow_json(action("cases", "SendCarrierPigeon", next_action="bye"))
    record = call(flow)
    assert record.ended == "error"
    assert record.errors == [
        "unsupported action type 'SendCarrierPigeon' at main:cases: "
        "the local contact center cannot run this block"
    ]


def test_step_budget_stops_a_flow_that_loops_forever() -> None:
    flow = flow_json(
        action(
            "a", "UpdateFlowLoggingBehavior", {"FlowLoggingBehavior": "Enabled"}, next_action="b"
        ),
        action(
            "b", "UpdateFlowLoggingBehavior", {"FlowLoggingBehavior": "Enabled"}, next_action="a"
        ),
    )
    record = call(flow, step_budget=50)
    assert record.ended == "error"
    assert record.errors[0].startswith("step budget of 50 blocks used up at main:")
    assert len(record.blocks) == 50


def test_next_action_that_does_not_exist_stops_with_a_clear_error() -> None:
    record = call(flow_json(say("hello", "Hi.", next_action="gone")))
    assert record.prompts == ["Hi."]
    assert record.ended == "error"
    assert record.errors == [
        "main:hello goes to 'gone' (NextAction), which is not an action in flow main"
    ]


def test_error_without_any_branch_for_it_stops_the_call() -> None:
    flow = flow_json(
        action("check", "Compare", {"ComparisonValue": "x"}, conditions=[("Equals", "y", "bye")])
    )
    record = call(flow)
    assert record.errors == [
        "main:check: NoMatchingCondition happened and the block has no NoMatchingCondition "
        "or NoMatchingError branch"
    ]


def test_end_flow_execution_disconnects_the_caller() -> None:
    assert call(flow_json(action("end", "EndFlowExecution"))).ended == "disconnected"


def test_record_lists_blocks_and_branches_in_order() -> None:
    flow = flow_json(menu([("Equals", "1", "one")]), *MENU_EXITS, WRONG)
    record = call(flow, Digits("1"))
    assert record.blocks == ["main:menu", "main:one", "main:bye"]
    assert record.branches == [("main", "menu", "Condition:0"), ("main", "one", "NextAction")]

"""Connect test cases (the Testing language) against small flows, with a fake contact center.

Each behaviour the AWS documentation gives an event, an action, a strategy, an operator or a
usage is one test; the test cases are built from the documentation's descriptions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.flows import CallRecord, Contact, FlowLibrary, VirtualClock, parse_flow, run_contact
from simulator.ports import LexTurn
from simulator.testing.engine import TestCaseRun
from simulator.testing.language import parse_test_case
from simulator.testing.matching import OPERATORS, SIMILARITY_THRESHOLD, message_matches, similarity
from simulator.testing.resources import ResourceMap
from tests.unit.simulator.connect_test_cases import (
    case_of,
    check,
    control,
    event,
    flow_action,
    hang_up,
    message,
    mock_error,
    mock_result,
    observation,
    override,
    press,
    substitute,
    utter,
)
from tests.unit.simulator.test_flow_interpreter import (
    FakeRuntime,
    ScriptedLex,
    action,
    flow_json,
    say,
)

START = datetime.fromisoformat("2026-12-01T09:30:00-05:00")
CALLER = "+13125550142"
#: The example instance's ARN for the caller-lookup function (deploy/instances/example.json).
LOOKUP_ARN = "arn:aws:lambda:us-east-1:123456789012:function:ivr-CallerLookupFunction-AbCdEf"
QUEUE_ARN = (
    "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/queue/"
    "66666666-7777-8888-9999-000000000000"
)
BOT_ARN = "arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/KLMNOPQRST"


class Outcome:
    def __init__(self, test: TestCaseRun, record: CallRecord, failures: list[str]) -> None:
        self.test = test
        self.record = record
        self.failures = failures

    @property
    def passed(self) -> bool:
        return not self.failures

    def state(self, identifier: str) -> Any:
        return next(s for s in self.test.states if s.observation.identifier == identifier)


def run(
    case: dict[str, Any],
    *actions: dict[str, Any],
    runtime: FakeRuntime | None = None,
    lex: ScriptedLex | None = None,
) -> Outcome:
    library = FlowLibrary([parse_flow(flow_json(*actions), "main")])
    test = TestCaseRun(parse_test_case(case), ResourceMap.load())
    clock = VirtualClock(START)
    test.start()
    record = run_contact(
        library,
        "main",
        Contact(customer_address=CALLER, system_address="+13125550199"),
        test,
        test.runtime(runtime or FakeRuntime(), clock),
        lex,
        clock,
        listener=test.listener,
        observer=test.observer,
    )
    return Outcome(test, record, test.finish())


def menu() -> dict[str, Any]:
    """Press 1 or 2; each choice says which, a timeout says so."""
    return action(
        "menu",
        "GetParticipantInput",
        {"Text": "Press 1 for balance, 2 for payments.", "StoreInput": "False"},
        conditions=[("Equals", "1", "one"), ("Equals", "2", "two")],
        errors={
            "InputTimeLimitExceeded": "timeout",
            "NoMatchingCondition": "bye",
            "NoMatchingError": "bye",
        },
    )


MENU = (
    menu(),
    say("one", "You chose balance."),
    say("two", "You chose payments."),
    say("timeout", "We did not hear you."),
)


def lookup(next_action: str = "greet") -> dict[str, Any]:
    return action(
        "lookup",
        "InvokeLambdaFunction",
        {"LambdaFunctionARN": "${CallerLookupFunction.Arn}", "InvocationTimeLimitSeconds": "3"},
        next_action=next_action,
        errors={"NoMatchingError": "failed"},
    )


LOOKUP = (lookup(), say("greet", "Hello $.External.firstName."), say("failed", "Lookup failed."))


def answering(**lambdas: dict[str, str]) -> FakeRuntime:
    """Each function answers the same map whatever the event."""

    def answer_with(answer: dict[str, str]) -> Any:
        return lambda event: answer

    return FakeRuntime({ref: answer_with(answer) for ref, answer in lambdas.items()})


# --- events ---------------------------------------------------------------------------------


def test_test_initiated_runs_its_actions_before_the_first_block() -> None:
    case = case_of(observation("begin", event("TestInitiated"), press(2)))
    outcome = run(case, *MENU)
    assert outcome.passed, outcome.failures
    assert "You chose payments." in outcome.record.prompts


def test_message_received_by_inclusion_answers_the_prompt_it_matched() -> None:
    case = case_of(
        observation("menu", message("press 1 for balance"), press("1"), then=("chosen",)),
        observation("chosen", message("You chose balance")),
    )
    assert run(case, *MENU).passed


def test_message_received_by_ssml_matches_the_spoken_text() -> None:
    case = case_of(
        observation("menu", message("<speak>Press 1 for <b>balance</b></speak>", ssml=True))
    )
    assert run(case, *MENU).passed


def test_similarity_matches_a_prompt_with_other_figures() -> None:
    heard = "Your balance is $120.50."
    assert message_matches(
        {"Text": "Your balance is $99.00", "MatchingCriteria": "Similarity"}, heard
    )
    assert not message_matches({"Text": "Your balance is $99.00"}, heard)  # Inclusion: exact words


def test_similarity_threshold_separates_near_and_far_texts() -> None:
    assert similarity("Your balance is $120.50", "Your balance is $99.00") >= SIMILARITY_THRESHOLD
    assert similarity("Thank you, goodbye", "Your balance is $120.50") < SIMILARITY_THRESHOLD
    assert message_matches(
        {"Text": "Thank you for calling", "MatchingCriteria": "Similarity"},
        "Thank you for calling Example Bank. Goodbye.",
    )


def test_flow_action_started_matches_a_lambda_by_its_instance_arn() -> None:
    case = case_of(
        observation(
            "lookup", flow_action("InvokeLambdaFunction", {"LambdaFunctionARN": LOOKUP_ARN})
        )
    )
    outcome = run(
        case, *LOOKUP, runtime=answering(**{"${CallerLookupFunction.Arn}": {"firstName": "Ana"}})
    )
    assert outcome.passed, outcome.failures


def test_an_arn_the_instance_file_lacks_matches_by_the_logical_id_in_its_name() -> None:
    other_stack = "arn:aws:lambda:eu-west-2:210987654321:function:ivr-prod-CallerLookupFunction-Zz9"
    case = case_of(
        observation(
            "lookup", flow_action("InvokeLambdaFunction", {"LambdaFunctionARN": other_stack})
        )
    )
    outcome = run(
        case, *LOOKUP, runtime=answering(**{"${CallerLookupFunction.Arn}": {"firstName": "Ana"}})
    )
    assert outcome.passed, outcome.failures


def test_flow_action_started_of_another_lambda_does_not_match() -> None:
    elsewhere = "arn:aws:lambda:us-east-1:123456789012:function:ivr-AccountBalanceFunction-AbCdEf"
    case = case_of(
        observation(
            "balance", flow_action("InvokeLambdaFunction", {"LambdaFunctionARN": elsewhere})
        )
    )
    outcome = run(
        case, *LOOKUP, runtime=answering(**{"${CallerLookupFunction.Arn}": {"firstName": "Ana"}})
    )
    assert not outcome.passed
    assert "balance: expected 1 match(es)" in outcome.failures[0]


def hours_flow() -> tuple[dict[str, Any], ...]:
    return (
        action(
            "hours",
            "CheckHoursOfOperation",
            {"HoursOfOperationId": "${BusinessHours}"},
            conditions=[("Equals", "True", "open"), ("Equals", "False", "closed")],
            errors={"NoMatchingError": "failed"},
        ),
        say("open", "We are open."),
        say("closed", "We are closed."),
        say("failed", "Hours unknown."),
    )


def test_flow_action_started_observes_the_hours_check() -> None:
    case = case_of(
        observation(
            "hours",
            flow_action("CheckHoursOfOperation", {"HoursOfOperationId": "${BusinessHours}"}),
        )
    )
    assert run(case, *hours_flow()).passed


def queue_flow() -> tuple[dict[str, Any], ...]:
    return (
        action(
            "target",
            "UpdateContactTargetQueue",
            {"QueueId": "${BasicQueueArn}"},
            next_action="transfer",
            errors={"NoMatchingError": "bye"},
        ),
        action(
            "transfer",
            "TransferContactToQueue",
            {},
            errors={"QueueAtCapacity": "full", "NoMatchingError": "bye"},
        ),
        say("full", "The queue is full."),
    )


def test_flow_action_started_observes_the_transfer_to_a_queue_by_its_arn() -> None:
    case = case_of(
        observation("queued", flow_action("TransferContactToQueue", {"QueueId": QUEUE_ARN}))
    )
    outcome = run(case, *queue_flow())
    assert outcome.passed, outcome.failures
    assert outcome.record.ended == "queue:BasicQueue"


def lex_flow() -> tuple[dict[str, Any], ...]:
    return (
        action(
            "bot",
            "ConnectParticipantWithLexBot",
            {"Text": "How can I help?", "LexV2Bot": {"AliasArn": "${IvrBotAlias.Arn}"}},
            conditions=[("Equals", "CheckBalance", "balance")],
            errors={
                "NoMatchingCondition": "other",
                "NoMatchingError": "failed",
                "InputTimeLimitExceeded": "failed",
            },
        ),
        say("balance", "Balance it is."),
        say("other", "Something else."),
        say("failed", "The bot failed."),
    )


def test_flow_action_started_observes_the_bot_by_its_alias_arn() -> None:
    bot = ScriptedLex(LexTurn([], "Close", "CheckBalance", "Fulfilled"))
    case = case_of(
        observation(
            "bot",
            flow_action("ConnectParticipantWithLexBot", {"LexV2Bot": {"AliasArn": BOT_ARN}}),
            utter("my balance"),
        ),
    )
    outcome = run(case, *lex_flow(), lex=bot)
    assert outcome.passed, outcome.failures
    assert bot.calls[0][2] == "my balance"
    assert "Balance it is." in outcome.record.prompts


def test_test_completed_checks_the_contact_as_the_call_ended() -> None:
    case = case_of(
        observation("begin", event("TestInitiated"), press(1)),
        observation("end", event("TestCompleted"), check("$.Attributes.choice", "Exists")),
    )
    flow = (
        action(
            "remember",
            "UpdateContactAttributes",
            {"Attributes": {"choice": "balance"}},
            next_action="menu",
            errors={"NoMatchingError": "bye"},
        ),
        *MENU,
    )
    assert run(case, *flow).passed


# --- order and usage ------------------------------------------------------------------------


def test_a_chained_observation_waits_for_the_one_before_it() -> None:
    case = case_of(
        observation("chosen", message("You chose balance"), then=("menu",)),
        observation("menu", message("Press 1 for balance"), press(1)),
    )
    outcome = run(case, *MENU)
    assert not outcome.passed  # "menu" became active only after a prompt that never came first
    assert outcome.state("menu").count == 0


def test_an_unchained_observation_matches_whenever_its_event_comes() -> None:
    case = case_of(
        observation("begin", event("TestInitiated"), press(2)),
        observation("late", message("You chose payments")),
        observation("early", message("Press 1 for balance")),
    )
    assert run(case, *MENU).passed


def test_an_observation_that_never_matches_fails_as_soon_as_the_call_ends() -> None:
    case = case_of(observation("missing", message("Welcome to the moon")))
    outcome = run(case, *MENU)
    assert not outcome.passed
    assert outcome.failures == [
        "missing: expected 1 match(es) of 'Welcome to the moon' (Inclusion), got 0; "
        "heard ['Press 1 for balance, 2 for payments.', 'We did not hear you.']"
    ]


def twice() -> tuple[dict[str, Any], ...]:
    return (say("first", "Hello.", next_action="second"), say("second", "Hello."))


def test_usage_exactly_times_counts_the_matches() -> None:
    assert run(
        case_of(observation("hello", message("Hello"), usage={"Type": "EXACTLY", "Times": 2})),
        *twice(),
    ).passed
    outcome = run(
        case_of(observation("hello", message("Hello"), usage={"Type": "EXACTLY", "Times": 3})),
        *twice(),
    )
    assert outcome.failures == ["hello: expected 3 match(es) of 'Hello' (Inclusion), got 2"]


def test_usage_absent_means_exactly_once() -> None:
    outcome = run(case_of(observation("hello", message("Hello"))), *twice())
    assert outcome.passed
    assert outcome.state("hello").count == 1  # the second "Hello." is no longer observed


def test_usage_at_least_needs_that_many() -> None:
    assert run(
        case_of(observation("hello", message("Hello"), usage={"Type": "ATLEAST", "Times": 2})),
        *twice(),
    ).passed
    assert not run(
        case_of(observation("hello", message("Hello"), usage={"Type": "AtLeast", "Times": 3})),
        *twice(),
    ).passed


def test_usage_at_most_fails_on_one_match_too_many() -> None:
    assert run(
        case_of(observation("hello", message("Hello"), usage={"Type": "AT_MOST", "Times": 2})),
        *twice(),
    ).passed
    outcome = run(
        case_of(observation("hello", message("Hello"), usage={"Type": "ATMOST", "Times": 1})),
        *twice(),
    )
    assert outcome.failures == ["hello: matched 2 times, at most 1 allowed ('Hello.')"]


def test_usage_always_acts_on_every_match_and_never_fails_on_count() -> None:
    case = case_of(
        observation(
            "hello",
            message("Hello"),
            control("LogData", Data="heard hello"),
            usage={"Type": "ALWAYS"},
        ),
        observation("never", message("Goodbye"), usage={"Type": "ALWAYS"}),
    )
    outcome = run(case, *twice())
    assert outcome.passed
    assert [e["data"] for e in outcome.test.log if e.get("action") == "LogData"] == [
        "heard hello"
    ] * 2


# --- send instruction ---------------------------------------------------------------------


def test_dtmf_value_may_be_a_number() -> None:
    outcome = run(case_of(observation("menu", message("Press 1"), press(2))), *MENU)
    assert "You chose payments." in outcome.record.prompts


def test_text_utterance_accepts_utterance_and_value_too() -> None:
    for key in ("Text", "Utterance", "Value"):
        bot = ScriptedLex(LexTurn([], "Close", "CheckBalance", "Fulfilled"))
        case = case_of(observation("bot", message("How can I help"), utter("my balance", key)))
        run(case, *lex_flow(), lex=bot)
        assert bot.calls[0][2] == "my balance", key


def test_disconnect_hangs_up_at_the_next_question() -> None:
    outcome = run(case_of(observation("menu", message("Press 1"), hang_up())), *MENU)
    assert outcome.record.ended == "hangup"


def test_without_an_instruction_the_customer_stays_silent() -> None:
    outcome = run(case_of(observation("timeout", message("We did not hear you"))), *MENU)
    assert outcome.passed


# --- override system behavior ----------------------------------------------------------


def test_mocked_lambda_answers_its_loaded_data() -> None:
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override(
                "InvokeLambdaFunction",
                {"LambdaFunctionARN": LOOKUP_ARN},
                mock_result(LoadedData='{"firstName": "Mock"}'),
            ),
        ),
    )
    runtime = FakeRuntime()
    outcome = run(case, *LOOKUP, runtime=runtime)
    assert "Hello Mock." in outcome.record.prompts
    assert runtime.invocations == []  # the real function never ran


def test_a_mocked_delay_shorter_than_the_limit_passes_virtual_time() -> None:
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override(
                "InvokeLambdaFunction",
                {"LambdaFunctionARN": LOOKUP_ARN},
                mock_result(LoadedData='{"firstName": "Slow"}', DelaySeconds=2),
            ),
        ),
    )
    outcome = run(case, *LOOKUP)
    assert "Hello Slow." in outcome.record.prompts
    assert outcome.record.events[-1]["t"] >= "2026-12-01T09:30:02"


def test_a_mocked_delay_past_the_time_limit_takes_the_error_branch() -> None:
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override(
                "InvokeLambdaFunction",
                {"LambdaFunctionARN": LOOKUP_ARN},
                mock_result(LoadedData="{}", DelaySeconds=5),
            ),
        ),
    )
    outcome = run(case, *LOOKUP)
    assert "Lookup failed." in outcome.record.prompts


def test_mocked_errors_take_the_error_branch() -> None:
    for error_type in ("NoMatchingError", "TimeLimitExceeded"):
        case = case_of(
            observation(
                "begin",
                event("TestInitiated"),
                override(
                    "InvokeLambdaFunction",
                    {"LambdaFunctionARN": LOOKUP_ARN},
                    mock_error(error_type),
                ),
            ),
        )
        assert "Lookup failed." in run(case, *LOOKUP).record.prompts, error_type


def test_each_override_is_used_once_and_several_wait_in_order() -> None:
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override(
                "InvokeLambdaFunction",
                {"LambdaFunctionARN": LOOKUP_ARN},
                mock_result(LoadedData='{"firstName": "First"}'),
            ),
            override(
                "InvokeLambdaFunction",
                {"LambdaFunctionARN": LOOKUP_ARN},
                mock_result(LoadedData='{"firstName": "Second"}'),
            ),
        ),
    )
    flow = (
        lookup("greet"),
        say("greet", "Hello $.External.firstName.", next_action="again"),
        lookup_again := action(
            "again",
            "InvokeLambdaFunction",
            {"LambdaFunctionARN": "${CallerLookupFunction.Arn}"},
            next_action="greet2",
            errors={"NoMatchingError": "failed"},
        ),
        action(
            "again2",
            "InvokeLambdaFunction",
            {"LambdaFunctionARN": "${CallerLookupFunction.Arn}"},
            next_action="greet3",
            errors={"NoMatchingError": "failed"},
        ),
        say("greet2", "Then $.External.firstName.", next_action="again2"),
        say("greet3", "Last $.External.firstName."),
        say("failed", "Lookup failed."),
    )
    del lookup_again
    runtime = answering(**{"${CallerLookupFunction.Arn}": {"firstName": "Real"}})
    outcome = run(case, *flow, runtime=runtime)
    assert outcome.record.prompts == ["Hello First.", "Then Second.", "Last Real."]


def test_substitute_resource_runs_the_other_function() -> None:
    balance = "arn:aws:lambda:us-east-1:123456789012:function:ivr-AccountBalanceFunction-AbCdEf"
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override(
                "InvokeLambdaFunction", {"LambdaFunctionARN": LOOKUP_ARN}, substitute(balance)
            ),
        ),
    )
    runtime = answering(AccountBalanceFunction={"firstName": "Balance"})
    outcome = run(case, *LOOKUP, runtime=runtime)
    assert runtime.invocations[0][0] == "AccountBalanceFunction"
    assert "Hello Balance." in outcome.record.prompts


def test_mocked_hours_answer_closed() -> None:
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override("CheckHoursOfOperation", {}, mock_result(Result="False")),
        ),
    )
    assert "We are closed." in run(case, *hours_flow()).record.prompts


def test_queue_at_capacity_takes_its_branch() -> None:
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override(
                "TransferContactToQueue", {"QueueId": QUEUE_ARN}, mock_error("QueueAtCapacity")
            ),
        ),
    )
    outcome = run(case, *queue_flow())
    assert "The queue is full." in outcome.record.prompts


def test_mocked_bot_answers_an_intent_without_asking_the_bot() -> None:
    bot = ScriptedLex()
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override("ConnectParticipantWithLexBot", {}, mock_result(IntentName="CheckBalance")),
        ),
    )
    outcome = run(case, *lex_flow(), lex=bot)
    assert outcome.record.prompts == ["Balance it is."]
    assert bot.calls == []


def test_an_override_set_when_the_block_starts_applies_to_that_block() -> None:
    case = case_of(
        observation(
            "lookup",
            flow_action("InvokeLambdaFunction", {"LambdaFunctionARN": LOOKUP_ARN}),
            override(
                "InvokeLambdaFunction",
                {"LambdaFunctionARN": LOOKUP_ARN},
                mock_error("NoMatchingError"),
            ),
        ),
    )
    assert "Lookup failed." in run(case, *LOOKUP).record.prompts


# --- assert and test control --------------------------------------------------------------


def test_every_documented_operator() -> None:
    assert OPERATORS["Equals"]("CheckBalance", "CheckBalance")
    assert not OPERATORS["Equals"]("CheckBalance", "checkbalance")
    assert OPERATORS["TextStartsWith"]("Hello Ana", "Hello")
    assert OPERATORS["TextEndsWith"]("Hello Ana", "Ana")
    assert OPERATORS["TextContains"]("Hello Ana", "lo A")
    assert OPERATORS["NumberGreaterThan"]("120.50", "100")
    assert not OPERATORS["NumberGreaterThan"]("100", "100")
    assert OPERATORS["NumberGreaterOrEqualTo"]("100", "100")
    assert OPERATORS["NumberLessThan"]("3", "10")  # numbers, not text ("3" > "10" as text)
    assert OPERATORS["NumberLessOrEqualTo"]("10", "10")
    assert not OPERATORS["NumberLessThan"]("ten", "10")
    assert OPERATORS["Exists"]("", "")
    assert not OPERATORS["Exists"](None, "")


def test_a_failing_assert_fails_the_test_with_what_it_found() -> None:
    case = case_of(
        observation(
            "lookup", flow_action("InvokeLambdaFunction"), check("$.Attributes.missing", "Exists")
        ),
        observation("end", event("TestCompleted"), check("$.External.firstName", "Equals", "Bob")),
    )
    outcome = run(
        case, *LOOKUP, runtime=answering(**{"${CallerLookupFunction.Arn}": {"firstName": "Ana"}})
    )
    assert outcome.failures == [
        "lookup: assert $.Attributes.missing Exists None failed: the value is None",
        "end: assert $.External.firstName Equals 'Bob' failed: the value is 'Ana'",
    ]


def test_end_test_stops_the_call() -> None:
    case = case_of(observation("menu", message("Press 1"), control("EndTest")))
    outcome = run(case, *MENU)
    assert outcome.passed
    assert outcome.record.ended == "test-ended"
    assert "We did not hear you." not in outcome.record.prompts


def test_log_data_records_a_namespace_value() -> None:
    case = case_of(
        observation(
            "greet", message("Hello"), control("LogData", Namespace="$.External.firstName")
        ),
    )
    outcome = run(
        case, *LOOKUP, runtime=answering(**{"${CallerLookupFunction.Arn}": {"firstName": "Ana"}})
    )
    assert {"observation": "greet", "action": "LogData", "data": "Ana"} in outcome.test.log


# --- versions and what is not supported --------------------------------------------------------


def test_both_versions_the_aws_pages_show_are_accepted() -> None:
    for version in ("2019-10-30", "2025-06-21"):
        assert run(case_of(observation("menu", message("Press 1")), version=version), *MENU).passed


def test_unsupported_constructs_fail_and_are_named() -> None:
    case = case_of(
        observation("chat", event("ChatMessageReceived")),
        observation("media", message("x") | {"Properties": {"Media": {"Uri": "s3://x"}}}),
        observation(
            "odd", event("TestInitiated"), {"Identifier": "a", "Type": "Wiggle", "Parameters": {}}
        ),
        version="2030-01-01",
    )
    outcome = run(case, *MENU)
    joined = "\n".join(outcome.failures)
    for named in (
        "Version '2030-01-01'",
        "event Type 'ChatMessageReceived'",
        "Media",
        "action Type 'Wiggle'",
    ):
        assert named in joined
    assert not outcome.passed


def test_a_test_case_without_observations_fails() -> None:
    outcome = run(case_of(), *MENU)
    assert outcome.failures == ["no observations: a test case that observes nothing proves nothing"]


def test_substitute_queue_puts_the_contact_in_the_other_queue() -> None:
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override("TransferContactToQueue", {}, substitute("${PriorityQueueArn}")),
        ),
    )
    assert run(case, *queue_flow()).record.ended == "queue:PriorityQueue"


def test_mocked_bot_error_takes_the_blocks_error_branch() -> None:
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override("ConnectParticipantWithLexBot", {}, mock_error("NoMatchingError")),
        ),
    )
    assert run(case, *lex_flow(), lex=ScriptedLex()).record.prompts == ["The bot failed."]


def test_mocked_hours_error_takes_the_blocks_error_branch() -> None:
    case = case_of(
        observation(
            "begin",
            event("TestInitiated"),
            override("CheckHoursOfOperation", {}, mock_error("NoMatchingError")),
        ),
    )
    assert "Hours unknown." in run(case, *hours_flow()).record.prompts

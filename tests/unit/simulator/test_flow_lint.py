"""The flow linter finds what Connect would reject, and what a caller would trip over."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from simulator.flows import LintProblem, lint_flow, lint_paths
from simulator.flows.lint import main


def good_flow() -> dict[str, Any]:
    """A small flow with every branch wired: greet, look the caller up, menu, queue."""
    return {
        "Version": "2019-10-30",
        "StartAction": "greet",
        "Metadata": {},
        "Actions": [
            {
                "Identifier": "greet",
                "Type": "MessageParticipant",
                "Parameters": {"Text": "Welcome."},
                "Transitions": {
                    "NextAction": "lookup",
                    "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "bye"}],
                },
            },
            {
                "Identifier": "lookup",
                "Type": "InvokeLambdaFunction",
                "Parameters": {
                    "LambdaFunctionARN": "${CallerLookupFunction.Arn}",
                    "InvocationTimeLimitSeconds": "8",
                },
                "Transitions": {
                    "NextAction": "menu",
                    "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "bye"}],
                },
            },
            {
                "Identifier": "menu",
                "Type": "GetParticipantInput",
                "Parameters": {"Text": "Press 1.", "StoreInput": "False"},
                "Transitions": {
                    "NextAction": "bye",
                    "Conditions": [
                        {
                            "NextAction": "transfer",
                            "Condition": {"Operator": "Equals", "Operands": ["1"]},
                        }
                    ],
                    "Errors": [
                        {"ErrorType": "InputTimeLimitExceeded", "NextAction": "bye"},
                        {"ErrorType": "NoMatchingCondition", "NextAction": "bye"},
                        {"ErrorType": "NoMatchingError", "NextAction": "bye"},
                    ],
                },
            },
            {
                "Identifier": "transfer",
                "Type": "TransferToFlow",
                "Parameters": {"ContactFlowId": "${PaymentsFlow.Arn}"},
                "Transitions": {
                    "NextAction": "bye",
                    "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "bye"}],
                },
            },
            {
                "Identifier": "bye",
                "Type": "DisconnectParticipant",
                "Parameters": {},
                "Transitions": {},
            },
        ],
    }


def lint(flow: Any) -> list[LintProblem]:
    return lint_flow(
        flow,
        name="main",
        known_functions={"CallerLookupFunction"},
        known_bots={"MainBotAlias"},
        known_flows={"PaymentsFlow"},
    )


def messages(flow: Any) -> list[str]:
    return [str(problem) for problem in lint(flow)]


def find(flow: dict[str, Any], identifier: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in flow["Actions"] if a["Identifier"] == identifier)
    return found


def test_a_fully_wired_flow_has_no_problems() -> None:
    assert lint(good_flow()) == []


def test_wrong_version_is_reported() -> None:
    flow = good_flow()
    flow["Version"] = "2020-01-01"
    assert messages(flow) == ["main: Version must be '2019-10-30'"]


def test_a_flow_that_is_not_an_object_is_one_problem() -> None:
    assert messages([]) == ["main: a flow must be a JSON object"]


def test_next_action_to_a_missing_block_is_reported() -> None:
    flow = good_flow()
    find(flow, "greet")["Transitions"]["NextAction"] = "lookpu"
    assert "main: greet: NextAction goes to 'lookpu', which is not in this flow" in messages(flow)


def test_start_action_that_does_not_exist_is_reported() -> None:
    flow = good_flow()
    flow["StartAction"] = "nowhere"
    assert "main: StartAction 'nowhere' is not an action in this flow" in messages(flow)


def test_unreachable_block_is_reported() -> None:
    flow = good_flow()
    flow["Actions"].append(copy.deepcopy(find(flow, "greet")) | {"Identifier": "orphan"})
    assert messages(flow) == ["main: orphan: is not reachable from StartAction"]


def test_duplicate_and_overlong_identifiers_are_reported() -> None:
    flow = good_flow()
    flow["Actions"].append(copy.deepcopy(find(flow, "bye")))
    long_id = "x" * 51
    flow["Actions"].append({**copy.deepcopy(find(flow, "bye")), "Identifier": long_id})
    found = messages(flow)
    assert "main: bye: Identifier is used by more than one action" in found
    assert f"main: {long_id}: Identifier is over 50 characters" in found


def test_unknown_action_type_is_reported() -> None:
    flow = good_flow()
    find(flow, "greet")["Type"] = "PlayPrompt"
    assert "main: greet: unknown or unsupported action type 'PlayPrompt'" in messages(flow)


def test_unwired_optional_error_branch_is_a_warning_not_an_error() -> None:
    flow = good_flow()
    find(flow, "lookup")["Transitions"]["Errors"] = []
    (problem,) = lint(flow)
    assert str(problem) == "main: lookup: has no NoMatchingError error branch (warning)"
    assert not problem.is_error


def test_menu_without_timeout_branch_is_reported() -> None:
    flow = good_flow()
    errors = find(flow, "menu")["Transitions"]["Errors"]
    errors[:] = [e for e in errors if e["ErrorType"] != "InputTimeLimitExceeded"]
    assert messages(flow) == ["main: menu: has no InputTimeLimitExceeded error branch"]


def test_terminal_block_with_transitions_is_reported() -> None:
    flow = good_flow()
    find(flow, "bye")["Transitions"] = {"NextAction": "greet"}
    assert "main: bye: ends the flow, so its Transitions must be {}" in messages(flow)


def test_loop_needs_both_loop_conditions() -> None:
    flow = good_flow()
    find(flow, "greet")["Transitions"]["NextAction"] = "loop"
    flow["Actions"].append(
        {
            "Identifier": "loop",
            "Type": "Loop",
            "Parameters": {"LoopCount": "3"},
            "Transitions": {
                "Conditions": [
                    {
                        "NextAction": "lookup",
                        "Condition": {"Operator": "Equals", "Operands": ["ContinueLooping"]},
                    }
                ]
            },
        }
    )
    assert messages(flow) == ["main: loop: has no condition for DoneLooping"]


def test_unknown_lambda_placeholder_is_reported() -> None:
    flow = good_flow()
    find(flow, "lookup")["Parameters"]["LambdaFunctionARN"] = "${CallerLokupFunction.Arn}"
    assert messages(flow) == [
        "main: lookup: function ${CallerLokupFunction.Arn} is not a known function"
    ]


def test_unknown_lex_bot_placeholder_is_reported() -> None:
    flow = good_flow()
    find(flow, "greet")["Transitions"]["NextAction"] = "ask"
    flow["Actions"].append(
        {
            "Identifier": "ask",
            "Type": "ConnectParticipantWithLexBot",
            "Parameters": {"Text": "Hi", "LexV2Bot": {"AliasArn": "${OtherBot.Arn}"}},
            "Transitions": {
                "NextAction": "lookup",
                "Errors": [
                    {"ErrorType": kind, "NextAction": "bye"}
                    for kind in ("NoMatchingError", "NoMatchingCondition", "InputTimeLimitExceeded")
                ],
            },
        }
    )
    assert messages(flow) == ["main: ask: bot ${OtherBot.Arn} is not a known bot"]


def test_transfer_to_an_unknown_flow_is_reported() -> None:
    flow = good_flow()
    find(flow, "transfer")["Parameters"]["ContactFlowId"] = "billing"
    assert messages(flow) == ["main: transfer: flow billing is not a known flow"]


def test_dynamic_references_are_not_checked() -> None:
    flow = good_flow()
    find(flow, "lookup")["Parameters"]["LambdaFunctionARN"] = "$.Attributes.function"
    assert lint(flow) == []


def test_unencrypted_card_capture_is_reported() -> None:
    flow = good_flow()
    find(flow, "menu").update(
        Parameters={
            "Text": "Enter your card number.",
            "StoreInput": "True",
            "InputValidation": {"CustomValidation": {"MaximumLength": "19"}},
        },
        Transitions={
            "NextAction": "transfer",
            "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "bye"}],
        },
    )
    assert messages(flow) == [
        "main: menu: captures digits (CustomValidation) without InputEncryption: card numbers "
        "must be encrypted where they are entered (PCI DSS)"
    ]
    find(flow, "menu")["Parameters"]["InputEncryption"] = {"EncryptionKeyId": "k", "Key": "pem"}
    assert lint(flow) == []


def test_copying_stored_customer_input_into_an_attribute_is_reported() -> None:
    flow = good_flow()
    find(flow, "greet")["Transitions"]["NextAction"] = "keep"
    flow["Actions"].append(
        {
            "Identifier": "keep",
            "Type": "UpdateContactAttributes",
            "Parameters": {"Attributes": {"card": "$.StoredCustomerInput"}},
            "Transitions": {
                "NextAction": "lookup",
                "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "bye"}],
            },
        }
    )
    assert [p.action for p in lint(flow)] == ["keep"]
    assert "copies $.StoredCustomerInput into attribute 'card'" in messages(flow)[0]


def test_lint_paths_lets_flows_in_one_directory_name_each_other(tmp_path: Path) -> None:
    main_flow = good_flow()
    find(main_flow, "transfer")["Parameters"]["ContactFlowId"] = "payments"
    (tmp_path / "main.json").write_text(json.dumps(main_flow))
    (tmp_path / "payments.json").write_text(json.dumps(good_flow()))
    problems = lint_paths([tmp_path], known_functions={"CallerLookupFunction"})
    assert [str(p) for p in problems] == [
        "payments: transfer: flow ${PaymentsFlow.Arn} is not a known flow"
    ]


def test_lint_paths_reports_a_file_that_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{")
    (problem,) = lint_paths([tmp_path])
    assert problem.flow == "broken" and problem.message.startswith("cannot read")


def test_main_prints_problems_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow = good_flow()
    errors = find(flow, "menu")["Transitions"]["Errors"]
    errors[:] = [e for e in errors if e["ErrorType"] != "InputTimeLimitExceeded"]
    (tmp_path / "main.json").write_text(json.dumps(flow))
    assert main([str(tmp_path), "--flow", "PaymentsFlow"]) == 1
    assert capsys.readouterr().out == "main: menu: has no InputTimeLimitExceeded error branch\n"


def test_main_passes_a_flow_with_warnings_only(tmp_path: Path) -> None:
    flow = good_flow()
    find(flow, "lookup")["Transitions"]["Errors"] = []
    (tmp_path / "main.json").write_text(json.dumps(flow))
    assert main([str(tmp_path), "--flow", "PaymentsFlow"]) == 0


def test_main_passes_a_clean_directory(tmp_path: Path) -> None:
    (tmp_path / "main.json").write_text(json.dumps(good_flow()))
    assert (
        main([str(tmp_path), "--function", "CallerLookupFunction", "--flow", "PaymentsFlow"]) == 0
    )


def test_lambda_time_limit_outside_one_to_eight_seconds_is_reported() -> None:
    flow = good_flow()
    find(flow, "lookup")["Parameters"]["InvocationTimeLimitSeconds"] = "9"
    assert messages(flow) == [
        "main: lookup: InvocationTimeLimitSeconds must be a whole number from 1 to 8"
    ]
    find(flow, "lookup")["Parameters"]["InvocationTimeLimitSeconds"] = "$.Attributes.limit"
    assert messages(flow) == ["main: lookup: InvocationTimeLimitSeconds must be set statically"]


def test_identifier_with_a_character_connect_forbids_is_reported() -> None:
    flow = good_flow()
    find(flow, "bye")["Identifier"] = "bye:now"
    for action in flow["Actions"]:
        for branch in action["Transitions"].get("Errors", []):
            branch["NextAction"] = (
                "bye:now" if branch["NextAction"] == "bye" else branch["NextAction"]
            )
        if action["Transitions"].get("NextAction") == "bye":
            action["Transitions"]["NextAction"] = "bye:now"
    assert messages(flow) == ["main: bye:now: Identifier has characters Connect forbids: :"]


def test_reserved_identifier_is_reported() -> None:
    flow = good_flow()
    flow["Actions"].append({**copy.deepcopy(find(flow, "bye")), "Identifier": "constructor"})
    assert "main: constructor: Identifier is a name Connect forbids" in messages(flow)


def test_a_one_digit_stored_answer_is_not_card_data() -> None:
    flow = good_flow()
    find(flow, "menu").update(
        Parameters={
            "Text": "Rate us from 1 to 5.",
            "StoreInput": "True",
            "InputValidation": {"CustomValidation": {"MaximumLength": "1"}},
        },
        Transitions={
            "NextAction": "transfer",
            "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "bye"}],
        },
    )
    assert lint(flow) == []


def test_a_loop_of_prompts_needs_no_next_action() -> None:
    flow = good_flow()
    find(flow, "greet")["Transitions"]["NextAction"] = "hold"
    flow["Actions"].append(
        {
            "Identifier": "hold",
            "Type": "MessageParticipantIteratively",
            "Parameters": {"Messages": [{"Text": "Please hold."}]},
            "Transitions": {},
        }
    )
    assert [str(p) for p in lint(flow) if p.action == "hold"] == []

"""A flow in the flow designer's export format runs, and lints, in the local contact center.

The flow (tests/flows/export_format/AccountNumberCheck.json) is the project's own, written in the
exact shape Connect exports: UUID identifiers, designer Metadata, every parameter a string.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from simulator.flows import (
    CallRecord,
    Contact,
    FlowLibrary,
    VirtualClock,
    lint_flow,
    parse_flow,
    run_contact,
)
from simulator.ports import (
    CallerInput,
    Digits,
    Hangup,
    InputRequest,
    LambdaInvocationError,
    Silence,
)

EXPORT_FORMAT = Path(__file__).resolve().parents[2] / "flows" / "export_format"
FLOW = "AccountNumberCheck"
VALIDATE = "${ValidateAccountFunction.Arn}"
RECORD = "${RecordVerifiedAccountFunction.Arn}"

# The blocks the tests name.
START = "058c4d59-f01c-4f6e-ab94-7320e18c2903"  # Compare on $.External.introType
ASK_ACCOUNT = "6ff4cbb4-7083-4e62-9020-d0e7043463af"  # store customer input, "#" ends it
VALIDATE_BLOCK = "bf7e6937-a922-4fb1-81d5-f6c3e53c28f7"
RECORD_BLOCK = "b224ba3c-d0f6-4ed1-8e85-bf6e8eba690a"

INTRO = "To check your account we need your account number."
ASK = "Please key in your ten digit account number, then press the hash key."
CONFIRM = "You entered an account ending 6789. Press 1 if that is right, or 2 to enter it again."
PRESS_1_OR_2 = "Sorry, please press 1 or 2."
NOT_FOUND = "Sorry, we could not find that account number."
LOCKED = "We could not verify your account this time. Please call back later. Goodbye."
CONFIRMED = "Thank you, your account is confirmed."
MAIN_MENU = "Welcome to the main menu."
ERROR_FLOW = "Sorry, something went wrong."

# What the previous flow's Lambda left in $.External for this one.
ARRIVING_EXTERNAL = {
    "introType": "text",
    "introMessage": INTRO,
    "introPromptArn": "arn:aws:connect:eu-west-2:000000000000:instance/x/prompt/account-intro",
    "brand": "example-bank",
}
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def account_flow() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXPORT_FORMAT / f"{FLOW}.json").read_text(encoding="utf-8"))
    return data


def stub_flow(text: str) -> dict[str, Any]:
    return {
        "Version": "2019-10-30",
        "StartAction": "say",
        "Actions": [
            {
                "Identifier": "say",
                "Type": "MessageParticipant",
                "Parameters": {"Text": text},
                "Transitions": {"NextAction": "bye"},
            },
            {"Identifier": "bye", "Type": "DisconnectParticipant", "Transitions": {}},
        ],
    }


class KeypadCaller:
    def __init__(self, *answers: CallerInput) -> None:
        self.answers = list(answers)

    def hear(self, text: str) -> None:
        pass

    def next_input(self, request: InputRequest) -> CallerInput:
        return self.answers.pop(0) if self.answers else Hangup()


class AccountRuntime:
    """The flow's two Lambda functions: validate a keyed-in number, record a confirmed one.

    ``statuses`` are the validator's answers, one per call ("found", "unknown", "locked").
    """

    def __init__(
        self,
        *statuses: str,
        confirm_type: str = "text",
        validator_up: bool = True,
        recorder_up: bool = True,
    ) -> None:
        self.statuses = list(statuses) or ["found"]
        self.confirm_type = confirm_type
        self.validator_up = validator_up
        self.recorder_up = recorder_up
        self.calls: list[tuple[str, dict[str, str]]] = []

    def invoke_lambda(
        self, function_ref: str, event: dict[str, Any], timeout_seconds: float
    ) -> dict[str, Any]:
        parameters = event["Details"]["Parameters"]
        self.calls.append((function_ref, parameters))
        if function_ref == VALIDATE:
            if not self.validator_up:
                raise LambdaInvocationError("Task timed out")
            message = CONFIRM
            if self.confirm_type == "ssml":
                message = f"<speak>{CONFIRM.replace('6789.', '<say-as>6789</say-as>.')}</speak>"
            return {
                "accountStatus": self.statuses.pop(0),
                "accountRef": f"ACC-{parameters['accountNumber'][-4:]}",
                "confirmType": self.confirm_type,
                "confirmMessage": message,
            }
        if function_ref == RECORD:
            if not self.recorder_up:
                raise LambdaInvocationError("raised RuntimeError: table unavailable")
            return {"recorded": "true"}
        raise AssertionError(f"unexpected function {function_ref}")

    def queue_metric(self, queue_ref: str | None, metric: str) -> float:
        raise AssertionError("not used by this flow")

    def hours_open(self, hours_ref: str | None) -> bool:
        raise AssertionError("not used by this flow")

    def voice_id(self, option: str, customer_id: str | None) -> str:
        raise AssertionError("not used by this flow")


def run_account_flow(
    runtime: AccountRuntime, *answers: CallerInput, external: dict[str, str] | None = None
) -> CallRecord:
    library = FlowLibrary(
        [
            parse_flow(account_flow(), FLOW),
            parse_flow(stub_flow(MAIN_MENU), "MainMenuFlow"),
            parse_flow(stub_flow(ERROR_FLOW), "ErrorFlow"),
        ],
        aliases={"${MainMenuFlow.Arn}": "MainMenuFlow", "${ErrorFlow.Arn}": "ErrorFlow"},
    )
    contact = Contact(
        customer_address="+447700900123",
        system_address="+442079460000",
        external=dict(ARRIVING_EXTERNAL if external is None else external),
    )
    clock = VirtualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    return run_contact(library, FLOW, contact, KeypadCaller(*answers), runtime, None, clock)


def test_keyed_in_digits_reach_both_lambdas_and_stay_masked_in_the_record() -> None:
    runtime = AccountRuntime("found")
    record = run_account_flow(runtime, Digits("0123456789#"), Digits("1"))
    assert record.errors == []
    assert record.prompts == [INTRO, ASK, CONFIRM, CONFIRMED, MAIN_MENU]
    assert record.inputs == ["•••••••••••", "1"]  # ten digits and "#" masked; the menu key shown
    assert "0123456789" not in record.transcript
    assert runtime.calls == [
        (VALIDATE, {"accountNumber": "0123456789", "brand": "example-bank"}),
        (RECORD, {"accountNumber": "0123456789", "accountRef": "ACC-6789", "source": "ivr"}),
    ]
    assert record.ended == "disconnected"
    assert record.blocks[0] == f"{FLOW}:{START}"
    assert record.blocks[-2:] == ["MainMenuFlow:say", "MainMenuFlow:bye"]


def test_digits_past_the_maximum_length_are_cut_before_validation() -> None:
    runtime = AccountRuntime("found")
    run_account_flow(runtime, Digits("012345678999#"), Digits("1"))
    assert runtime.calls[0] == (VALIDATE, {"accountNumber": "0123456789", "brand": "example-bank"})


def test_a_failed_validation_takes_the_error_branch_to_the_error_flow() -> None:
    runtime = AccountRuntime(validator_up=False)
    record = run_account_flow(runtime, Digits("0123456789#"))
    assert record.prompts == [INTRO, ASK, ERROR_FLOW]
    assert record.errors == [f"{FLOW}:{VALIDATE_BLOCK}: Lambda {VALIDATE} Task timed out"]
    assert (FLOW, VALIDATE_BLOCK, "Error:NoMatchingError") in record.branches
    assert [function for function, _ in runtime.calls] == [VALIDATE]
    assert record.ended == "disconnected"


def test_a_failed_recording_after_confirmation_goes_to_the_error_flow() -> None:
    record = run_account_flow(AccountRuntime(recorder_up=False), Digits("0123456789#"), Digits("1"))
    assert record.prompts == [INTRO, ASK, CONFIRM, ERROR_FLOW]
    assert record.errors == [
        f"{FLOW}:{RECORD_BLOCK}: Lambda {RECORD} raised RuntimeError: table unavailable"
    ]


def test_pressing_2_at_the_confirmation_menu_asks_for_the_number_again() -> None:
    runtime = AccountRuntime("found", "found")
    record = run_account_flow(
        runtime, Digits("1111222233#"), Digits("2"), Digits("0123456789#"), Digits("1")
    )
    assert record.errors == []
    assert record.prompts == [INTRO, ASK, CONFIRM, ASK, CONFIRM, CONFIRMED, MAIN_MENU]
    assert record.inputs == ["•••••••••••", "2", "•••••••••••", "1"]
    assert [parameters["accountNumber"] for _, parameters in runtime.calls] == [
        "1111222233",
        "0123456789",
        "0123456789",
    ]


@pytest.mark.parametrize("answer", [Digits("7"), Silence(6)], ids=["other key", "no key"])
def test_any_other_answer_at_the_menu_repeats_the_confirmation(answer: CallerInput) -> None:
    runtime = AccountRuntime("found")
    record = run_account_flow(runtime, Digits("0123456789#"), answer, Digits("1"))
    assert record.errors == []
    assert record.prompts == [INTRO, ASK, CONFIRM, PRESS_1_OR_2, CONFIRM, CONFIRMED, MAIN_MENU]
    assert [function for function, _ in runtime.calls] == [VALIDATE, RECORD]


def test_the_confirmation_menu_can_be_ssml_from_the_validator() -> None:
    record = run_account_flow(
        AccountRuntime(confirm_type="ssml"), Digits("0123456789#"), Digits("1")
    )
    assert record.prompts[2] == CONFIRM  # the SSML, as a listener hears it
    assert record.prompts[-2:] == [CONFIRMED, MAIN_MENU]


def test_an_unknown_number_is_asked_for_again_and_a_locked_account_hangs_up() -> None:
    runtime = AccountRuntime("unknown", "locked")
    record = run_account_flow(runtime, Digits("9999#"), Digits("8888#"))
    assert record.errors == []
    assert record.prompts == [INTRO, ASK, NOT_FOUND, ASK, LOCKED]
    assert [parameters["accountNumber"] for _, parameters in runtime.calls] == ["9999", "8888"]
    assert record.ended == "disconnected"


@pytest.mark.parametrize(
    ("intro_type", "heard"),
    [
        ("text", INTRO),
        ("ssml", INTRO),
        ("prompt", f"[prompt {ARRIVING_EXTERNAL['introPromptArn']}]"),
        ("", INTRO),  # no type: the Compare's NoMatchingCondition plays the text
    ],
)
def test_the_intro_plays_as_text_ssml_or_a_prompt_as_external_says(
    intro_type: str, heard: str
) -> None:
    external = dict(ARRIVING_EXTERNAL, introType=intro_type)
    if intro_type == "ssml":
        external["introMessage"] = f'<speak>{INTRO} <break time="200ms"/></speak>'
    record = run_account_flow(AccountRuntime(), Hangup(), external=external)
    assert record.prompts == [heard, ASK]
    assert record.ended == "hangup"


def test_the_file_is_in_the_designer_export_format() -> None:
    flow = account_flow()
    actions = flow["Actions"]
    ids = [action["Identifier"] for action in actions]
    assert flow["Version"] == "2019-10-30"
    assert all(UUID_V4.match(identifier) for identifier in ids)
    assert len(set(ids)) == len(ids) == 18
    metadata = flow["Metadata"]
    assert set(metadata) >= {"entryPointPosition", "snapToGrid", "ActionMetadata"}
    assert set(metadata["ActionMetadata"]) == set(ids)
    assert all(set(m["position"]) == {"x", "y"} for m in metadata["ActionMetadata"].values())

    def strings(value: Any) -> bool:
        if isinstance(value, dict):
            return all(strings(inner) for inner in value.values())
        return isinstance(value, str)

    assert all(strings(action["Parameters"]) for action in actions)
    for action in actions:
        if action["Type"] == "DisconnectParticipant":
            assert action["Transitions"] == {}
        else:
            assert {"NextAction", "Conditions", "Errors"} <= set(action["Transitions"])


def test_an_account_number_capture_is_not_mistaken_for_card_data() -> None:
    problems = lint_flow(
        account_flow(),
        name=FLOW,
        known_functions={"ValidateAccountFunction", "RecordVerifiedAccountFunction"},
        known_bots=set(),
        known_flows={"MainMenuFlow", "ErrorFlow"},
    )
    # Connect accepts keyed-in digits stored without encryption. A 10-digit account number
    # cannot hold a card number (12-19 digits) and the block does not name card data, so the
    # PCI DSS rule does not apply.
    assert problems == []


def test_the_linter_would_catch_unknown_references() -> None:
    problems = lint_flow(
        account_flow(),
        name=FLOW,
        known_functions={"ValidateAccountFunction"},
        known_bots=set(),
        known_flows={"MainMenuFlow"},
    )
    found = {(problem.action, problem.message) for problem in problems}
    assert {
        (RECORD_BLOCK, f"function {RECORD} is not a known function"),
        ("3263a4b6-b41f-4c11-9eaf-778ba5443ab8", "flow ${ErrorFlow.Arn} is not a known flow"),
    } <= found

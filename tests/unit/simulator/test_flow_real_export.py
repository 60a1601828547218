"""A flow exported from a real Connect instance runs, and lints, in the local contact center."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from simulator.flows import (
    CallRecord,
    Contact,
    FlowLibrary,
    VirtualClock,
    lint_flow,
    parse_flow,
    run_contact,
)
from simulator.ports import CallerInput, Digits, Hangup, InputRequest, LambdaInvocationError

REAL = Path(__file__).resolve().parents[2] / "flows" / "real"
DTMF_INPUT = "RulesEngineDTMFInput"
VALIDATE = "${connectdtmfinput.Arn}"
UPDATE_STATE = "${connectupdatestate.Arn}"
OFFER = "Please key in your account number, then the hash key."


def real_flow(name: str) -> dict[str, Any]:
    """The export with the sample's {{kind.Name.arn}} templating turned into ${Name.Arn}."""
    text = (REAL / f"{name}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(re.sub(r"\{\{\w+\.(\w+)\.arn\}\}", r"${\1.Arn}", text))
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


class RulesEngineRuntime:
    """The sample's two Lambda functions, as far as this flow needs them."""

    def __init__(self, account_ok: bool = True, validator_up: bool = True) -> None:
        self.account_ok = account_ok
        self.validator_up = validator_up
        self.calls: list[tuple[str, dict[str, str]]] = []

    def invoke_lambda(
        self, function_ref: str, event: dict[str, Any], timeout_seconds: float
    ) -> dict[str, Any]:
        parameters = event["Details"]["Parameters"]
        self.calls.append((function_ref, parameters))
        if function_ref == VALIDATE and not self.validator_up:
            raise LambdaInvocationError("Task timed out")
        if function_ref == VALIDATE:
            return {
                "CurrentRule_validInput": "true" if self.account_ok else "false",
                "CurrentRule_confirmationMessageType": "none",
                "CurrentRule_outputStateKey": "AccountNumber",
            }
        return {}

    def queue_metric(self, queue_ref: str | None, metric: str) -> float:
        raise AssertionError("not used by this flow")

    def hours_open(self, hours_ref: str | None) -> bool:
        raise AssertionError("not used by this flow")

    def voice_id(self, option: str, customer_id: str | None) -> str:
        raise AssertionError("not used by this flow")


def run_real_flow(runtime: RulesEngineRuntime, *answers: CallerInput) -> CallRecord:
    library = FlowLibrary(
        [
            parse_flow(real_flow(DTMF_INPUT), DTMF_INPUT),
            parse_flow(stub_flow("Back in the main rules flow."), "RulesEngineMain"),
            parse_flow(stub_flow("Sorry, something went wrong."), "RulesEngineError"),
        ],
        aliases={
            "${RulesEngineMain.Arn}": "RulesEngineMain",
            "${RulesEngineError.Arn}": "RulesEngineError",
        },
    )
    # The rules engine's previous Lambda call leaves the offer to make in $.External.
    contact = Contact(
        customer_address="+61400000000",
        system_address="+61290000000",
        external={"CurrentRule_offerMessage": OFFER, "CurrentRule_offerMessageType": "text"},
    )
    clock = VirtualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    return run_contact(library, DTMF_INPUT, contact, KeypadCaller(*answers), runtime, None, clock)


def test_real_export_collects_digits_and_passes_them_to_its_lambdas() -> None:
    runtime = RulesEngineRuntime()
    record = run_real_flow(runtime, Digits("12345678#"))
    assert record.errors == []
    assert record.prompts == [OFFER, "Back in the main rules flow."]
    assert record.inputs == ["•••••••••"]
    assert runtime.calls == [
        (VALIDATE, {"input": "12345678"}),
        (UPDATE_STATE, {"key1": "AccountNumber", "value1": "12345678"}),
    ]
    assert record.ended == "disconnected"
    assert record.blocks[0] == f"{DTMF_INPUT}:5282cb52-045b-41ef-ad5d-99dac155bbe9"


def test_real_export_sends_a_failed_validation_to_its_error_flow() -> None:
    record = run_real_flow(RulesEngineRuntime(validator_up=False), Digits("1#"))
    assert record.prompts == [OFFER, "Sorry, something went wrong."]
    assert record.errors == [
        f"{DTMF_INPUT}:af6b4e5d-3523-4c7a-8520-befde94d8fcc: Lambda {VALIDATE} Task timed out"
    ]


def test_real_export_is_well_formed_and_breaks_only_house_rules() -> None:
    problems = lint_flow(
        real_flow(DTMF_INPUT),
        name=DTMF_INPUT,
        known_functions={"connectdtmfinput", "connectupdatestate"},
        known_bots=set(),
        known_flows={"RulesEngineMain", "RulesEngineError"},
    )
    found = {problem.message for problem in problems}
    # Its prompts have no error branch, and it stores keyed-in digits without encryption: both
    # legal in Connect, both refused by this project's linter.
    assert found == {
        "has no NoMatchingError error branch",
        "captures digits (CustomValidation) without InputEncryption: card numbers must be "
        "encrypted where they are entered (PCI DSS)",
    }
    unwired = {p.action for p in problems if p.message.startswith("has no NoMatchingError")}
    assert len(unwired) == 9  # the nine MessageParticipant blocks

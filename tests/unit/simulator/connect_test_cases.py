"""Builders for Connect test cases (the Testing language), written from the AWS documentation's
descriptions of each event and action; shared by the unit and integration tests."""

from __future__ import annotations

from itertools import count
from typing import Any

_ids = count()


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def event(kind: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Identifier": _id("event"),
        "Type": kind,
        "Actor": "System",
        "Properties": properties or {},
    }


def message(text: str, criteria: str | None = "Inclusion", *, ssml: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"SSML" if ssml else "Text": text}
    if criteria:
        properties["MatchingCriteria"] = criteria
    return event("MessageReceived", properties)


def flow_action(action_type: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return event(
        "FlowActionStarted", {"ActionType": action_type, "ActionParameters": parameters or {}}
    )


def observation(
    identifier: str,
    happens: dict[str, Any],
    *actions: dict[str, Any],
    usage: dict[str, Any] | None = None,
    then: tuple[str, ...] = (),
) -> dict[str, Any]:
    chained = [dict(a) for a in actions]
    for current, following in zip(chained, chained[1:], strict=False):
        current["Transitions"] = {"NextAction": following["Identifier"]}
    found: dict[str, Any] = {"Identifier": identifier, "Event": happens, "Actions": chained}
    if usage is not None:
        found["Usage"] = usage
    if then:
        found["Transitions"] = {"NextObservations": list(then)}
    return found


def case_of(*observations: dict[str, Any], version: str = "2019-10-30") -> dict[str, Any]:
    return {"Version": version, "Metadata": {}, "Observations": list(observations)}


def _instruction(kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "Identifier": _id("say"),
        "Type": "SendInstruction",
        "Parameters": {
            "ActionType": "SendInstruction",
            "Actor": "Customer",
            "Instruction": {"Type": kind, "Properties": properties},
        },
    }


def press(value: str | int) -> dict[str, Any]:
    return _instruction("DtmfInput", {"Value": value})


def utter(text: str, key: str = "Text") -> dict[str, Any]:
    return _instruction("TextUtterance", {key: text})


def hang_up() -> dict[str, Any]:
    return _instruction("Disconnect", {})


def check(namespace: str, operator: str, operand: Any = None) -> dict[str, Any]:
    parameters: dict[str, Any] = {"Namespace": namespace, "Operator": operator}
    if operand is not None:
        parameters["Operand"] = operand
    return {"Identifier": _id("check"), "Type": "Assert", "Parameters": parameters}


def control(command: str, **extra: Any) -> dict[str, Any]:
    return {
        "Identifier": _id("control"),
        "Type": "TestControl",
        "Parameters": {"Command": {"Type": command}, **extra},
    }


def override(
    action_type: str, parameters: dict[str, Any], strategy: dict[str, Any]
) -> dict[str, Any]:
    return {
        "Identifier": _id("override"),
        "Type": "OverrideSystemBehavior",
        "Parameters": {
            "ActionType": "OverrideSystemBehavior",
            "Behavior": {
                "Type": "FlowAction",
                "Properties": {
                    "ActionType": action_type,
                    "ActionParameters": parameters,
                    "Strategy": strategy,
                },
            },
        },
    }


def mock_result(**result: Any) -> dict[str, Any]:
    return {"Type": "MockResponse", "ExecutionResult": result}


def mock_error(error_type: str) -> dict[str, Any]:
    return {"Type": "MockResponse", "Error": {"Type": error_type}}


def substitute(arn: str) -> dict[str, Any]:
    return {"Type": "SubstituteResource", "SubstituteArn": arn}

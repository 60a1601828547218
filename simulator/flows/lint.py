"""Checks a flow before Connect (or a caller) finds the problem: ``ivr flows lint``.

Structure (Version, StartAction, unique Identifiers of at most 50 characters, known action Types),
wiring (every NextAction exists, every action is reachable, every branch a block can take is
wired), references (Lambda functions, Lex bots and flows named by ``${...}`` placeholders exist)
and two PCI DSS rules for card capture.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.flows.conditions import OPERATORS
from simulator.flows.handlers import SUPPORTED_ACTION_TYPES
from simulator.flows.jsonpath import is_jsonpath
from simulator.flows.model import (
    FLOW_LANGUAGE_VERSION,
    Action,
    Flow,
    FlowFormatError,
    Transitions,
    parse_action,
)

MAX_ACTIONS = 250
MAX_IDENTIFIER_LENGTH = 50

#: Actions that end the flow; Connect wants ``"Transitions": {}`` on them.
TERMINAL_TYPES = frozenset({"DisconnectParticipant", "EndFlowExecution", "EndFlowModuleExecution"})
#: Actions whose success leaves the flow, so they never follow NextAction.
LEAVING_TYPES = frozenset({"TransferToFlow", "TransferContactToQueue"})
#: Actions whose result is matched against Conditions (NextAction only when they have none).
RESULT_TYPES = frozenset({
    "Compare", "Loop", "Wait", "CheckMetricData", "CheckHoursOfOperation", "CheckVoiceId",
    "ConnectParticipantWithLexBot", "GetParticipantInput",
})  # fmt: skip

#: The error branches each block must wire, from the flow language reference's Errors sections.
REQUIRED_ERRORS: dict[str, tuple[str, ...]] = {
    "MessageParticipant": ("NoMatchingError",),
    "GetParticipantInput": ("NoMatchingError",),
    "ConnectParticipantWithLexBot": (
        "NoMatchingError", "NoMatchingCondition", "InputTimeLimitExceeded",
    ),
    "InvokeLambdaFunction": ("NoMatchingError",),
    "UpdateContactAttributes": ("NoMatchingError",),
    "Compare": ("NoMatchingCondition",),
    "Wait": ("NoMatchingError",),
    "CheckMetricData": ("NoMatchingError",),
    "CheckHoursOfOperation": ("NoMatchingError",),
    "CheckVoiceId": ("NoMatchingError",),
    "UpdateContactTargetQueue": ("NoMatchingError",),
    "TransferContactToQueue": ("NoMatchingError",),
    "CreateCallbackContact": ("NoMatchingError",),
    "UpdateContactCallbackNumber": ("InvalidCallbackNumber", "CallbackNumberNotDialable"),
    "UpdateContactEventHooks": ("NoMatchingError",),
    "UpdateContactMediaStreamingBehavior": ("NoMatchingError",),
    "UpdateContactData": ("NoMatchingError",),
    "StartVoiceIdStream": ("NoMatchingError",),
    "TransferToFlow": ("NoMatchingError",),
    "InvokeFlowModule": ("NoMatchingError",),
}  # fmt: skip

#: Results that must each have a condition.
REQUIRED_CONDITIONS: dict[str, tuple[str, ...]] = {
    "Loop": ("ContinueLooping", "DoneLooping"),
    "CheckHoursOfOperation": ("True", "False"),
    "Wait": ("WaitCompleted",),
}

_PLACEHOLDER = re.compile(r"^\$\{([^}]+)\}$")


@dataclass(frozen=True)
class LintProblem:
    flow: str
    action: str | None  # None for problems of the flow as a whole
    message: str

    def __str__(self) -> str:
        where = f"{self.flow}: {self.action}" if self.action else self.flow
        return f"{where}: {self.message}"


@dataclass
class _Findings:
    flow: str
    problems: list[LintProblem] = field(default_factory=list)

    def add(self, action: str | None, message: str) -> None:
        self.problems.append(LintProblem(self.flow, action, message))


@dataclass(frozen=True)
class _Known:
    """What references may name; None leaves that kind of reference unchecked."""

    functions: set[str] | None
    bots: set[str] | None
    flows: set[str] | None


# --- structure ------------------------------------------------------------------------------------


def _read_actions(raw_actions: list[Any], found: _Findings) -> dict[str, Action]:
    actions: dict[str, Action] = {}
    for number, raw in enumerate(raw_actions, start=1):
        try:
            action = parse_action(raw, found.flow)
        except FlowFormatError as bad:
            found.add(None, f"action #{number}: {str(bad).removeprefix(found.flow + ':').strip()}")
            continue
        if action.identifier in actions:
            found.add(action.identifier, "Identifier is used by more than one action")
            continue
        if len(action.identifier) > MAX_IDENTIFIER_LENGTH:
            found.add(action.identifier, f"Identifier is over {MAX_IDENTIFIER_LENGTH} characters")
        if action.type not in SUPPORTED_ACTION_TYPES:
            found.add(action.identifier, f"unknown or unsupported action type {action.type!r}")
        actions[action.identifier] = action
    return actions


def _read_flow(flow_json: Any, found: _Findings) -> Flow | None:
    if not isinstance(flow_json, dict):
        found.add(None, "a flow must be a JSON object")
        return None
    if flow_json.get("Version") != FLOW_LANGUAGE_VERSION:
        found.add(None, f"Version must be {FLOW_LANGUAGE_VERSION!r}")
    raw_actions = flow_json.get("Actions")
    if not isinstance(raw_actions, list):
        found.add(None, "Actions must be a list")
        return None
    if len(raw_actions) > MAX_ACTIONS:
        found.add(None, f"{len(raw_actions)} actions; a flow holds at most {MAX_ACTIONS}")
    start = flow_json.get("StartAction")
    if not isinstance(start, str) or not start:
        found.add(None, "StartAction must name an action")
        start = ""
    return Flow(found.flow, start, _read_actions(raw_actions, found))


# --- wiring ---------------------------------------------------------------------------------------


def _labelled_targets(transitions: Transitions) -> list[tuple[str, str]]:
    labelled = [("NextAction", transitions.next_action)] if transitions.next_action else []
    labelled += [
        (f"condition {c.operator} {'/'.join(c.operands)}", c.next_action)
        for c in transitions.conditions
    ]
    labelled += [(f"error {e.error_type}", e.next_action) for e in transitions.errors]
    return labelled


def _check_targets(flow: Flow, found: _Findings) -> None:
    if flow.start_action and flow.action(flow.start_action) is None:
        found.add(None, f"StartAction {flow.start_action!r} is not an action in this flow")
    for action in flow.actions.values():
        for label, target in _labelled_targets(action.transitions):
            if flow.action(target) is None:
                found.add(
                    action.identifier, f"{label} goes to {target!r}, which is not in this flow"
                )


def _check_reachable(flow: Flow, found: _Findings) -> None:
    if flow.action(flow.start_action) is None:
        return
    reached = {flow.start_action}
    waiting = [flow.start_action]
    while waiting:
        action = flow.actions[waiting.pop()]
        for target in action.transitions.targets():
            if target in flow.actions and target not in reached:
                reached.add(target)
                waiting.append(target)
    for identifier in flow.actions:
        if identifier not in reached:
            found.add(identifier, "is not reachable from StartAction")


def _needs_next_action(action: Action) -> bool:
    if action.type in LEAVING_TYPES:
        return False
    return not (action.type in RESULT_TYPES and action.transitions.conditions)


def _required_errors(action: Action) -> list[str]:
    required = list(REQUIRED_ERRORS.get(action.type, ()))
    conditions = action.transitions.conditions
    stores = action.param("StoreInput") == "True"
    if action.type == "GetParticipantInput" and conditions and not stores:
        required += ["InputTimeLimitExceeded", "NoMatchingCondition"]
    if stores and action.mapping("InputValidation").get("PhoneNumberValidation"):
        required.append("InvalidPhoneNumber")
    if action.type == "CheckMetricData" and conditions:
        required.append("NoMatchingCondition")
    return required


def _check_wiring(action: Action, found: _Findings) -> None:
    transitions = action.transitions
    if action.type in TERMINAL_TYPES:
        if transitions.targets():
            found.add(action.identifier, "ends the flow, so its Transitions must be {}")
        return
    if _needs_next_action(action) and not transitions.next_action:
        found.add(action.identifier, "has no NextAction")
    for error_type in _required_errors(action):
        if transitions.error_target(error_type) is None:
            found.add(action.identifier, f"has no {error_type} error branch")
    operands = {operand for condition in transitions.conditions for operand in condition.operands}
    for operand in REQUIRED_CONDITIONS.get(action.type, ()):
        if operand not in operands:
            found.add(action.identifier, f"has no condition for {operand}")
    for condition in transitions.conditions:
        if condition.operator not in OPERATORS:
            found.add(action.identifier, f"unknown condition operator {condition.operator!r}")


# --- references -----------------------------------------------------------------------------------


def _references(action: Action) -> list[tuple[str, str]]:
    """(kind, reference) pairs: the functions, bots and flows an action names."""
    if action.type == "InvokeLambdaFunction":
        return [("function", action.param("LambdaFunctionARN") or "")]
    if action.type == "ConnectParticipantWithLexBot":
        return [("bot", str(action.mapping("LexV2Bot").get("AliasArn") or ""))]
    if action.type == "TransferToFlow":
        return [("flow", action.param("ContactFlowId") or "")]
    if action.type == "InvokeFlowModule":
        return [("flow", action.param("FlowModuleId") or "")]
    if action.type == "UpdateContactEventHooks":
        return [("flow", str(ref)) for ref in action.mapping("EventHooks").values()]
    return []


def _is_known(reference: str, kind: str, known: set[str]) -> bool:
    placeholder = _PLACEHOLDER.match(reference)
    if placeholder:  # ${CallerLookupFunction.Arn} names CallerLookupFunction
        inner = placeholder.group(1)
        return inner in known or inner.split(".", 1)[0] in known
    if kind != "flow" or reference.startswith("arn:"):
        return True  # literal ARNs of functions, bots and flows cannot be checked here
    return reference in known


def _check_references(action: Action, known: _Known, found: _Findings) -> None:
    names = {"function": known.functions, "bot": known.bots, "flow": known.flows}
    for kind, reference in _references(action):
        known_names = names[kind]
        if not reference:
            found.add(action.identifier, f"names no {kind}")
        elif (
            known_names is not None
            and not is_jsonpath(reference)
            and not _is_known(reference, kind, known_names)
        ):
            found.add(action.identifier, f"{kind} {reference} is not a known {kind}")


# --- card data (PCI DSS) --------------------------------------------------------------------------


def _check_stored_input(action: Action, found: _Findings) -> None:
    if action.type != "GetParticipantInput" or action.param("StoreInput") != "True":
        return
    validation = action.mapping("InputValidation")
    if not validation:
        found.add(action.identifier, "stores input but has no InputValidation")
    if action.transitions.conditions:
        found.add(action.identifier, "stores input, so it cannot have Conditions")
    if validation.get("CustomValidation") and not action.mapping("InputEncryption"):
        found.add(
            action.identifier,
            "captures digits (CustomValidation) without InputEncryption: card numbers must be "
            "encrypted where they are entered (PCI DSS)",
        )


def _check_attribute_copies(action: Action, found: _Findings) -> None:
    if action.type != "UpdateContactAttributes":
        return
    for key, value in action.mapping("Attributes").items():
        if "$.StoredCustomerInput" in f"{key} {value}":
            found.add(
                action.identifier,
                f"copies $.StoredCustomerInput into attribute {key!r}: attributes are kept in "
                "contact records and shown to agents, so captured digits must not go there",
            )


# --- entry points ---------------------------------------------------------------------------------


def lint_flow(
    flow_json: Any,
    *,
    name: str,
    known_functions: set[str] | None,
    known_bots: set[str] | None,
    known_flows: set[str] | None,
) -> list[LintProblem]:
    """Every problem found in one flow; ``None`` for a known_* set skips that reference check."""
    found = _Findings(name)
    flow = _read_flow(flow_json, found)
    if flow is None:
        return found.problems
    _check_targets(flow, found)
    _check_reachable(flow, found)
    known = _Known(known_functions, known_bots, known_flows)
    for action in flow.actions.values():
        _check_wiring(action, found)
        _check_references(action, known, found)
        _check_stored_input(action, found)
        _check_attribute_copies(action, found)
    return found.problems


def _flow_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.json")) if path.is_dir() else [path]
    return files


def lint_paths(
    paths: Iterable[Path],
    *,
    known_functions: set[str] | None = None,
    known_bots: set[str] | None = None,
    known_flows: set[str] | None = None,
) -> list[LintProblem]:
    """Lint flow files (directories mean their *.json); each flow may name the others."""
    files = _flow_files(paths)
    flows = {path.stem for path in files} | (known_flows or set())
    problems: list[LintProblem] = []
    for path in files:
        try:
            flow_json = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as unreadable:
            problems.append(LintProblem(path.stem, None, f"cannot read {path}: {unreadable}"))
            continue
        problems += lint_flow(
            flow_json,
            name=path.stem,
            known_functions=known_functions,
            known_bots=known_bots,
            known_flows=flows,
        )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """``ivr flows lint [PATH ...]``: print every problem; exit 1 when there are any."""
    from simulator.paths import CONTACT_FLOWS

    parser = argparse.ArgumentParser(prog="ivr flows lint", description=__doc__)
    parser.add_argument("paths", nargs="*", type=Path, default=[CONTACT_FLOWS])
    parser.add_argument("--function", action="append", help="a known Lambda function name")
    parser.add_argument("--bot", action="append", help="a known Lex bot (alias) name")
    parser.add_argument("--flow", action="append", help="a known flow name beyond the files")
    args = parser.parse_args(argv)
    problems = lint_paths(
        args.paths,
        known_functions=set(args.function) if args.function else None,
        known_bots=set(args.bot) if args.bot else None,
        known_flows=set(args.flow or ()),
    )
    for problem in problems:
        print(problem)
    files = len(_flow_files(args.paths))
    print(f"{files} flow(s), {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0

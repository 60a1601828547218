"""Checks a flow before Connect (or a caller) finds the problem: ``ivr flows lint``.

Structure (Version, StartAction, unique Identifiers of at most 50 allowed characters, known action
Types), wiring (every NextAction exists, every action is reachable, every branch a block can take
is wired), references (Lambda functions, Lex bots and flows named by ``${...}`` placeholders exist)
and two PCI DSS rules for card capture.

It agrees with Connect: what Connect refuses to publish is an error; what Connect accepts but a
caller may trip over (an optional error branch left unwired) is a warning, and only errors make
``ivr flows lint`` fail.
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
    unwrap_export,
)

MAX_ACTIONS = 250
#: flow-language-actions.html: "This Identifier can be up to 50 characters long ... The following
#: characters are not allowed in the Identifier field: (% : ( \ / ) = $ , ; [ ] { })" and the
#: strings below are not allowed as Identifiers.
MAX_IDENTIFIER_LENGTH = 50
FORBIDDEN_IDENTIFIER_CHARACTERS = frozenset("%:()\\/=$,;[]{}")
FORBIDDEN_IDENTIFIERS = frozenset({
    "__proto__", "constructor", "__defineGetter__", "__defineSetter__", "toString",
    "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "valueOf",
})  # fmt: skip

#: Actions that end the flow; Connect wants ``"Transitions": {}`` on them.
TERMINAL_TYPES = frozenset({"DisconnectParticipant", "EndFlowExecution", "EndFlowModuleExecution"})
#: Actions whose success leaves the flow, so they never follow NextAction.
LEAVING_TYPES = frozenset({
    "TransferToFlow", "TransferContactToQueue", "TransferContactToAgent",
    "DequeueContactAndTransferToQueue",
})  # fmt: skip
#: Blocks that repeat until something interrupts them: no NextAction (the console's hold flows
#: export MessageParticipantIteratively with empty Transitions).
LOOPING_TYPES = frozenset({"MessageParticipantIteratively"})
#: Actions whose result is matched against Conditions (NextAction only when they have none).
RESULT_TYPES = frozenset({
    "Compare", "Loop", "Wait", "CheckMetricData", "CheckHoursOfOperation", "CheckVoiceId",
    "ConnectParticipantWithLexBot", "GetParticipantInput", "DistributeByPercentage", "ShowView",
    "CheckOutboundCallStatus", "MessageParticipantIteratively",
})  # fmt: skip

#: Error branches Connect refuses to publish a block without (errors, not warnings):
#: participant-actions-getparticipantinput (a menu's timeout, no-match and catch-all; a stored
#: input's catch-all), participant-actions-showview ("NoMatchingCondition, NoMatchingError,
#: TimeLimitExceeded"), and the catch-all of a Lex block and a Compare's NoMatchingCondition, which
#: the designer always exports.
ENFORCED_ERRORS: dict[str, tuple[str, ...]] = {
    "GetParticipantInput": ("NoMatchingError", "InputTimeLimitExceeded", "NoMatchingCondition"),
    "ShowView": ("NoMatchingError", "NoMatchingCondition", "TimeLimitExceeded"),
    "ConnectParticipantWithLexBot": ("NoMatchingError",),
    "Compare": ("NoMatchingCondition",),
}

#: The error branches each block can take, from the flow language reference's Errors sections;
#: one left unwired is a warning unless ENFORCED_ERRORS names it.
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
    "GetCustomerProfile": ("NoMatchingError", "NoneFoundError", "MultipleFoundError"),
    "GetCase": ("NoMatchingError", "NoneFoundError"),
    "ShowView": ("NoMatchingError", "NoMatchingCondition", "TimeLimitExceeded"),
    "TransferParticipantToThirdParty": (
        "NoMatchingError", "CallFailed", "ConnectionTimeLimitExceeded",
    ),
    "DistributeByPercentage": ("NoMatchingCondition",),
    "TagContact": ("NoMatchingError",),
    "CreateTask": ("NoMatchingError",),
    "CreateCase": ("NoMatchingError",),
}  # fmt: skip

#: Names a capture block (Identifier, prompt) uses for card data: PAN, expiry's neighbours, CVV.
_CARD_WORDS = re.compile(r"card|credit|debit|\bpan\b|cvv|cvc|security code", re.IGNORECASE)
#: Card numbers (PANs) are 12 to 19 digits long (ISO/IEC 7812-1); a capture whose
#: MaximumLength is shorter cannot hold one.
MIN_CARD_DIGITS = 12

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
    severity: str = "error"  # or "warning": Connect accepts it

    def __str__(self) -> str:
        where = f"{self.flow}: {self.action}" if self.action else self.flow
        suffix = " (warning)" if self.severity == "warning" else ""
        return f"{where}: {self.message}{suffix}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class _Findings:
    flow: str
    problems: list[LintProblem] = field(default_factory=list)

    def add(self, action: str | None, message: str) -> None:
        self.problems.append(LintProblem(self.flow, action, message))

    def warn(self, action: str | None, message: str) -> None:
        self.problems.append(LintProblem(self.flow, action, message, "warning"))


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
        _check_identifier(action.identifier, found)
        if action.type not in SUPPORTED_ACTION_TYPES:
            found.add(action.identifier, f"unknown or unsupported action type {action.type!r}")
        actions[action.identifier] = action
    return actions


def _check_identifier(identifier: str, found: _Findings) -> None:
    if len(identifier) > MAX_IDENTIFIER_LENGTH:
        found.add(identifier, f"Identifier is over {MAX_IDENTIFIER_LENGTH} characters")
    bad = sorted(set(identifier) & FORBIDDEN_IDENTIFIER_CHARACTERS)
    if bad:
        found.add(identifier, f"Identifier has characters Connect forbids: {' '.join(bad)}")
    if identifier in FORBIDDEN_IDENTIFIERS:
        found.add(identifier, "Identifier is a name Connect forbids")


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
    if action.type in LEAVING_TYPES or action.type in LOOPING_TYPES:
        return False
    return not (action.type in RESULT_TYPES and action.transitions.conditions)


def _required_errors(action: Action) -> list[tuple[str, bool]]:
    """(error type, enforced by Connect) for each branch the block can take."""
    stores = action.param("StoreInput") == "True"
    enforced = set(ENFORCED_ERRORS.get(action.type, ()))
    if action.type == "GetParticipantInput" and stores:
        enforced = {"NoMatchingError"}  # a stored input has no conditions and never times out
    required = [e for e in REQUIRED_ERRORS.get(action.type, ()) if e not in enforced]
    required = sorted(enforced, key=ENFORCED_ERRORS.get(action.type, ()).index) + required
    if stores and action.mapping("InputValidation").get("PhoneNumberValidation"):
        required.append("InvalidPhoneNumber")
    if action.type == "CheckMetricData" and action.transitions.conditions:
        required.append("NoMatchingCondition")
    return [(error_type, error_type in enforced) for error_type in required]


def _required_conditions(action: Action) -> tuple[str, ...]:
    if action.type == "Wait":  # flow-control-actions-wait: WaitCompleted and every event
        events = action.parameters.get("Events")
        return (
            ("WaitCompleted", *(str(e) for e in events))
            if isinstance(events, list)
            else ("WaitCompleted",)
        )
    return REQUIRED_CONDITIONS.get(action.type, ())


def _check_wiring(action: Action, found: _Findings) -> None:
    transitions = action.transitions
    if action.type in TERMINAL_TYPES:
        if transitions.targets():
            found.add(action.identifier, "ends the flow, so its Transitions must be {}")
        return
    if _needs_next_action(action) and not transitions.next_action:
        found.add(action.identifier, "has no NextAction")
    for error_type, enforced in _required_errors(action):
        if transitions.error_target(error_type) is None:
            report = found.add if enforced else found.warn
            report(action.identifier, f"has no {error_type} error branch")
    operands = {operand for condition in transitions.conditions for operand in condition.operands}
    for operand in _required_conditions(action):
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


def _static_number(action: Action, name: str) -> int | None | str:
    """A parameter's whole-number value; "dynamic" when it is one JSONPath; None when absent."""
    value = action.param(name)
    if value is None or value == "":
        return None
    if is_jsonpath(value):
        return "dynamic"
    return int(value) if value.strip().isdigit() else -1


def _check_range(
    action: Action, name: str, low: int, high: int, found: _Findings, *, dynamic: bool
) -> None:
    value = _static_number(action, name)
    if value == "dynamic" and not dynamic:
        found.add(action.identifier, f"{name} must be set statically")
    elif isinstance(value, int) and not low <= value <= high:
        found.add(action.identifier, f"{name} must be a whole number from {low} to {high}")


def _check_parameters(action: Action, found: _Findings) -> None:
    """Parameter limits from each action's reference page (APIReference/<group>-<action>.html)."""
    if action.type == "InvokeLambdaFunction":
        # "Must be greater than 0, no larger than 8, and an integer. Must be set statically."
        _check_range(action, "InvocationTimeLimitSeconds", 1, 8, found, dynamic=False)
    elif action.type == "Loop":
        # flow-control-actions-loop: LoopCount 0-100
        _check_range(action, "LoopCount", 0, 100, found, dynamic=True)
    elif action.type == "Wait":
        # flow-control-actions-wait: TimeoutSeconds is at most 604800 s, seven days
        _check_range(action, "TimeoutSeconds", 1, 604800, found, dynamic=True)
    elif action.type == "TransferParticipantToThirdParty":
        # "between 0 and 600 (inclusive) ... statically or as a single valid JSONPath"; the DTMF
        # digits are "50 or fewer characters chosen from numeric digits, comma, asterisk, and
        # pound sign"
        _check_range(action, "ThirdPartyConnectionTimeoutSeconds", 0, 600, found, dynamic=True)
        digits = action.param("ThirdPartyDTMFDigits") or ""
        if not is_jsonpath(digits) and (len(digits) > 50 or set(digits) - set("0123456789,*#")):
            found.add(action.identifier, "ThirdPartyDTMFDigits must be 50 or fewer of 0-9 , * #")
    elif action.type == "MessageParticipantIteratively" and not action.parameters.get("Messages"):
        # participant-actions-messageparticipantiteratively: Messages is required
        found.add(action.identifier, "Messages must list at least one message")


def _check_stored_input(action: Action, found: _Findings) -> None:
    if action.type != "GetParticipantInput" or action.param("StoreInput") != "True":
        return
    validation = action.mapping("InputValidation")
    if not validation:
        found.add(action.identifier, "stores input but has no InputValidation")
    if action.transitions.conditions:
        found.add(action.identifier, "stores input, so it cannot have Conditions")
    if _can_hold_card_data(action) and not action.mapping("InputEncryption"):
        found.add(
            action.identifier,
            "captures digits (CustomValidation) without InputEncryption: card numbers must be "
            "encrypted where they are entered (PCI DSS)",
        )


def _can_hold_card_data(action: Action) -> bool:
    """A keypad capture can hold a card number when it takes 12 digits or more (or sets no
    maximum), or when the flow names it as card data; a one-digit survey answer cannot."""
    custom = action.mapping("InputValidation").get("CustomValidation")
    if not isinstance(custom, dict):
        return False  # phone-number validation: a phone number, not a card
    maximum = str(custom.get("MaximumLength") or "")
    too_short = maximum.isdigit() and int(maximum) < MIN_CARD_DIGITS
    named = f"{action.identifier} {action.param('Text') or ''} {action.param('SSML') or ''}"
    return not too_short or bool(_CARD_WORDS.search(named))


def _check_attribute_copies(action: Action, found: _Findings, *, card_capture: bool) -> None:
    if action.type != "UpdateContactAttributes":
        return
    for key, value in action.mapping("Attributes").items():
        card_data = card_capture or bool(_CARD_WORDS.search(str(key)))
        if card_data and "$.StoredCustomerInput" in f"{key} {value}":
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
    # Copying stored input into attributes matters only where a capture can hold card data
    # (a one-digit survey answer kept as an attribute is what attributes are for).
    card_capture = any(
        a.type == "GetParticipantInput"
        and a.param("StoreInput") == "True"
        and _can_hold_card_data(a)
        for a in flow.actions.values()
    )
    for action in flow.actions.values():
        _check_wiring(action, found)
        _check_references(action, known, found)
        _check_stored_input(action, found)
        _check_parameters(action, found)
        _check_attribute_copies(action, found, card_capture=card_capture)
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
    check_flows: bool = True,
) -> list[LintProblem]:
    """Lint flow files (directories mean their *.json); each flow may name the others.
    ``check_flows=False`` leaves flow references unchecked (flows exported from an instance
    name flows of that instance)."""
    files = _flow_files(paths)
    flows = ({path.stem for path in files} | (known_flows or set())) if check_flows else None
    problems: list[LintProblem] = []
    for path in files:
        try:
            flow_json, _, _ = unwrap_export(json.loads(path.read_text(encoding="utf-8")), path.stem)
        except FlowFormatError as legacy:
            problems.append(
                LintProblem(path.stem, None, str(legacy).removeprefix(f"{path.stem}: "))
            )
            continue
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
    errors = sum(problem.is_error for problem in problems)
    warnings = len(problems) - errors
    print(f"{files} flow(s), {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0

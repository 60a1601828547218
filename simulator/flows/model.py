"""Amazon Connect flow language (Version 2019-10-30): flows, actions and their transitions.

A flow is ``{"Version", "StartAction", "Metadata", "Actions": [...]}``; ``Metadata`` is the
designer's layout and is ignored. Each action is ``{"Identifier", "Type", "Parameters",
"Transitions": {"NextAction", "Conditions": [...], "Errors": [...]}}``; terminal actions have
``"Transitions": {}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLOW_LANGUAGE_VERSION = "2019-10-30"


class FlowFormatError(ValueError):
    """The JSON is not a flow the interpreter can run."""


@dataclass(frozen=True)
class Condition:
    operator: str
    operands: tuple[str, ...]
    next_action: str


@dataclass(frozen=True)
class ErrorBranch:
    error_type: str
    next_action: str


@dataclass(frozen=True)
class Transitions:
    next_action: str | None = None
    conditions: tuple[Condition, ...] = ()
    errors: tuple[ErrorBranch, ...] = ()

    def error_target(self, error_type: str) -> str | None:
        for branch in self.errors:
            if branch.error_type == error_type:
                return branch.next_action
        return None

    def targets(self) -> list[str]:
        """Every action this one can lead to, in the order they are written."""
        found = [self.next_action] if self.next_action else []
        found += [condition.next_action for condition in self.conditions]
        found += [branch.next_action for branch in self.errors]
        return found


@dataclass(frozen=True)
class Action:
    identifier: str
    type: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    transitions: Transitions = field(default_factory=Transitions)

    def param(self, name: str) -> str | None:
        """A parameter that is a string in every real export ("5", "True"); None when absent."""
        value = self.parameters.get(name)
        if value is None or isinstance(value, dict | list):
            return None
        return value if isinstance(value, str) else str(value)

    def mapping(self, name: str) -> Mapping[str, Any]:
        value = self.parameters.get(name)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Flow:
    name: str
    start_action: str
    actions: Mapping[str, Action]
    #: The flow type when the file says (describe-contact-flow's ContactFlow.Type: CONTACT_FLOW,
    #: CUSTOMER_QUEUE, CUSTOMER_HOLD, CUSTOMER_WHISPER, AGENT_WHISPER, QUEUE_TRANSFER, ...).
    flow_type: str | None = None

    def action(self, identifier: str) -> Action | None:
        return self.actions.get(identifier)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise FlowFormatError(f"{what} must be a non-empty string, not {value!r}")
    return value


def _condition(raw: Any, where: str) -> Condition:
    if not isinstance(raw, dict) or not isinstance(raw.get("Condition"), dict):
        raise FlowFormatError(f"{where}: a condition must be {{NextAction, Condition}}")
    operands = raw["Condition"].get("Operands", [])
    if not isinstance(operands, list):
        raise FlowFormatError(f"{where}: Condition.Operands must be a list")
    return Condition(
        operator=_text(raw["Condition"].get("Operator"), f"{where}: Condition.Operator"),
        operands=tuple(str(operand) for operand in operands),
        next_action=_text(raw.get("NextAction"), f"{where}: condition NextAction"),
    )


def _error(raw: Any, where: str) -> ErrorBranch:
    if not isinstance(raw, dict):
        raise FlowFormatError(f"{where}: an error branch must be {{ErrorType, NextAction}}")
    return ErrorBranch(
        error_type=_text(raw.get("ErrorType"), f"{where}: ErrorType"),
        next_action=_text(raw.get("NextAction"), f"{where}: error NextAction"),
    )


def parse_transitions(raw: Any, where: str) -> Transitions:
    if raw is None:
        return Transitions()
    if not isinstance(raw, dict):
        raise FlowFormatError(f"{where}: Transitions must be an object")
    next_action = raw.get("NextAction")
    if next_action is not None and not isinstance(next_action, str):
        raise FlowFormatError(f"{where}: NextAction must be a string")
    conditions = raw.get("Conditions") or []
    errors = raw.get("Errors") or []
    if not isinstance(conditions, list) or not isinstance(errors, list):
        raise FlowFormatError(f"{where}: Conditions and Errors must be lists")
    return Transitions(
        next_action=next_action or None,
        conditions=tuple(_condition(item, where) for item in conditions),
        errors=tuple(_error(item, where) for item in errors),
    )


def parse_action(raw: Any, flow_name: str) -> Action:
    if not isinstance(raw, dict):
        raise FlowFormatError(f"{flow_name}: every action must be an object")
    identifier = _text(raw.get("Identifier"), f"{flow_name}: Identifier")
    where = f"{flow_name}:{identifier}"
    parameters = raw.get("Parameters") or {}
    if not isinstance(parameters, dict):
        raise FlowFormatError(f"{where}: Parameters must be an object")
    return Action(
        identifier=identifier,
        type=_text(raw.get("Type"), f"{where}: Type"),
        parameters=parameters,
        transitions=parse_transitions(raw.get("Transitions"), where),
    )


def parse_flow(data: Any, name: str) -> Flow:
    """Build a Flow from exported JSON; FlowFormatError names what is wrong."""
    if not isinstance(data, dict):
        raise FlowFormatError(f"{name}: a flow must be a JSON object")
    if data.get("Version") != FLOW_LANGUAGE_VERSION:
        raise FlowFormatError(f"{name}: Version must be {FLOW_LANGUAGE_VERSION!r}")
    raw_actions = data.get("Actions")
    if not isinstance(raw_actions, list):
        raise FlowFormatError(f"{name}: Actions must be a list")
    actions: dict[str, Action] = {}
    for raw in raw_actions:
        action = parse_action(raw, name)
        if action.identifier in actions:
            raise FlowFormatError(f"{name}: Identifier {action.identifier!r} is used twice")
        actions[action.identifier] = action
    start = _text(data.get("StartAction"), f"{name}: StartAction")
    return Flow(name=name, start_action=start, actions=actions)


def is_legacy_designer_format(data: Any) -> bool:
    """The pre-2019 designer's export (``modules``, ``start``, ``type: contactFlow``), which
    predates the flow language and which Connect no longer imports as such."""
    return (
        isinstance(data, dict) and isinstance(data.get("modules"), list) and "Actions" not in data
    )


def unwrap_export(data: Any, name: str) -> tuple[Any, str, str | None]:
    """The flow-language JSON inside a file, its name and its type. Accepts the flow itself and
    the console/CLI export wrapper (``describe-contact-flow`` or ``describe-contact-flow-module``
    output, whose ``Content`` is the flow as a JSON string)."""
    if not isinstance(data, dict):
        return data, name, None
    wrapper = data.get("ContactFlow") or data.get("ContactFlowModule")
    if isinstance(wrapper, dict) and "Content" in wrapper:
        content = wrapper["Content"]
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except ValueError as bad:
                raise FlowFormatError(f"{name}: ContactFlow.Content is not JSON: {bad}") from None
        flow_type = wrapper.get("Type") or ("MODULE" if "ContactFlowModule" in data else None)
        return content, str(wrapper.get("Name") or name), flow_type
    if is_legacy_designer_format(data):
        raise FlowFormatError(
            f"{name}: a legacy designer-format flow (modules/start, exported before the flow "
            "language of 2019-10-30); open it in the current flow designer and export it again"
        )
    return data, name, None


def load_flow(path: Path) -> Flow:
    """A flow file; its name is the file stem, as for contact_flows/*.json (an export wrapper's
    flow keeps the stem too, so references by file name work)."""
    data, _, flow_type = unwrap_export(json.loads(path.read_text(encoding="utf-8")), path.stem)
    flow = parse_flow(data, path.stem)
    return Flow(flow.name, flow.start_action, flow.actions, flow_type)


class FlowLibrary:
    """The flows a call can reach, by name, and the references that point at them.

    TransferToFlow (``ContactFlowId``), InvokeFlowModule (``FlowModuleId``) and
    UpdateContactEventHooks name a flow by ARN or by a template placeholder such as
    ``${CustomerQueueFlow.Arn}``; ``aliases`` maps those references to flow names.
    """

    def __init__(
        self, flows: Iterable[Flow] = (), aliases: Mapping[str, str] | None = None
    ) -> None:
        self._flows: dict[str, Flow] = {}
        self.aliases: dict[str, str] = dict(aliases or {})
        for flow in flows:
            self.add(flow)

    @classmethod
    def from_directory(
        cls, directory: Path, aliases: Mapping[str, str] | None = None
    ) -> FlowLibrary:
        return cls((load_flow(path) for path in sorted(directory.glob("*.json"))), aliases)

    def add(self, flow: Flow) -> None:
        self._flows[flow.name] = flow

    def names(self) -> list[str]:
        return sorted(self._flows)

    def get(self, name: str) -> Flow:
        try:
            return self._flows[name]
        except KeyError:
            raise KeyError(f"no flow named {name!r} (known: {', '.join(self.names())})") from None

    def resolve(self, reference: str) -> str | None:
        """The flow name a reference (a name, an alias, an ARN) points at; None if none."""
        if reference in self._flows:
            return reference
        name = self.aliases.get(reference)
        return name if name in self._flows else None

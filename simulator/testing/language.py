"""A Connect test case (the ``Content`` of CreateTestCase), read into observations and actions.

Nothing unknown is ignored: every construct the local runner does not support becomes an entry
in ``TestCase.unsupported``, and a test case with any such entry fails, naming it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: The AWS pages disagree: the API reference shows 2025-06-21, live test cases send 2019-10-30.
VERSIONS = frozenset({"2019-10-30", "2025-06-21"})
EVENT_TYPES = frozenset({"TestInitiated", "MessageReceived", "FlowActionStarted", "TestCompleted"})
ACTION_TYPES = frozenset({"SendInstruction", "OverrideSystemBehavior", "Assert", "TestControl"})
#: The flow actions a FlowActionStarted event (and an override) may name.
FLOW_ACTION_TYPES = frozenset(
    {
        "InvokeLambdaFunction",
        "CheckHoursOfOperation",
        "TransferContactToQueue",
        "ConnectParticipantWithLexBot",
    }
)
USAGE_TYPES = frozenset({"EXACTLY", "ATLEAST", "ATMOST", "ALWAYS"})


def is_test_case(document: Any) -> bool:
    """A Connect test case is recognised by its ``Observations`` key."""
    return isinstance(document, dict) and "Observations" in document


@dataclass(frozen=True)
class TestAction:
    __test__ = False  # not a pytest test class, whatever its name

    identifier: str
    type: str
    parameters: dict[str, Any]
    next_action: str | None = None


@dataclass(frozen=True)
class Usage:
    #: EXACTLY, ATLEAST, ATMOST or ALWAYS (case and underscores as written are ignored).
    type: str = "EXACTLY"
    times: int = 1


@dataclass
class Observation:
    identifier: str
    event_type: str
    properties: dict[str, Any]
    usage: Usage
    actions: list[TestAction]
    next_observations: list[str] = field(default_factory=list)


@dataclass
class TestCase:
    __test__ = False  # not a pytest test class, whatever its name

    version: str
    observations: list[Observation]
    unsupported: list[str] = field(default_factory=list)

    def observation(self, identifier: str) -> Observation | None:
        return next((o for o in self.observations if o.identifier == identifier), None)


def _usage(raw: Any, where: str, problems: list[str]) -> Usage:
    if raw is None:
        return Usage()
    if not isinstance(raw, dict):
        problems.append(f"{where}: Usage must be an object")
        return Usage()
    kind = str(raw.get("Type", "EXACTLY")).replace("_", "").upper()
    if kind not in USAGE_TYPES:
        problems.append(f"{where}: unsupported Usage Type {raw.get('Type')!r}")
        kind = "EXACTLY"
    try:
        times = int(raw.get("Times", 1))
    except (TypeError, ValueError):
        problems.append(f"{where}: Usage Times must be a whole number")
        times = 1
    return Usage(kind, times)


def _actions(raw: Any, where: str, problems: list[str]) -> list[TestAction]:
    actions = []
    for index, item in enumerate(raw or []):
        if not isinstance(item, dict):
            problems.append(f"{where}: action {index} is not an object")
            continue
        identifier = str(item.get("Identifier") or f"action-{index}")
        kind = str(item.get("Type", ""))
        if kind not in ACTION_TYPES:
            problems.append(f"{where}: unsupported action Type {kind!r} ({identifier})")
            continue
        transitions = item.get("Transitions") or {}
        actions.append(
            TestAction(
                identifier,
                kind,
                dict(item.get("Parameters") or {}),
                str(transitions.get("NextAction") or "") or None,
            )
        )
    return _in_order(actions)


def _in_order(actions: list[TestAction]) -> list[TestAction]:
    """Actions in the order their NextAction chain gives, starting with the one no other action
    leads to; actions outside the chain follow in the order written."""
    by_id = {a.identifier: a for a in actions}
    targets = {a.next_action for a in actions if a.next_action}
    ordered: list[TestAction] = []
    current = next((a for a in actions if a.identifier not in targets), None)
    while current is not None and current not in ordered:
        ordered.append(current)
        current = by_id.get(current.next_action or "")
    return ordered + [a for a in actions if a not in ordered]


def _event(raw: Any, where: str, problems: list[str]) -> tuple[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        problems.append(f"{where}: Event must be an object")
        return "", {}
    kind = str(raw.get("Type", ""))
    properties = dict(raw.get("Properties") or {})
    if kind not in EVENT_TYPES:
        problems.append(f"{where}: unsupported event Type {kind!r}")
    elif kind == "FlowActionStarted":
        action_type = str(properties.get("ActionType", "")).strip()
        properties["ActionType"] = action_type
        if action_type not in FLOW_ACTION_TYPES:
            problems.append(f"{where}: unsupported FlowActionStarted ActionType {action_type!r}")
    elif kind == "MessageReceived":
        criteria = str(properties.get("MatchingCriteria") or "Inclusion")
        if criteria not in {"Inclusion", "Similarity"}:
            problems.append(f"{where}: unsupported MatchingCriteria {criteria!r}")
        if properties.get("Media"):
            problems.append(f"{where}: MessageReceived Media is not supported (text prompts only)")
    return kind, properties


def parse_test_case(document: Any) -> TestCase:
    """Read a test case; a JSON string (as CreateTestCase's Content) is accepted too."""
    if isinstance(document, str):
        document = json.loads(document)
    if not is_test_case(document):
        raise ValueError("a Connect test case is a JSON object with an Observations list")
    problems: list[str] = []
    version = str(document.get("Version", ""))
    if version not in VERSIONS:
        problems.append(f"unsupported Version {version!r} (known: {', '.join(sorted(VERSIONS))})")
    observations = []
    for index, raw in enumerate(document.get("Observations") or []):
        identifier = str(raw.get("Identifier") or f"observation-{index}")
        where = f"observation {identifier}"
        kind, properties = _event(raw.get("Event"), where, problems)
        transitions = raw.get("Transitions") or {}
        observations.append(
            Observation(
                identifier,
                kind,
                properties,
                _usage(raw.get("Usage"), where, problems),
                _actions(raw.get("Actions"), where, problems),
                [str(n) for n in transitions.get("NextObservations") or [] if n],
            )
        )
    if not observations:
        problems.append("no observations: a test case that observes nothing proves nothing")
    case = TestCase(version, observations, problems)
    for observation in observations:
        for name in observation.next_observations:
            if case.observation(name) is None:
                problems.append(
                    f"observation {observation.identifier}: NextObservations names "
                    f"{name!r}, which is no observation"
                )
    return case

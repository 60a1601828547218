"""One Connect test case driving one local call: the simulated customer, observer and overrides.

The run is the customer on the line (``hear``/``next_input``), the call's listener (prompts and
bot messages are MessageReceived events), the interpreter's action observer (FlowActionStarted,
and the overrides of queues and bots) and a wrapper of the contact center's services (the
overrides of Lambdas and hours). Observations are matched as the call goes:

- an observation no other names in ``Transitions.NextObservations`` is active from the start and
  may match at any time; one that is named becomes active once the one naming it has matched;
- each event goes to the first active observation (in the order written) that matches it;
- ``EXACTLY`` (the default, once) stops matching after ``Times``; ``ATLEAST``, ``ATMOST`` and
  ``ALWAYS`` stay active; ``ATMOST`` fails on its ``Times + 1``-th match;
- when the call ends, TestCompleted is observed and every observation's count is checked: one
  that never matched fails there and then, not after Connect's five minutes.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.flows import Contact, Event, VirtualClock
from simulator.flows.contact import LexState
from simulator.flows.jsonpath import resolve_path
from simulator.flows.model import Action
from simulator.flows.outcome import CallEnded, Outcome, error, result
from simulator.flows.params import resolved
from simulator.ports import (
    CallerInput,
    ContactRuntime,
    Digits,
    Hangup,
    InputRequest,
    LambdaInvocationError,
    Silence,
    Speech,
)
from simulator.testing.language import FLOW_ACTION_TYPES, Observation, TestAction, TestCase
from simulator.testing.matching import OPERATORS, expected_text, message_matches
from simulator.testing.resources import ResourceMap

if TYPE_CHECKING:
    from simulator.flows.interpreter import Run

#: After this many inputs in a row with no instruction to give, the simulated customer hangs up
#: (Connect's runner would wait out its time limit instead).
MAX_SILENT_INPUTS = 6
#: The key in an override's ActionParameters naming the resource, per flow action.
_RESOURCE_KEYS = {
    "InvokeLambdaFunction": ("LambdaFunctionARN",),
    "CheckHoursOfOperation": ("HoursOfOperationId", "Hours"),
    "TransferContactToQueue": ("QueueId", "QueueArn"),
    "ConnectParticipantWithLexBot": ("LexV2Bot.AliasArn", "AliasArn", "LexBotAliasArn"),
}
#: Where a prompt-like event is something the customer hears.
_HEARD_KINDS = frozenset({"prompt", "bot"})


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = "" if value is None else str(value)
    return flat


def _usage_text(observation: Observation) -> str:
    usage = observation.usage
    return usage.type if usage.type == "ALWAYS" else f"{usage.type} {usage.times}"


@dataclass
class ObservationState:
    observation: Observation
    active: bool
    count: int = 0
    matched: list[str] = field(default_factory=list)  # what matched, in order
    seen: list[str] = field(default_factory=list)  # events of its type while it waited
    failures: list[str] = field(default_factory=list)

    def expected(self) -> str:
        props = self.observation.properties
        if self.observation.event_type == "MessageReceived":
            criteria = props.get("MatchingCriteria") or "Inclusion"
            return f"{expected_text(props)!r} ({criteria})"
        if self.observation.event_type == "FlowActionStarted":
            parameters = _flat(dict(props.get("ActionParameters") or {}))
            return f"{props.get('ActionType')} {json.dumps(parameters)}"
        return self.observation.event_type

    def as_json(self) -> dict[str, Any]:
        return {
            "identifier": self.observation.identifier,
            "event": self.observation.event_type,
            "usage": _usage_text(self.observation),
            "matched": self.count,
            "passed": not self.failures,
            "expected": self.expected(),
            "heard": self.matched or self.seen[-5:],
            "failures": self.failures,
        }


@dataclass
class Strategy:
    """One override: a substitute resource, or a mocked result or error."""

    kind: str  # SubstituteResource | MockResponse
    substitute: str = ""
    execution_result: dict[str, Any] | None = None
    error: str = ""


class TestCaseRun:
    """The state of one test case over one call (see the module docstring for the rules)."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, case: TestCase, resources: ResourceMap) -> None:
        self.case = case
        self.resources = resources
        chained = {name for o in case.observations for name in o.next_observations}
        self.states = [ObservationState(o, o.identifier not in chained) for o in case.observations]
        self.failures: list[str] = list(case.unsupported)
        self.pending: deque[CallerInput] = deque()
        self.overrides: dict[tuple[str, str], deque[Strategy]] = {}
        self.log: list[dict[str, Any]] = []
        self.contact: Contact | None = None
        self.clock: VirtualClock | None = None
        self.end_requested = False
        self._silent_inputs = 0

    # --- the simulated customer (simulator.ports.Caller) ------------------------------------

    def hear(self, text: str) -> None:
        """Prompts are matched from the listener, which also gives the contact."""

    def next_input(self, request: InputRequest) -> CallerInput:
        if self.end_requested:
            raise CallEnded("test-ended")
        if self.pending:
            self._silent_inputs = 0
            return self.pending.popleft()
        self._silent_inputs += 1
        if self._silent_inputs > MAX_SILENT_INPUTS:
            self.log.append({"action": "hangup", "why": "no instruction left to give"})
            return Hangup()
        return Silence(request.timeout_seconds)

    # --- events --------------------------------------------------------------------------------

    def start(self) -> None:
        self._observe("TestInitiated", "test initiated", lambda o: True)

    def listener(self, event: Event, contact: Contact) -> None:
        self.contact = contact
        if event["kind"] in _HEARD_KINDS:
            text = event["text"]
            self._observe("MessageReceived", text, lambda o: message_matches(o.properties, text))

    def observer(self, run: Run, action: Action) -> Outcome | None:
        """The interpreter's ActionObserver: FlowActionStarted, then queue and bot overrides."""
        self.contact = run.contact
        if self.end_requested:
            raise CallEnded("test-ended")
        if action.type in FLOW_ACTION_TYPES:
            actual = self._action_parameters(action, run.contact)
            self._observe(
                "FlowActionStarted",
                f"{action.type} {json.dumps(actual)}",
                lambda o: self._action_matches(o, action.type, actual),
            )
            if self.end_requested:
                raise CallEnded("test-ended")
        if action.type == "TransferContactToQueue":
            return self._queue_override(run.contact)
        if action.type == "ConnectParticipantWithLexBot":
            alias = str(action.mapping("LexV2Bot").get("AliasArn") or "")
            return self._bot_override(run.contact, alias)
        return None

    def finish(self) -> list[str]:
        """TestCompleted, then each observation's usage; the failures of the whole test."""
        self._observe("TestCompleted", "test completed", lambda o: True)
        for state in self.states:
            usage, count = state.observation.usage, state.count
            name = state.observation.identifier
            if usage.type == "EXACTLY" and count != usage.times:
                state.failures.append(
                    f"{name}: expected {usage.times} match(es) of {state.expected()}, got {count}"
                    + (f"; heard {state.seen[-3:]}" if state.seen and not count else "")
                )
            elif usage.type == "ATLEAST" and count < usage.times:
                state.failures.append(
                    f"{name}: expected at least {usage.times} match(es) of {state.expected()}, "
                    f"got {count}"
                )
        self.failures += [f for state in self.states for f in state.failures]
        return self.failures

    def _action_parameters(self, action: Action, contact: Contact) -> dict[str, str]:
        actual = {key: resolved(action, key, contact) for key in action.parameters}
        actual = {k: v for k, v in actual.items() if v} | _flat(
            {k: v for k, v in action.parameters.items() if isinstance(v, dict)}
        )
        if action.type == "TransferContactToQueue" and contact.target_queue:
            actual.setdefault("QueueId", contact.target_queue)
            actual.setdefault("QueueArn", contact.target_queue)
        return actual

    def _action_matches(
        self, observation: Observation, action_type: str, actual: dict[str, str]
    ) -> bool:
        props = observation.properties
        if props.get("ActionType") != action_type:
            return False
        expected = _flat(dict(props.get("ActionParameters") or {}))
        return all(
            key in actual and self.resources.same(value, actual[key])
            for key, value in expected.items()
        )

    def _observe(self, event_type: str, what: str, matches: Callable[[Observation], bool]) -> None:
        for state in self.states:
            observation = state.observation
            if not state.active or observation.event_type != event_type:
                continue
            if not matches(observation):
                state.seen.append(what)
                continue
            state.count += 1
            state.matched.append(what)
            usage = observation.usage
            if usage.type == "ATMOST" and state.count > usage.times:
                state.failures.append(
                    f"{observation.identifier}: matched {state.count} times, at most "
                    f"{usage.times} allowed ({what!r})"
                )
            if usage.type == "EXACTLY" and state.count >= usage.times:
                state.active = False
            for name in observation.next_observations:
                for follower in self.states:
                    if follower.observation.identifier == name:
                        follower.active = True
            self._run_actions(state, observation.actions)
            return

    # --- actions -------------------------------------------------------------------------------

    def _run_actions(self, state: ObservationState, actions: list[TestAction]) -> None:
        for action in actions:
            handler = _ACTIONS[action.type]
            handler(self, state, action)

    def _send_instruction(self, state: ObservationState, action: TestAction) -> None:
        instruction = action.parameters.get("Instruction") or {}
        kind = str(instruction.get("Type", ""))
        props = instruction.get("Properties") or {}
        if kind == "DtmfInput":
            value = props.get("Value")
            self.pending.append(Digits(str(value if value is not None else "")))
        elif kind == "TextUtterance":
            # Text as documented; Utterance and Value as live test cases also send.
            text = next((props[k] for k in ("Text", "Utterance", "Value") if props.get(k)), "")
            self.pending.append(Speech(str(text)))
        elif kind == "Disconnect":
            self.pending.append(Hangup())
        else:
            self._unsupported(state, f"SendInstruction Type {kind!r}")
            return
        self.log.append({"observation": state.observation.identifier, "action": kind})

    def _override(self, state: ObservationState, action: TestAction) -> None:
        behavior = action.parameters.get("Behavior") or {}
        props = behavior.get("Properties") or {}
        action_type = str(props.get("ActionType", ""))
        if action_type not in FLOW_ACTION_TYPES:
            self._unsupported(state, f"OverrideSystemBehavior for ActionType {action_type!r}")
            return
        raw = dict(props.get("Strategy") or {})
        kind = str(raw.get("Type", ""))
        strategy = Strategy(kind)
        if kind == "SubstituteResource":
            if action_type not in {"InvokeLambdaFunction", "TransferContactToQueue"}:
                self._unsupported(
                    state,
                    f"SubstituteResource for {action_type} (the local contact center has one "
                    "set of hours and one bot: use MockResponse)",
                )
                return
            strategy.substitute = str(raw.get("SubstituteArn") or raw.get("SubstituteResource"))
        elif kind == "MockResponse":
            found = raw.get("ExecutionResult", props.get("ExecutionResult"))
            failure = raw.get("Error", props.get("Error"))
            if isinstance(failure, dict):
                failure = failure.get("Type") or failure.get("ErrorType")
            strategy.execution_result = dict(found) if isinstance(found, dict) else None
            strategy.error = str(failure or "")
            if strategy.execution_result is None and not strategy.error:
                self._unsupported(state, "MockResponse without an ExecutionResult or Error")
                return
        else:
            self._unsupported(state, f"override Strategy Type {kind!r}")
            return
        parameters = _flat(dict(props.get("ActionParameters") or {}))
        key = next((parameters[k] for k in _RESOURCE_KEYS[action_type] if k in parameters), "*")
        resource = "*" if key == "*" else self.resources.local(key)
        self.overrides.setdefault((action_type, resource), deque()).append(strategy)
        self.log.append(
            {
                "observation": state.observation.identifier,
                "action": f"override {action_type} {resource}: {kind}",
            }
        )

    def _assert(self, state: ObservationState, action: TestAction) -> None:
        params = action.parameters
        namespace = str(params.get("Namespace", ""))
        operator = str(params.get("Operator", ""))
        operand = params.get("Operand")
        check = OPERATORS.get(operator)
        if check is None:
            self._unsupported(state, f"Assert Operator {operator!r}")
            return
        actual = namespace_value(namespace, self.contact)
        passed = check(actual, "" if operand is None else str(operand))
        self.log.append(
            {
                "observation": state.observation.identifier,
                "action": "Assert",
                "namespace": namespace,
                "operator": operator,
                "operand": operand,
                "actual": actual,
                "passed": passed,
            }
        )
        if not passed:
            state.failures.append(
                f"{state.observation.identifier}: assert {namespace} {operator} {operand!r} "
                f"failed: the value is {actual!r}"
            )

    def _test_control(self, state: ObservationState, action: TestAction) -> None:
        params = action.parameters
        command = params.get("Command", params.get("Type"))
        if isinstance(command, dict):
            command = command.get("Type")
        if command == "EndTest":
            self.end_requested = True
            self.log.append({"observation": state.observation.identifier, "action": "EndTest"})
        elif command == "LogData":
            data = params.get("Data")
            namespace = params.get("Namespace")
            if namespace:
                data = namespace_value(str(namespace), self.contact)
            self.log.append(
                {"observation": state.observation.identifier, "action": "LogData", "data": data}
            )
        else:
            self._unsupported(state, f"TestControl command {command!r}")

    def _unsupported(self, state: ObservationState, what: str) -> None:
        state.failures.append(f"{state.observation.identifier}: unsupported {what}")

    # --- overrides ----------------------------------------------------------------------------

    def take_override(self, action_type: str, reference: str) -> Strategy | None:
        """The oldest override waiting for this resource (or for any of its type): used once."""
        for key in ((action_type, self.resources.local(reference)), (action_type, "*")):
            waiting = self.overrides.get(key)
            if waiting:
                strategy = waiting.popleft()
                self.log.append({"action": f"override used: {action_type} {key[1]}"})
                return strategy
        return None

    def _queue_override(self, contact: Contact) -> Outcome | None:
        strategy = self.take_override("TransferContactToQueue", contact.target_queue or "")
        if strategy is None:
            return None
        if strategy.kind == "SubstituteResource":
            contact.target_queue = self.resources.local(strategy.substitute)
            return None
        return error(strategy.error) if strategy.error else None

    def _bot_override(self, contact: Contact, alias: str) -> Outcome | None:
        strategy = self.take_override("ConnectParticipantWithLexBot", alias)
        if strategy is None:
            return None
        if strategy.error:
            return error(strategy.error)
        mocked = strategy.execution_result or {}
        intent = str(mocked.get("IntentName") or "")
        slots = {
            str(k): None if v is None else str(v) for k, v in (mocked.get("Slots") or {}).items()
        }
        contact.lex = LexState(intent_name=intent, slots=slots)
        return result(intent)

    def runtime(self, inner: ContactRuntime, clock: VirtualClock) -> ContactRuntime:
        self.clock = clock
        return OverridingRuntime(inner, self, clock)


def namespace_value(namespace: str, contact: Contact | None) -> str | None:
    """An Assert's Namespace (``$.Attributes.x``, ``$.External.x``, ``$.Lex.IntentName`` ...):
    None when it names nothing (what ``Exists`` checks)."""
    if contact is None:
        return None
    path = namespace if namespace.startswith("$.") else f"$.{namespace}"
    root, _, key = path[2:].partition(".")
    stores = {"Attributes": contact.attributes, "External": contact.external}
    if root in stores:
        return stores[root].get(key)
    value = resolve_path(path, contact)
    return value or None


class OverridingRuntime:
    """The contact center's services with a test case's Lambda and hours overrides first."""

    def __init__(self, inner: ContactRuntime, run: TestCaseRun, clock: VirtualClock) -> None:
        self.inner = inner
        self.run = run
        self.clock = clock

    def invoke_lambda(
        self, function_ref: str, event: dict[str, Any], timeout_seconds: float
    ) -> dict[str, Any]:
        strategy = self.run.take_override("InvokeLambdaFunction", function_ref)
        if strategy is None:
            return self.inner.invoke_lambda(function_ref, event, timeout_seconds)
        if strategy.kind == "SubstituteResource":
            substitute = self.run.resources.local(strategy.substitute)
            return self.inner.invoke_lambda(substitute, event, timeout_seconds)
        if strategy.error:
            if strategy.error == "TimeLimitExceeded":
                raise LambdaInvocationError(f"timed out after {timeout_seconds:g} s (mocked)")
            raise LambdaInvocationError(f"failed with {strategy.error} (mocked)")
        mocked = strategy.execution_result or {}
        delay = float(mocked.get("DelaySeconds") or 0)
        if delay >= timeout_seconds:
            raise LambdaInvocationError(
                f"timed out after {timeout_seconds:g} s (mocked delay of {delay:g} s)"
            )
        self.clock.advance(delay)
        loaded = mocked.get("LoadedData", "{}")
        try:
            data = json.loads(loaded) if isinstance(loaded, str) else loaded
        except ValueError as exc:
            raise LambdaInvocationError(f"mocked LoadedData is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise LambdaInvocationError("mocked LoadedData is not a JSON object")
        return data

    def queue_metric(self, queue_ref: str | None, metric: str) -> float:
        return self.inner.queue_metric(queue_ref, metric)

    def hours_open(self, hours_ref: str | None) -> bool:
        strategy = self.run.take_override("CheckHoursOfOperation", hours_ref or "")
        if strategy is None:
            return self.inner.hours_open(hours_ref)
        if strategy.error:
            raise LambdaInvocationError(f"hours check failed with {strategy.error} (mocked)")
        mocked = strategy.execution_result or {}
        value = next(
            (mocked[k] for k in ("Result", "Value", "InHours", "IsOpen") if k in mocked), True
        )
        return str(value).lower() in {"true", "1", "inhours", "open"}

    def voice_id(self, option: str, customer_id: str | None) -> str:
        return self.inner.voice_id(option, customer_id)


_ACTIONS = {
    "SendInstruction": TestCaseRun._send_instruction,
    "OverrideSystemBehavior": TestCaseRun._override,
    "Assert": TestCaseRun._assert,
    "TestControl": TestCaseRun._test_control,
}

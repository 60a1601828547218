"""Scripted calls: a YAML scenario (given / call / steps / expect) run against fresh local tables.

The format is a public contract, documented in the README. Each scenario gets empty tables built
from template.yaml and its `given:` data — a new in-memory AWS (moto) by default, or a warm one's
restored snapshot (simulator/testing/warm.py) — and the call runs through the real flows and the
real handlers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from simulator.call import ENTRY_FLOW, CallSetup, place_call, record_as_json
from simulator.callbacks import check_callback_expectations, seed_callbacks
from simulator.flows import CallRecord
from simulator.flows.services import LocalServices
from simulator.local_aws import apply_environment, in_memory_aws
from simulator.payment_expect import check_payment_expectations
from simulator.people import ScriptedCaller
from simulator.runtime import QueueState
from simulator.seed import load_given
from simulator.testing.state import stored_state

_TOP_LEVEL = {"name", "description", "given", "call", "steps", "expect"}
_VOICE = {
    "authenticated": "Authenticated",
    "not_authenticated": "NotAuthenticated",
    "inconclusive": "Inconclusive",
    "not_enrolled": "NotEnrolled",
    "opted_out": "OptedOut",
    "error": "Error",
    "not_enough_speech": "NotEnoughSpeech",
    "new_caller_not_enough_speech": "NewCallerNotEnoughSpeech",
}


class ScenarioError(ValueError):
    """The scenario file itself is wrong (not the call it describes)."""


@dataclass
class ScenarioResult:
    name: str
    record: CallRecord
    failures: list[str] = field(default_factory=list)
    outbox: list[dict[str, str]] = field(default_factory=list)
    #: The stored transactions and callbacks when the call ended (simulator/testing/state.py).
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_json(self) -> dict[str, Any]:
        return (
            {"scenario": self.name, "passed": self.passed, "failures": self.failures}
            | record_as_json(self.record, self.outbox)
            | self.state
        )


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario is a mapping with given/call/steps/expect")
    unknown = set(data) - _TOP_LEVEL
    if unknown:
        raise ScenarioError(f"{path}: unknown keys {sorted(unknown)}")
    if not isinstance(data.get("call"), dict):
        raise ScenarioError(f"{path}: `call:` is required")
    data.setdefault("name", path.stem)
    given = data.get("given")
    if isinstance(given, dict) and given.get("customer_files"):
        # Files are named relative to the scenario, as a scenario's author sees them.
        given["customer_files"] = [str(path.parent / f) for f in given["customer_files"]]
    return data


def _setup(call: dict[str, Any]) -> CallSetup:
    start = datetime.fromisoformat(str(call.get("at", "2026-12-01T09:30:00-05:00")))
    if start.tzinfo is None:
        raise ScenarioError("call.at needs a UTC offset, e.g. 2026-12-01T09:30:00-05:00")
    queue = call.get("queue") or {}
    voice = str(call.get("voice", "authenticated"))  # known callers pass voice unless told
    if voice not in _VOICE:
        raise ScenarioError(f"call.voice must be one of {sorted(_VOICE)}")
    available = queue.get("agents_available", True)
    return CallSetup(
        caller_number=call.get("from"),
        start=start,
        queue=QueueState(
            wait_seconds=float(queue.get("wait_seconds", 30)),
            agents_available=int(available) if not isinstance(available, bool) else int(available),
            contacts_in_queue=int(queue.get("contacts_in_queue", 0)),
            max_contacts=None if queue.get("max_contacts") is None else int(queue["max_contacts"]),
        ),
        voice=_VOICE[voice],
        open_hours=bool(call.get("open_hours", True)),
        faults={str(k): str(v) for k, v in (call.get("faults") or {}).items()},
        agent_hold_seconds=float(call.get("agent_hold_seconds", 0)),
        # Another flow to start in (the dialled callback's callback_outbound), with attributes.
        entry_flow=str(call.get("flow") or ENTRY_FLOW),
        attributes={str(k): str(v) for k, v in (call.get("attributes") or {}).items()},
    )


def check_expectations(expect: dict[str, Any], record: CallRecord) -> list[str]:
    failures = []
    if "ended" in expect and record.ended != str(expect["ended"]):
        failures.append(f"expected the call to end {expect['ended']!r}, it ended {record.ended!r}")
    for key, value in (expect.get("attributes") or {}).items():
        actual = record.attributes.get(key)
        if actual != str(value):
            failures.append(f"expected attribute {key}={value!r}, got {actual!r}")
    for fragment in expect.get("whisper") or []:
        if not any(str(fragment).lower() in w.lower() for w in record.whisper):
            failures.append(f"expected the agent whisper to include {fragment!r}")
    if expect.get("errors") is not None:
        wanted = [str(e) for e in expect["errors"]]
        missing = [w for w in wanted if not any(w in e for e in record.errors)]
        failures += [
            f"expected an error mentioning {w!r}; errors: {record.errors}" for w in missing
        ]
    elif record.errors:
        failures.append(f"unexpected errors: {record.errors}")
    return failures


@dataclass(frozen=True)
class Seed:
    """A scenario's ``given:`` data, stored at the start of its call."""

    given: dict[str, Any]
    now: datetime

    def key(self) -> str:
        """Names the seeded tables: a warm AWS keeps one snapshot per key."""
        return json.dumps([self.given, self.now.isoformat()], sort_keys=True, default=str)

    def __call__(self) -> None:
        load_given(self.given, now=self.now)
        seed_callbacks(self.given.get("callbacks"))


#: The AWS a call runs in: a context with the tables ready and ``seed`` stored in them.
Environment = Callable[[Seed], AbstractContextManager[None]]


@contextmanager
def fresh_aws(seed: Seed | None = None) -> Iterator[None]:
    """In-memory AWS with the template's tables and secrets (and ``seed``), for one scenario."""
    apply_environment(None)
    with in_memory_aws():
        if seed is not None:
            seed()
        yield


@contextmanager
def callback_policy_of(call: dict[str, Any]) -> Iterator[None]:
    """``call.callback_hours`` (the default queue's ``hours``, ``holidays``, ``timezone``) and
    ``call.callback_policy`` (a whole CALLBACK_POLICY, as YAML) hold for this call only."""
    hours, policy = call.get("callback_hours"), call.get("callback_policy")
    if hours is None and policy is None:
        yield
        return
    if not isinstance(hours or {}, dict) or not isinstance(policy or {}, dict):
        raise ScenarioError("call.callback_hours and call.callback_policy are mappings")
    spec = dict(policy or {})
    if hours is not None:
        queues = dict(spec.get("queues") or {})
        queues["default"] = {**queues.get("default", {}), **hours}
        spec["queues"] = queues
    from ivr import wiring
    from ivr.callbacks.scheduling import PolicyError
    from ivr.core import settings

    previous = os.environ.get("CALLBACK_POLICY")
    os.environ["CALLBACK_POLICY"] = json.dumps(spec, default=str)
    settings.settings.cache_clear()
    try:
        try:
            wiring.callback_policy()
        except PolicyError as wrong:
            raise ScenarioError(f"call.callback_hours / callback_policy: {wrong}") from wrong
        yield
    finally:
        if previous is None:
            os.environ.pop("CALLBACK_POLICY", None)
        else:
            os.environ["CALLBACK_POLICY"] = previous
        settings.settings.cache_clear()


@contextmanager
def processor_of(call: dict[str, Any]) -> Iterator[None]:
    """``call.processor``: how the sandbox processor answers during this call only -
    ``unanswered: N`` loses the answers of the next N charge requests (the charge is made, the
    step hears a timeout), the way a processor that stops answering mid-charge behaves."""
    spec = call.get("processor")
    if spec is None:
        yield
        return
    unanswered = spec.get("unanswered", 0) if isinstance(spec, dict) else None
    if not isinstance(unanswered, int) or isinstance(unanswered, bool) or unanswered < 0:
        raise ScenarioError("call.processor is a mapping: {unanswered: <charges, 0 or more>}")
    from ivr import wiring

    sandbox = wiring.sandbox_processor()
    sandbox.unanswered = unanswered
    try:
        yield
    finally:
        sandbox.unanswered = 0


def run_scenario(
    scenario: dict[str, Any], environment: Environment | None = None
) -> ScenarioResult:
    """Run a loaded scenario in fresh tables and check its expectations. ``environment`` gives
    the AWS it runs in (default: a new in-memory AWS; a batch worker restores a snapshot)."""
    setup = _setup(scenario["call"])
    try:
        setup.services = LocalServices.from_given(scenario.get("given") or {})
    except ValueError as bad:
        raise ScenarioError(str(bad)) from None
    caller = ScriptedCaller.from_steps(list(scenario.get("steps") or []))
    caller.phone = setup.caller_number
    with (
        (environment or fresh_aws)(Seed(scenario.get("given") or {}, setup.start)),
        callback_policy_of(scenario["call"]),
        processor_of(scenario["call"]),
    ):
        from ivr import wiring

        record = place_call(setup, caller)
        outbox = [
            {"channel": m["channel"], "to": m["to"], "text": m["text"]}
            for m in wiring.local_outbox().messages()
        ]
        payment_failures = check_payment_expectations(
            scenario.get("expect") or {}, outbox, setup.caller_number
        )
        payment_failures += check_callback_expectations(scenario.get("expect") or {})
        state = stored_state()
    caller.finish()
    failures = caller.failures + check_expectations(scenario.get("expect") or {}, record)
    failures += payment_failures
    return ScenarioResult(str(scenario["name"]), record, failures, outbox, state)


def run_file(path: Path, environment: Environment | None = None) -> ScenarioResult:
    return run_scenario(load(path), environment)

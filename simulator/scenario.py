"""Scripted calls: a YAML scenario (given / call / steps / expect) run against fresh local tables.

The format is a public contract, documented in the README. Each scenario gets its own in-memory
AWS (moto), its own tables built from template.yaml and its `given:` data; the call runs through
the real flows and the real handlers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from simulator.call import CallSetup, place_call, record_as_json
from simulator.callbacks import check_callback_expectations, seed_callbacks
from simulator.flows import CallRecord
from simulator.flows.services import LocalServices
from simulator.local_aws import apply_environment, in_memory_aws
from simulator.payment_expect import check_payment_expectations
from simulator.people import ScriptedCaller
from simulator.runtime import QueueState
from simulator.seed import load_given

_TOP_LEVEL = {"name", "description", "given", "call", "steps", "expect"}
_VOICE = {
    "authenticated": "Authenticated",
    "not_authenticated": "NotAuthenticated",
    "inconclusive": "Inconclusive",
    "not_enrolled": "NotEnrolled",
    "opted_out": "OptedOut",
    "error": "Error",
    "not_enough_speech": "NotEnoughSpeech",
}


class ScenarioError(ValueError):
    """The scenario file itself is wrong (not the call it describes)."""


@dataclass
class ScenarioResult:
    name: str
    record: CallRecord
    failures: list[str] = field(default_factory=list)
    outbox: list[dict[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_json(self) -> dict[str, Any]:
        return {"scenario": self.name, "passed": self.passed, "failures": self.failures} | (
            record_as_json(self.record, self.outbox)
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


@contextmanager
def fresh_aws() -> Iterator[None]:
    """In-memory AWS with the template's tables and secrets, for one scenario."""
    apply_environment(None)
    with in_memory_aws():
        yield


def run_scenario(scenario: dict[str, Any]) -> ScenarioResult:
    """Run a loaded scenario in fresh tables and check its expectations."""
    setup = _setup(scenario["call"])
    try:
        setup.services = LocalServices.from_given(scenario.get("given") or {})
    except ValueError as bad:
        raise ScenarioError(str(bad)) from None
    caller = ScriptedCaller.from_steps(list(scenario.get("steps") or []))
    caller.phone = setup.caller_number
    with fresh_aws():
        from ivr import wiring

        load_given(scenario.get("given") or {}, now=setup.start)
        seed_callbacks((scenario.get("given") or {}).get("callbacks"))
        record = place_call(setup, caller)
        outbox = [
            {"channel": m["channel"], "to": m["to"], "text": m["text"]}
            for m in wiring.local_outbox().messages()
        ]
        payment_failures = check_payment_expectations(
            scenario.get("expect") or {}, outbox, setup.caller_number
        )
        payment_failures += check_callback_expectations(scenario.get("expect") or {})
    caller.finish()
    failures = caller.failures + check_expectations(scenario.get("expect") or {}, record)
    failures += payment_failures
    return ScenarioResult(str(scenario["name"]), record, failures, outbox)


def run_file(path: Path) -> ScenarioResult:
    return run_scenario(load(path))

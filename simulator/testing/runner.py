"""`ivr call --scenario TESTCASE.json [--start REQUEST.json]`: a Connect test case, run locally.

``--start`` holds the other CreateTestCase request fields: ``EntryPoint`` (a VOICE_CALL from
``SourcePhoneNumber`` to ``DestinationPhoneNumber`` — the main number answers with the inbound
flow — or straight into ``FlowId``) and ``InitializationData`` (a JSON string
``{"Attributes": {...}}``). Without ``--given`` the tables hold the sample data ``make run``
loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.call import (
    ENTRY_FLOW,
    MAIN_NUMBER,
    current_flows,
    place_call,
    record_as_json,
)
from simulator.flows import CallRecord
from simulator.scenario import Environment
from simulator.testing.engine import TestCaseRun
from simulator.testing.language import parse_test_case
from simulator.testing.resources import DEFAULT_INSTANCE, ResourceMap

#: The virtual time a test case's call starts at: a weekday morning, inside opening hours.
DEFAULT_START = "2026-12-01T09:30:00-05:00"
#: The caller when the request names none: the first sample customer.
DEFAULT_CALLER = "+13125550142"


class TestCaseError(ValueError):
    """The test case or its start request cannot be run (not the call it describes)."""

    __test__ = False  # not a pytest test class, whatever its name


@dataclass
class StartRequest:
    caller_number: str | None = DEFAULT_CALLER
    destination: str = MAIN_NUMBER
    flow_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    name: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StartRequest:
        entry = data.get("EntryPoint") or {}
        if entry and entry.get("Type", "VOICE_CALL") != "VOICE_CALL":
            raise TestCaseError(f"EntryPoint Type {entry.get('Type')!r}: only VOICE_CALL runs")
        voice = entry.get("VoiceCallEntryPointParameters") or {}
        raw = data.get("InitializationData") or "{}"
        try:
            initial = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError as exc:
            raise TestCaseError(f"InitializationData is not JSON: {exc}") from exc
        attributes = (initial or {}).get("Attributes") or {}
        return cls(
            caller_number=voice.get("SourcePhoneNumber", DEFAULT_CALLER),
            destination=str(voice.get("DestinationPhoneNumber") or MAIN_NUMBER),
            flow_id=voice.get("FlowId") or None,
            attributes={str(k): str(v) for k, v in attributes.items()},
            name=str(data.get("Name") or ""),
        )


@dataclass
class TestCaseResult:
    __test__ = False  # not a pytest test class, whatever its name

    name: str
    record: CallRecord
    observations: list[dict[str, Any]]
    log: list[dict[str, Any]]
    failures: list[str]
    outbox: list[dict[str, str]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_json(self) -> dict[str, Any]:
        return (
            {
                "scenario": self.name,
                "kind": "connect-test-case",
                "passed": self.passed,
                "failures": self.failures,
                "observations": self.observations,
                "test_log": self.log,
            }
            | record_as_json(self.record, self.outbox)
            | self.state
        )


def _entry_flow(start: StartRequest, resources: ResourceMap) -> str:
    library = current_flows()
    if start.flow_id:
        name = library.resolve(resources.local(start.flow_id)) or library.resolve(start.flow_id)
        if name is None:
            raise TestCaseError(f"EntryPoint FlowId {start.flow_id!r} is no flow of this project")
        return name
    from ivr.core.phone import normalise_e164

    if normalise_e164(start.destination, "US") != MAIN_NUMBER:
        raise TestCaseError(
            f"DestinationPhoneNumber {start.destination} is not the main number {MAIN_NUMBER}; "
            "name a FlowId to start elsewhere"
        )
    return ENTRY_FLOW


def load_start(path: Path | None) -> StartRequest:
    if path is None:
        return StartRequest()
    try:
        return StartRequest.from_json(json.loads(path.read_text()))
    except ValueError as exc:
        raise TestCaseError(f"{path}: {exc}") from exc


def run_test_case(
    document: dict[str, Any],
    start: StartRequest,
    *,
    name: str,
    given: dict[str, Any] | None = None,
    instance: str = DEFAULT_INSTANCE,
    environment: Environment | None = None,
    local: dict[str, Any] | None = None,
) -> TestCaseResult:
    """Run one test case in fresh tables (or ``environment``'s) and check its observations.
    ``local`` is what an exported twin carries beside it (NAME.local.yaml): the ``given`` data
    and the scenario's ``call`` settings (time, voice, queue, faults)."""
    from simulator.scenario import ScenarioError, Seed, _setup, callback_policy_of, fresh_aws
    from simulator.seed import sample_data
    from simulator.testing.state import stored_state

    local = local or {}
    case = parse_test_case(document)
    resources = ResourceMap.load(instance)
    call = dict(local.get("call") or {})
    call.setdefault("at", DEFAULT_START)
    call["from"] = None if call.pop("withheld", False) else start.caller_number
    try:
        setup = _setup(call)
    except ScenarioError as error:
        raise TestCaseError(str(error)) from error
    setup.entry_flow = _entry_flow(start, resources)
    setup.attributes = start.attributes
    if given is None:
        given = local["given"] if "given" in local else sample_data()
    test = TestCaseRun(case, resources)
    with (environment or fresh_aws)(Seed(given, setup.start)), callback_policy_of(call):
        from ivr import wiring

        test.start()
        record = place_call(
            setup,
            test,
            listener=test.listener,
            observer=test.observer,
            runtime_wrapper=test.runtime,
        )
        failures = test.finish()
        outbox = [
            {"channel": m["channel"], "to": m["to"], "text": m["text"]}
            for m in wiring.local_outbox().messages()
        ]
        state = stored_state()
    return TestCaseResult(
        name or start.name,
        record,
        [s.as_json() for s in test.states],
        test.log,
        failures,
        outbox,
        state,
    )


def run_test_case_file(
    path: Path,
    start_path: Path | None = None,
    *,
    given: dict[str, Any] | None = None,
    instance: str = DEFAULT_INSTANCE,
    environment: Environment | None = None,
) -> TestCaseResult:
    import yaml

    document = json.loads(path.read_text())
    start = load_start(start_path or _beside(path, ".request.json"))
    local_path = _beside(path, ".local.yaml")
    local = yaml.safe_load(local_path.read_text()) if local_path else None
    return run_test_case(
        document,
        start,
        name=start.name or path.stem,
        given=given,
        instance=instance,
        environment=environment,
        local=local,
    )


def _beside(path: Path, suffix: str) -> Path | None:
    """`ivr tests export` writes NAME.json, NAME.request.json and NAME.local.yaml together."""
    found = path.with_name(f"{path.stem}{suffix}")
    return found if found.exists() else None

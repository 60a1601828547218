"""`ivr tests export SCENARIO... --out DIR`: our YAML scenarios as Amazon Connect test cases.

Each scenario becomes ``NAME.json`` (the test case: CreateTestCase's ``Content``),
``NAME.request.json`` (the other CreateTestCase fields: Name, Description, EntryPoint,
InitializationData) and ``NAME.local.yaml`` (what Connect cannot carry but the local runner needs
to give the twin the same call: the ``given`` data and the call's time, voice, queue and faults).

The steps become one chain of observations: TestInitiated, then a MessageReceived (Inclusion)
per ``expect_prompt``, each carrying the inputs (``say``/``press``/``hangup``) that follow it as
SendInstruction actions; ``wait`` is the absence of an instruction. ``expect.attributes`` become
Asserts on TestCompleted and an ``ended: queue:...`` a FlowActionStarted TransferContactToQueue.
What the language cannot say (portal steps, ``hold``, ``press: otp``, a ``wait`` right before
an input) makes the scenario not exportable, with the reason; expectations it cannot check
(outbox, whisper, transactions, callbacks, errors, how a call ended otherwise) are listed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.call import MAIN_NUMBER
from simulator.scenario import load
from simulator.testing.batch import SCENARIO_SUFFIXES

VERSION = "2019-10-30"  # what live test cases send (the API reference shows 2025-06-21)
_LOCAL_CALL_KEYS = (
    "at",
    "voice",
    "queue",
    "faults",
    "open_hours",
    "callback_hours",
    "callback_policy",
    "processor",
)
_UNCHECKED = ("outbox", "whisper", "transaction", "transactions", "callbacks", "errors")


class NotExportable(ValueError):
    """The scenario uses something Connect's Testing language cannot express."""


@dataclass
class Exported:
    name: str
    content: dict[str, Any]
    request: dict[str, Any]
    local: dict[str, Any]
    unchecked: list[str] = field(default_factory=list)


def _event(identifier: str, kind: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Identifier": identifier,
        "Type": kind,
        "Actor": "System",
        "Properties": properties or {},
    }


def _instruction(identifier: str, step: dict[str, Any]) -> dict[str, Any]:
    if "say" in step:
        instruction = {"Type": "TextUtterance", "Properties": {"Text": str(step["say"])}}
    elif "press" in step:
        instruction = {"Type": "DtmfInput", "Properties": {"Value": str(step["press"])}}
    else:
        instruction = {"Type": "Disconnect", "Properties": {}}
    return {
        "Identifier": identifier,
        "Type": "SendInstruction",
        "Parameters": {
            "ActionType": "SendInstruction",
            "Actor": "Customer",
            "Instruction": instruction,
        },
    }


def _chain_actions(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for current, following in zip(actions, actions[1:], strict=False):
        current["Transitions"] = {"NextAction": following["Identifier"]}
    return actions


def _observations(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    observations: list[dict[str, Any]] = [
        {"Identifier": "start", "Event": _event("start-event", "TestInitiated"), "Actions": []}
    ]
    silent = False  # a `wait` since the last prompt: the next input cannot follow it directly
    for number, step in enumerate(steps, 1):
        if "expect_prompt" in step:
            identifier = f"step-{number}"
            properties = {"Text": str(step["expect_prompt"]), "MatchingCriteria": "Inclusion"}
            observations.append(
                {
                    "Identifier": identifier,
                    "Event": _event(f"{identifier}-event", "MessageReceived", properties),
                    "Actions": [],
                }
            )
            silent = False
        elif "wait" in step:
            silent = True
        elif any(k in step for k in ("say", "press", "hangup")):
            if step.get("press") == "otp":
                raise NotExportable(f"step {number}: press otp (a texted code) has no equivalent")
            if silent:
                raise NotExportable(
                    f"step {number}: an input right after a wait, with no prompt between"
                )
            actions = observations[-1]["Actions"]
            actions.append(_instruction(f"step-{number}-input", step))
        else:
            raise NotExportable(f"step {number}: {sorted(step)} has no equivalent in Connect")
    for current, following in zip(observations, observations[1:], strict=False):
        current["Transitions"] = {"NextObservations": [following["Identifier"]]}
    for observation in observations:
        _chain_actions(observation["Actions"])
    return observations


def _checks(expect: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    observations: list[dict[str, Any]] = []
    unchecked = [key for key in _UNCHECKED if key in expect]
    ended = str(expect.get("ended", ""))
    if ended.startswith("queue:"):
        queue = ended.removeprefix("queue:")
        observations.append(
            {
                "Identifier": "queued",
                "Event": _event(
                    "queued-event",
                    "FlowActionStarted",
                    {"ActionType": "TransferContactToQueue", "ActionParameters": {}},
                ),
                "Actions": [],
            }
        )
        if queue != "BasicQueue":
            unchecked.append("ended (the queue's name)")
    elif ended:
        unchecked.append(f"ended: {ended}")
    asserts = [
        {
            "Identifier": f"assert-{key}",
            "Type": "Assert",
            "Parameters": {
                "Namespace": f"$.Attributes.{key}",
                "Operator": "Equals",
                "Operand": str(value),
            },
        }
        for key, value in (expect.get("attributes") or {}).items()
    ]
    observations.append(
        {
            "Identifier": "completed",
            "Event": _event("completed-event", "TestCompleted"),
            "Actions": _chain_actions(asserts),
        }
    )
    return observations, unchecked


def export_scenario(scenario: dict[str, Any]) -> Exported:
    from ivr.core.phone import normalise_e164

    call = scenario.get("call") or {}
    caller = call.get("from")
    content: dict[str, Any] = {
        "Version": VERSION,
        "Metadata": {},
        "Observations": _observations(list(scenario.get("steps") or [])),
    }
    checks, unchecked = _checks(scenario.get("expect") or {})
    content["Observations"] += checks
    voice: dict[str, Any] = {"DestinationPhoneNumber": MAIN_NUMBER}
    if caller:
        voice["SourcePhoneNumber"] = normalise_e164(str(caller), "US")
    name = str(scenario["name"])
    request = {
        "Name": name[:127],
        "Description": str(scenario.get("description") or name)[:250],
        "EntryPoint": {"Type": "VOICE_CALL", "VoiceCallEntryPointParameters": voice},
        "InitializationData": json.dumps({"Attributes": {}}),
    }
    local = {
        "given": scenario.get("given") or {},
        "call": {k: call[k] for k in _LOCAL_CALL_KEYS if k in call},
    }
    if not caller:
        local["call"]["withheld"] = True
    return Exported(name, content, request, local, unchecked)


def write(exported: Exported, out: Path, stem: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.json", out / f"{stem}.request.json", out / f"{stem}.local.yaml"]
    paths[0].write_text(json.dumps(exported.content, indent=2) + "\n")
    paths[1].write_text(json.dumps(exported.request, indent=2) + "\n")
    paths[2].write_text(yaml.safe_dump(exported.local, sort_keys=False))
    return paths


def export_command(paths: list[Path], out: Path) -> int:
    files: list[Path] = []
    for path in paths:
        files += (
            sorted(p for p in path.iterdir() if p.suffix in SCENARIO_SUFFIXES)
            if path.is_dir()
            else [path]
        )
    skipped = 0
    for path in files:
        try:
            exported = export_scenario(load(path))
        except NotExportable as reason:
            skipped += 1
            print(f"skipped {path}: {reason}", file=sys.stderr)
            continue
        write(exported, out, path.stem)
        note = (
            f" (not checked in Connect: {', '.join(exported.unchecked)})"
            if exported.unchecked
            else ""
        )
        print(f"exported {path} -> {out / path.stem}.json{note}")
    print(f"{len(files) - skipped} exported, {skipped} skipped, in {out}")
    return 0

"""Any exported flow from the command line: `ivr call --flow`, `ivr flows lint|actions`.

A flow exported from another instance names Lambda functions, bots, queues and flows that are not
in this project. `ivr call --flow PATH` runs it without AWS: a Lambda is answered from the stubs
file (``{"<function ARN or name>": {answer map}}``) or takes the block's error branch; a Lex bot
alias is answered from the stubs file (``{"<alias ARN>": {"IntentName": ..., "Slots": {...}}}``),
mapped to a bot in lex_bots/ (``{"<alias ARN>": "IvrBot"}``) or takes the error branch. Every
stubbed or unknown resource is named in the record (``stand_ins``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml

from simulator.call import record_as_json
from simulator.flow_check import lint_repository
from simulator.flows import CallRecord, Contact, FlowLibrary, VirtualClock, lint_paths
from simulator.flows.handlers import EXPORT_NAMES, GROUPS, LOCAL_BEHAVIOUR
from simulator.flows.interpreter import Run
from simulator.flows.model import FlowFormatError, load_flow
from simulator.flows.services import LocalServices
from simulator.lex import LexEmulator
from simulator.paths import LEX_BOTS
from simulator.ports import (
    CallerInput,
    Digits,
    Hangup,
    InputRequest,
    LambdaInvocationError,
    LexTurn,
    Silence,
    Speech,
)
from simulator.runtime import QueueState

_FUNCTION_ARN = re.compile(r"^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:(?P<name>[\w-]+)")
_PLACEHOLDER = re.compile(r"^\$\{(?P<name>[A-Za-z0-9]+?)(?:\.Arn)?\}$")
#: Deploy-time placeholders public sample projects fill in: {{RulesEngineFunctionArn}}.
_MUSTACHE = re.compile(r"^\{\{\s*(?P<name>[\w.-]+)\s*\}\}$")
#: The number a --flow call comes from and the one it dials (valid fictional numbers).
CALLER_NUMBER = "+13125550142"
SYSTEM_NUMBER = "+13125550199"
#: A --flow caller with nothing scripted stays silent this many times, then hangs up.
SILENT_TURNS = 12
#: The preset queue of a queue-transfer flow and the agent of an agent-transfer flow when the
#: command line names none (a quick connect presets them in Connect).
TRANSFER_QUEUE = "TransferQueue"
TRANSFER_AGENT = "TransferAgent"


class StubsError(ValueError):
    """The stubs file is not a JSON object of answers."""


def load_stubs(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        stubs = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as unreadable:
        raise StubsError(f"cannot read stubs file {path}: {unreadable}") from None
    if not isinstance(stubs, dict):
        raise StubsError(f"{path}: stubs are an object {{ARN or name: answer}}")
    return stubs


def _short_names(reference: str) -> list[str]:
    names = [reference]
    for pattern in (_FUNCTION_ARN, _PLACEHOLDER, _MUSTACHE):
        match = pattern.match(reference)
        if match:
            names.append(match.group("name"))
    return names


def _stub(stubs: Mapping[str, Any], reference: str) -> Any:
    for name in _short_names(reference):
        if name in stubs:
            return stubs[name]
    return None


@dataclass
class StubRuntime:
    """``ContactRuntime`` for flows from elsewhere: stubbed Lambdas, a simple queue, open hours."""

    stubs: Mapping[str, Any]
    queue: QueueState = field(default_factory=QueueState)
    max_contacts: int | None = None
    open_hours: bool = True
    named: list[str] = field(default_factory=list)  # the run's record.stand_ins

    def _name(self, what: str) -> None:
        if what not in self.named:
            self.named.append(what)

    def invoke_lambda(
        self, function_ref: str, event: dict[str, Any], timeout_seconds: float
    ) -> dict[str, Any]:
        answer = _stub(self.stubs, function_ref)
        if isinstance(answer, dict):
            self._name(f"stubbed Lambda {function_ref}")
            return dict(answer)
        if answer == "error":
            self._name(f"stubbed Lambda {function_ref} (fails)")
            raise LambdaInvocationError("fails, as its stub says")
        self._name(f"unknown Lambda {function_ref} (no stub: takes its error branch)")
        raise LambdaInvocationError("is not in this project and has no stub")

    def queue_metric(self, queue_ref: str | None, metric: str) -> float:
        metrics = {
            "NumberOfAgentsAvailable": self.queue.agents_available,
            "NumberOfAgentsStaffed": self.queue.agents_available,
            "NumberOfAgentsOnline": self.queue.agents_available,
            "OldestContactInQueueAgeSeconds": self.queue.wait_seconds,
            "NumberOfContactsInQueue": self.queue.contacts_in_queue,
        }
        if metric == "MaxContactsInQueue" and self.max_contacts is not None:
            return float(self.max_contacts)
        if metric not in metrics:
            raise LambdaInvocationError(f"unknown queue metric {metric!r}")
        return float(metrics[metric])

    def hours_open(self, hours_ref: str | None) -> bool:
        return self.open_hours

    def voice_id(self, option: str, customer_id: str | None) -> str:
        self._name("Voice ID (ended 20 May 2026; a local stand-in answers NotEnrolled)")
        return "NotEnrolled" if option == "enrollmentStatus" else "Error"


@dataclass
class StubbedLex:
    """``LexBot`` for flows from elsewhere: stubbed intents, or a bot of ours mapped by alias."""

    stubs: Mapping[str, Any]
    clock: VirtualClock
    named: list[str] = field(default_factory=list)

    def knows(self, bot_alias_arn: str) -> bool:
        return isinstance(_stub(self.stubs, bot_alias_arn), dict | str)

    def recognize_text(
        self,
        bot_alias_arn: str,
        session_id: str,
        text: str,
        session_attributes: dict[str, str],
        input_mode: Literal["Speech", "DTMF", "Text"] = "Speech",
    ) -> LexTurn:
        answer = _stub(self.stubs, bot_alias_arn)
        if isinstance(answer, str):  # mapped to a bot in lex_bots/, without its code hook
            self._name(f"Lex bot {bot_alias_arn} answered by {answer} from lex_bots/")
            bot = LexEmulator(LEX_BOTS, self.clock.now, aliases={bot_alias_arn: answer})
            return bot.recognize_text(bot_alias_arn, session_id, text, session_attributes)
        if not isinstance(answer, dict):
            raise LookupError(f"no stub for the Lex bot {bot_alias_arn}")
        self._name(f"stubbed Lex bot {bot_alias_arn}")
        slots = answer.get("Slots") or {}
        return LexTurn(
            messages=[str(m) for m in answer.get("Messages") or []],
            dialog_action="Close",
            intent_name=str(answer.get("IntentName") or "") or None,
            intent_state="Fulfilled",
            slots={str(k): None if v is None else str(v) for k, v in slots.items()},
            session_attributes={**session_attributes, **answer.get("SessionAttributes", {})},
            intent_confidence=answer.get("IntentConfidence"),
        )

    def _name(self, what: str) -> None:
        if what not in self.named:
            self.named.append(what)


@dataclass
class CommandLineCaller:
    """Answers with the --input items in order ("#123" keys, words speech, "" silence), then
    stays silent a few times and hangs up."""

    inputs: list[str]
    heard: list[str] = field(default_factory=list)
    silent_turns: int = SILENT_TURNS

    def hear(self, text: str) -> None:
        self.heard.append(text)

    def next_input(self, request: InputRequest) -> CallerInput:
        if self.inputs:
            said = self.inputs.pop(0)
            if said.startswith("#"):
                return Digits(said[1:])
            return Speech(said) if said else Silence(request.timeout_seconds)
        self.silent_turns -= 1
        return Silence(request.timeout_seconds) if self.silent_turns >= 0 else Hangup()


def _export_references(path: Path) -> list[str]:
    """The ARN, id and name an export wrapper gives the flow, which other flows may use."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    wrapper = (
        (data.get("ContactFlow") or data.get("ContactFlowModule"))
        if isinstance(data, dict)
        else None
    )
    if not isinstance(wrapper, dict):
        return []
    return [str(wrapper[key]) for key in ("Arn", "Id", "Name") if wrapper.get(key)]


def library_for(entry: Path, directory: Path | None) -> FlowLibrary:
    """The entry flow and every flow in ``directory``, each reachable by its file name and by
    the ARN, id and name its export wrapper gives it."""
    paths = [entry, *(sorted(directory.glob("*.json")) if directory else [])]
    library = FlowLibrary()
    for path in dict.fromkeys(p.resolve() for p in paths):
        try:
            flow = load_flow(path)
        except (FlowFormatError, ValueError) as bad:
            if path == entry.resolve():
                raise
            print(f"skipped {path}: {bad}", file=sys.stderr)
            continue
        library.add(flow)
        for reference in _export_references(path):
            library.aliases[reference] = flow.name
    return library


@dataclass
class FlowCall:
    """What `ivr call --flow` was asked to run."""

    flow: Path
    flows_dir: Path | None = None
    stubs: Mapping[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    channel: str = "VOICE"
    queue: str | None = None
    agent: str | None = None
    given: Mapping[str, Any] = field(default_factory=dict)
    start: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 15, 30, tzinfo=UTC))


def run_flow_call(request: FlowCall) -> CallRecord:
    """Run one contact through an exported flow with stubs; never raises for what the flow does."""
    library = library_for(request.flow, request.flows_dir)
    entry = library.get(load_flow(request.flow).name)
    clock = VirtualClock(request.start)
    runtime = StubRuntime(request.stubs)
    lex = StubbedLex(request.stubs, clock)
    contact = Contact(customer_address=CALLER_NUMBER, system_address=SYSTEM_NUMBER)
    contact.channel = request.channel
    contact.target_queue = request.queue
    contact.target_agent = request.agent
    if entry.flow_type == "QUEUE_TRANSFER" and contact.target_queue is None:
        contact.target_queue = TRANSFER_QUEUE
    if entry.flow_type == "AGENT_TRANSFER" and contact.target_agent is None:
        contact.target_agent = contact.target_queue = TRANSFER_AGENT
    caller = CommandLineCaller(list(request.inputs))
    services = LocalServices.from_given(request.given)
    run = Run(library, contact, caller, runtime, lex, clock, services=services)
    runtime.named = lex.named = run.record.stand_ins
    if entry.flow_type in {"CUSTOMER_QUEUE", "CUSTOMER_HOLD"}:
        run.queue_deadline = clock.now() + timedelta(seconds=runtime.queue.wait_seconds)
    return run.run(entry.name)


# --- commands -------------------------------------------------------------------------------------


def flow_call(args: argparse.Namespace) -> FlowCall:
    given = yaml.safe_load(args.given.read_text(encoding="utf-8")) if args.given else {}
    return FlowCall(
        flow=args.flow,
        flows_dir=args.flows,
        stubs=load_stubs(args.stubs),
        inputs=list(args.input),
        channel=args.channel,
        queue=args.queue,
        agent=args.agent,
        given=given or {},
    )


def actions_command() -> int:
    """`ivr flows actions`: every action type the local contact center runs, by group."""
    for group, handlers in GROUPS.items():
        print(f"{group}:")
        for name in handlers:
            print(f"  {name:<44} {LOCAL_BEHAVIOUR[name]}")
    aliases = ", ".join(f"{alias} = {name}" for alias, name in EXPORT_NAMES.items())
    print(f"also exported as: {aliases}")
    return 0


def lint_command(paths: Iterable[Path]) -> int:
    """`ivr flows lint [PATH ...]`: the repository's flows against template.yaml and lex_bots/,
    or any flow files and directories (their references are not checked)."""
    paths = list(paths)
    if paths:
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            print(f"no such file or directory: {', '.join(missing)}", file=sys.stderr)
            return 2
        problems = lint_paths(paths, check_flows=False)
        where = ", ".join(str(p) for p in paths)
    else:
        problems = lint_repository()
        where = "contact_flows/"
    for problem in problems:
        print(problem)
    errors = sum(problem.is_error for problem in problems)
    print(f"{errors} error(s), {len(problems) - errors} warning(s) in {where}")
    return 1 if errors else 0


def call_command(request: FlowCall, *, as_json: bool) -> int:
    """`ivr call --flow PATH`: run the flow, print what happened; exit 1 if the run broke."""
    try:
        record = run_flow_call(request)
    except (FlowFormatError, KeyError, ValueError, OSError) as bad:
        print(f"{request.flow}: {bad}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(record_as_json(record)))
    else:
        print(record.transcript)
        print(f"-- call ended: {record.ended}")
        for what in record.stand_ins:
            print(f"-- stand-in: {what}")
        for problem in record.errors:
            print(f"-- error: {problem}")
    return 1 if record.ended == "error" else 0

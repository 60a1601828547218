"""One call through the local contact center: the inbound flow, the real handlers, Lex, a clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from simulator.flow_check import flow_reference_name
from simulator.flows import CallRecord, Contact, Event, FlowLibrary, VirtualClock, run_contact
from simulator.flows.interpreter import ActionObserver, CallListener
from simulator.flows.services import LocalServices
from simulator.lex import LexEmulator
from simulator.paths import CONTACT_FLOWS, LEX_BOTS
from simulator.ports import Caller, ContactRuntime
from simulator.runtime import LocalRuntime, QueueState
from simulator.transcript import ActivityRecorder
from simulator.voice import script_voice

#: The flow a call to the main number starts in.
ENTRY_FLOW = "inbound"
#: The Lambda the bot alias names as its code hook (template.yaml).
LEX_CODE_HOOK = "LexFulfilFunction"
#: The number callers dial: a valid fictional Chicago number.
MAIN_NUMBER = "+13125550199"


def flow_library(directory: Path = CONTACT_FLOWS) -> FlowLibrary:
    """The flows in contact_flows/; a reference ``${<Name>Flow.Arn}`` names ``<name>.json``."""
    library = FlowLibrary.from_directory(directory)
    for name in library.names():
        library.aliases[f"${{{flow_reference_name(name)}.Arn}}"] = name
    return library


@cache
def _library_as_of(directory: Path, stamp: tuple[tuple[str, float], ...]) -> FlowLibrary:
    return flow_library(directory)


def current_flows(directory: Path = CONTACT_FLOWS) -> FlowLibrary:
    """flow_library(), parsed again only when a flow file changed (a batch runs many calls)."""
    return _library_as_of(directory, _stamp(directory))


def _stamp(directory: Path) -> tuple[tuple[str, float], ...]:
    return tuple((path.name, path.stat().st_mtime) for path in sorted(directory.glob("*.json")))


@cache
def _bots_as_of(directory: Path, stamp: tuple[tuple[str, float], ...]) -> LexEmulator:
    return LexEmulator(directory, _no_clock)


def _no_clock() -> datetime:
    raise AssertionError("a parsed bot set answers no turn itself: lex_emulator() gives fresh ones")


def lex_emulator(
    clock: Callable[[], datetime],
    code_hook: Callable[[dict[str, Any]], dict[str, Any]],
    directory: Path = LEX_BOTS,
) -> LexEmulator:
    """A Lex emulator with no session yet, over lex_bots/ as parsed once (again only when a bot
    file changed): the bots and their recognisers hold no per-call state, sessions do."""
    return _bots_as_of(directory, _stamp(directory)).fresh(clock, code_hook)


@dataclass
class CallSetup:
    caller_number: str | None
    start: datetime
    queue: QueueState = field(default_factory=QueueState)
    #: The simulated voice outcome (simulator.voice.VOICE_OUTCOMES; CamelCase accepted too).
    voice: str = "authenticated"
    open_hours: bool = True
    entry_flow: str = ENTRY_FLOW
    faults: dict[str, str] = field(default_factory=dict)
    #: How long the agent holds the customer once connected (the CustomerHold flow's time).
    agent_hold_seconds: float = 0.0
    #: The stand-ins' data (given.profiles, cases, views, third_party, outbound).
    services: LocalServices = field(default_factory=LocalServices)
    #: An outbound call (a dialled callback): the dialer's contact id and the attributes it set.
    initiation_method: str = "INBOUND"
    contact_id: str | None = None
    #: Contact attributes the call starts with (a Connect test case's InitializationData).
    attributes: dict[str, str] = field(default_factory=dict)


def place_call(
    setup: CallSetup,
    caller: Caller,
    library: FlowLibrary | None = None,
    listener: CallListener | None = None,
    clock: VirtualClock | None = None,
    observer: ActionObserver | None = None,
    runtime_wrapper: Callable[[LocalRuntime, VirtualClock], ContactRuntime] | None = None,
) -> CallRecord:
    """Run one inbound call from start to end; the handlers talk to whatever AWS is configured.

    Each event also goes to the activity log (the agent's timeline, simulator/transcript.py) and
    to ``listener`` (the web phone and the agent dashboard follow the call through it).
    ``observer`` sees each block start and ``runtime_wrapper`` wraps the contact center's
    services (a Connect test case observes blocks and overrides Lambdas and hours with them);
    ``clock`` is the call's own (default: a virtual clock from ``setup.start``)."""
    clock = clock or VirtualClock(setup.start)
    runtime = LocalRuntime(
        queue=setup.queue,
        open_hours=setup.open_hours,
        voice_result=setup.voice,
        faults=setup.faults,
    )
    lex = lex_emulator(clock.now, runtime.code_hook(LEX_CODE_HOOK))
    contact = Contact(
        customer_address=setup.caller_number,
        system_address=MAIN_NUMBER,
        contact_id=setup.contact_id or str(uuid.uuid4()),
        initiation_method=setup.initiation_method,
        attributes=dict(setup.attributes),
    )
    contact.hold_seconds = setup.agent_hold_seconds

    from ivr.core import clock as handler_clock  # the handlers see the call's virtual time

    runtime.contact_id = contact.contact_id
    script_voice(contact.contact_id, setup.voice)  # what the simulated voice provider answers
    recorder = ActivityRecorder()

    def tell(event: Event, contact: Contact) -> None:
        recorder(event, contact)
        if listener is not None:
            listener(event, contact)

    with handler_clock.installed_here(clock.now):
        return run_contact(
            library or current_flows(),
            setup.entry_flow,
            contact,
            caller,
            runtime if runtime_wrapper is None else runtime_wrapper(runtime, clock),
            lex,
            clock,
            listener=tell,
            services=setup.services,
            observer=observer,
        )


def record_as_json(
    record: CallRecord, outbox: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The call's record as `ivr call --json` prints it (a public contract: keys are only added)."""
    return {
        "ended": record.ended,
        "prompts": record.prompts,
        "inputs": record.inputs,
        "attributes": record.attributes,
        "blocks": record.blocks,
        "invocations": record.invocations,
        "outbox": outbox or [],
        "errors": record.errors,
        "whisper": record.whisper,
        "events": record.events,
        "stand_ins": record.stand_ins,
    }

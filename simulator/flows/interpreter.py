"""Runs a contact through Amazon Connect flows, block by block, and records what happened.

Each action Type has a handler (simulator/flows/handlers.py) that does the block's work and answers
an Outcome; this module follows the Outcome to the next action: NextAction, the first Condition
that holds, or the Errors branch (falling back to NoMatchingError). Flow transfers replace the
running flow; flow modules run on a stack and return to the invoking block's NextAction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from simulator.flows.clock import VirtualClock
from simulator.flows.conditions import UnknownOperatorError, first_match
from simulator.flows.contact import CallRecord, Contact, Event
from simulator.flows.handlers import HANDLERS
from simulator.flows.model import Action, Flow, FlowLibrary
from simulator.flows.outcome import AgentAnswered, CallEnded, FlowStop, Outcome, error
from simulator.flows.services import LocalServices
from simulator.ports import (
    Caller,
    ContactRuntime,
    Digits,
    Hangup,
    InputRequest,
    LexBot,
    Silence,
    Speech,
)

DEFAULT_STEP_BUDGET = 2000
MASK = "•"
#: Event hooks whose flow plays to the customer rather than the agent.
CUSTOMER_HOOKS = frozenset({"CustomerQueue", "CustomerHold"})


@dataclass
class Frame:
    """One running flow. A module's frame remembers the InvokeFlowModule block to return to."""

    flow: Flow
    return_to: Action | None = None
    loop_counts: dict[str, int] = field(default_factory=dict)  # Loop blocks, per Identifier
    flow_attributes: dict[str, str] = field(default_factory=dict)  # $.FlowAttributes


class CallListener(Protocol):
    """Told of every event as it happens, with the contact as it is at that moment (the local
    contact center streams calls to its pages and writes the agent's activity log from this)."""

    def __call__(self, event: Event, contact: Contact) -> None: ...


#: Told "flow action started" before each block runs, with the flow's name (a test runner's
#: observation point; it may also change the contact before the block reads it).
BlockStarted = Callable[[str, Action, Contact], None]


class ActionObserver(Protocol):
    """Told as each block starts, before it runs (the Connect test runner's FlowActionStarted);
    an Outcome answered instead of None is the block's outcome and the block does not run (a
    test's override of a queue or a bot)."""

    def __call__(self, run: Run, action: Action) -> Outcome | None: ...


class _NobodyOnTheLine:
    """The listener of a disconnect flow: the caller has gone, so nothing is heard or pressed."""

    def hear(self, text: str) -> None:
        """Nobody hears it."""

    def next_input(self, request: InputRequest) -> Hangup:
        return Hangup()


class _NoVoiceLine:
    """A chat or task contact waiting in a queue: the customer-queue flow's prompts and key
    requests reach nobody, so each request simply times out."""

    def hear(self, text: str) -> None:
        """Not played: the contact has no voice line."""

    def next_input(self, request: InputRequest) -> Silence:
        return Silence(request.timeout_seconds)


class _AgentSide:
    """The listener of a whisper flow: the agent hears it, and says nothing back."""

    def hear(self, text: str) -> None:
        """The sub-run's record keeps what the agent heard."""

    def next_input(self, request: InputRequest) -> Silence:
        return Silence(request.timeout_seconds)


class Run:
    """One call in progress: the contact, the people and services around it, and the record."""

    def __init__(
        self,
        library: FlowLibrary,
        contact: Contact,
        caller: Caller,
        runtime: ContactRuntime,
        lex: LexBot | None,
        clock: VirtualClock,
        step_budget: int = DEFAULT_STEP_BUDGET,
        listener: CallListener | None = None,
        services: LocalServices | None = None,
        on_block: BlockStarted | None = None,
        observer: ActionObserver | None = None,
    ) -> None:
        self.library = library
        self.contact = contact
        self.caller = caller
        self.runtime = runtime
        self.lex = lex
        self.clock = clock
        self.record = CallRecord()
        self.step_budget = step_budget
        self.steps_left = step_budget
        self.stack: list[Frame] = []
        self.listener = listener
        self.services = services or LocalServices()
        self.on_block = on_block
        self.observer = observer
        #: While a customer-queue flow runs: when an agent answers (the flow then stops).
        self.queue_deadline: datetime | None = None

    # --- what handlers use ------------------------------------------------------------------------

    @property
    def frame(self) -> Frame:
        return self.stack[-1]

    @property
    def flow_name(self) -> str:
        return self.frame.flow.name

    @property
    def loop_counts(self) -> dict[str, int]:
        return self.frame.loop_counts

    def resolve_flow(self, reference: str) -> str | None:
        return self.library.resolve(reference)

    def agent_answered(self) -> bool:
        return self.queue_deadline is not None and self.clock.now() >= self.queue_deadline

    def stand_in(self, what: str) -> None:
        """Name, once per call, a resource the run answered without the real thing."""
        if what not in self.record.stand_ins:
            self.record.stand_ins.append(what)
            self.note("stand-in", what)

    def where(self, action: Action) -> str:
        return f"{self.frame.flow.name}:{action.identifier}"

    def note(self, kind: str, text: str) -> None:
        event = Event(t=self.clock.now().isoformat(), kind=kind, text=text)
        self.record.events.append(event)
        if self.listener is not None:
            self.listener(event, self.contact)

    def say(self, text: str, kind: str = "prompt") -> None:
        """Play ``text`` to the caller; an empty prompt (an unknown JSONPath) plays nothing."""
        if not text.strip():
            return
        if self.contact.channel == "TASK" and not isinstance(self.caller, _AgentSide):
            self.stand_in("a TASK contact has no participant: prompts are not played")
            return
        if isinstance(self.caller, _NoVoiceLine):
            self.note("unheard", f"{self.contact.channel} contact: not played: {text}")
            return
        self.caller.hear(text)
        self.record.prompts.append(text)
        self.note(kind, text)

    def listen(self, request: InputRequest, *, menu: bool = False) -> Digits | Speech | Silence:
        """Wait for the caller. Hangup ends the call; silence costs the block's timeout."""
        answer = self.caller.next_input(request)
        if isinstance(answer, Hangup):
            self.note("hangup", "the caller hung up")
            raise CallEnded("hangup")
        if isinstance(answer, Silence):
            self.clock.advance(request.timeout_seconds)
            self.note("silence", f"no input for {request.timeout_seconds:g} s")
        elif isinstance(answer, Digits):
            shown = answer.value if menu and len(answer.value) == 1 else MASK * len(answer.value)
            self.record.inputs.append(shown)
            self.note("input", f"pressed {shown}")
        else:
            self.record.inputs.append(answer.text)
            self.note("input", f"said {answer.text!r}")
        return answer

    def fail(self, action: Action, error_type: str, reason: str) -> Outcome:
        """Take the ``error_type`` branch for a reason the flow's author should read."""
        message = f"{self.where(action)}: {reason}"
        self.record.errors.append(message)
        self.note("error", message)
        return error(error_type)

    def run_hook(self, hook: str, flow_name: str) -> str | None:
        """Run an event-hook flow. AgentWhisper (and AgentHold) play to the agent: their prompts
        go to ``whisper``. CustomerQueue and CustomerHold play to the caller while they wait."""
        if hook in CUSTOMER_HOOKS:
            if self.queue_deadline is not None:
                return None  # already in the queue flow: a transfer there just moves the contact
            return self._run_customer_hook(hook, flow_name)
        agent = _AgentSide()
        sub = self._sub_run(agent)
        sub.listener = self._as_whisper(self.listener)
        sub.run(flow_name)
        self.steps_left = sub.steps_left
        self.record.whisper += sub.record.prompts
        self.record.blocks += sub.record.blocks
        self.record.branches += sub.record.branches
        self.record.invocations += sub.record.invocations
        self.record.errors += [f"{hook} flow {message}" for message in sub.record.errors]
        self.record.events += [
            Event(t=e["t"], kind="whisper" if e["kind"] == "prompt" else e["kind"], text=e["text"])
            for e in sub.record.events
        ]
        return None

    def _sub_run(self, caller: Caller) -> Run:
        sub = Run(
            self.library, self.contact, caller, self.runtime, self.lex, self.clock,
            services=self.services, on_block=self.on_block,
        )  # fmt: skip
        sub.record.stand_ins = self.record.stand_ins  # one list: each resource named once
        sub.listener = self.listener
        sub.step_budget = sub.steps_left = max(self.steps_left, 0)
        return sub

    def _run_customer_hook(self, hook: str, flow_name: str) -> str | None:
        """The customer-queue flow runs until an agent answers (after the queue's wait); the
        hold flow until the agent resumes. Chat and task contacts hear nothing and press
        nothing, so their flow runs with nobody on the line."""
        seconds = self._queue_wait() if hook == "CustomerQueue" else self.contact.hold_seconds
        on_line = self.contact.channel == "VOICE"
        sub = self._sub_run(self.caller if on_line else _NoVoiceLine())
        sub.queue_deadline = self.clock.now() + timedelta(seconds=seconds)
        self.note("queue", f"{hook} flow {flow_name} runs for about {seconds:g} s")
        sub.run(flow_name)
        self.steps_left = sub.steps_left
        for name in ("prompts", "inputs", "blocks", "branches", "invocations", "events"):
            getattr(self.record, name).extend(getattr(sub.record, name))
        self.record.callbacks += sub.record.callbacks
        self.record.errors += [f"{hook} flow {message}" for message in sub.record.errors]
        if sub.record.ended == "hangup":
            raise CallEnded("hangup")
        if sub.record.ended == "error":
            raise FlowStop(f"{hook} flow {flow_name} stopped: {sub.record.errors[-1]}")
        # "answered" (the agent picked up or resumed), or where the flow moved the contact
        return sub.record.ended

    def _queue_wait(self) -> float:
        queue = self.contact.target_queue
        try:
            return float(self.runtime.queue_metric(queue, "OldestContactInQueueAgeSeconds"))
        except Exception:  # a runtime without queue metrics: the agent answers at once
            return 0.0

    @staticmethod
    def _as_whisper(listener: CallListener | None) -> CallListener | None:
        """The hook flow's prompts reach the listener as what the agent heard."""
        if listener is None:
            return None

        def whispered(event: Event, contact: Contact) -> None:
            if event["kind"] == "end":
                return  # the hook flow ending is not the call ending
            kind = "whisper" if event["kind"] == "prompt" else event["kind"]
            listener(Event(t=event["t"], kind=kind, text=event["text"]), contact)

        return whispered

    # --- the engine -------------------------------------------------------------------------------

    def run(self, flow_name: str) -> CallRecord:
        try:
            action = self._enter(Frame(self._flow(flow_name)), replace=True)
            while True:
                action = self._step(action)
        except AgentAnswered:
            self.record.ended = "answered"
            self.note("queue", "an agent answered: the customer-queue flow stops")
        except CallEnded as ended:
            self.record.ended = ended.how
            self._run_disconnect_flow()
        except FlowStop as stop:
            self.record.ended = "error"
            self.record.errors.append(str(stop))
            self.note("error", str(stop))
        finally:
            self.record.attributes = dict(self.contact.attributes)
        return self.record

    def _run_disconnect_flow(self) -> None:
        """The disconnect flow ("Set disconnect flow", the CustomerRemaining hook) runs once the
        call has ended, with nobody left on the line; its blocks join this call's record."""
        if self.record.ended not in {"hangup", "disconnected"}:
            return  # with an agent (or in a queue) the call goes on; its end is not simulated
        if isinstance(self.caller, _AgentSide | _NobodyOnTheLine | _NoVoiceLine):
            return  # a side flow (a whisper, the disconnect flow itself) ending is not the call's
        flow_name = self.contact.event_hooks.pop("CustomerRemaining", None)
        if flow_name is None:
            return
        self.note("flow", f"disconnect flow {flow_name} runs")
        sub = self._sub_run(_NobodyOnTheLine())
        sub.run(flow_name)
        self.record.blocks += sub.record.blocks
        self.record.branches += sub.record.branches
        self.record.invocations += sub.record.invocations
        self.record.errors += [f"disconnect flow {message}" for message in sub.record.errors]
        self.record.events += sub.record.events

    def _flow(self, name: str) -> Flow:
        try:
            return self.library.get(name)
        except KeyError as missing:
            raise FlowStop(str(missing.args[0])) from None

    def _enter(self, frame: Frame, *, replace: bool) -> Action:
        if replace:
            self.stack.clear()
        self.stack.append(frame)
        self.contact.flow_attributes = frame.flow_attributes
        flow = frame.flow
        self.note("flow", f"entered flow {flow.name}")
        start = flow.action(flow.start_action)
        if start is None:
            raise FlowStop(f"flow {flow.name}: StartAction {flow.start_action!r} is not an action")
        return start

    def _step(self, action: Action) -> Action:
        if self.agent_answered():
            raise AgentAnswered
        self.steps_left -= 1
        if self.steps_left < 0:
            raise FlowStop(
                f"step budget of {self.step_budget} blocks used up at {self.where(action)}: "
                "the flow seems to loop without end"
            )
        self.record.blocks.append(self.where(action))
        handler = HANDLERS.get(action.type)
        if handler is None:
            raise FlowStop(
                f"unsupported action type {action.type!r} at {self.where(action)}: "
                "the local contact center cannot run this block"
            )
        if self.on_block is not None:
            self.on_block(self.frame.flow.name, action, self.contact)
        outcome = self.observer(self, action) if self.observer is not None else None
        if outcome is None:
            outcome = handler(self, action)
        self._note_unknown_paths(action)
        return self._FOLLOW[outcome.kind](self, action, outcome.value)

    def _note_unknown_paths(self, action: Action) -> None:
        """A data path with a root Connect does not have reads as empty; say so."""
        for path in dict.fromkeys(self.contact.unknown_paths):
            self.stand_in(f"{self.where(action)}: unknown data path {path} (read as empty)")
        self.contact.unknown_paths.clear()

    def _go(self, action: Action, label: str, target: str | None) -> Action:
        flow = self.frame.flow
        if not target:
            raise FlowStop(f"{self.where(action)} has no {label} to go to")
        following = flow.action(target)
        if following is None:
            raise FlowStop(
                f"{self.where(action)} goes to {target!r} ({label}), "
                f"which is not an action in flow {flow.name}"
            )
        self.record.branches.append((flow.name, action.identifier, label))
        return following

    def _next(self, action: Action, _: str) -> Action:
        return self._go(action, "NextAction", action.transitions.next_action)

    def _match(self, action: Action, value: str) -> Action:
        conditions = action.transitions.conditions
        try:
            index = first_match(conditions, value)
        except UnknownOperatorError as unknown:
            raise FlowStop(f"{self.where(action)}: {unknown}") from None
        if index is None:
            return self._on_error(action, "NoMatchingCondition")
        return self._go(action, f"Condition:{index}", conditions[index].next_action)

    def _on_error(self, action: Action, error_type: str) -> Action:
        for kind in dict.fromkeys((error_type, "NoMatchingError")):
            target = action.transitions.error_target(kind)
            if target:
                self.note("branch", f"{self.where(action)} took Error:{kind}")
                return self._go(action, f"Error:{kind}", target)
        wanted = " or ".join(dict.fromkeys((error_type, "NoMatchingError")))
        raise FlowStop(
            f"{self.where(action)}: {error_type} happened and the block has no {wanted} branch"
        )

    def _transfer(self, action: Action, flow_name: str) -> Action:
        return self._enter(Frame(self._flow(flow_name)), replace=True)

    def _module(self, action: Action, flow_name: str) -> Action:
        return self._enter(Frame(self._flow(flow_name), return_to=action), replace=False)

    def _return(self, action: Action, _: str) -> Action:
        frame = self.frame
        if frame.return_to is None and frame.flow.flow_type == "MODULE":
            self.note("end", f"{self.where(action)}: the module returned")
            raise CallEnded("returned")  # a module run on its own (ivr call --flow)
        if frame.return_to is None:
            raise FlowStop(f"{self.where(action)}: EndFlowModuleExecution outside a flow module")
        self.stack.pop()
        self.contact.flow_attributes = self.frame.flow_attributes
        self.note("flow", f"module {frame.flow.name} returned to {self.frame.flow.name}")
        return self._next(frame.return_to, "")

    def _end(self, action: Action, how: str) -> Action:
        self.note("end", f"{self.where(action)}: call {how}")
        raise CallEnded(how)

    _FOLLOW: dict[str, Callable[[Run, Action, str], Action]] = {
        "next": _next,
        "result": _match,
        "error": _on_error,
        "transfer": _transfer,
        "module": _module,
        "return": _return,
        "end": _end,
    }


def run_contact(
    library: FlowLibrary,
    flow_name: str,
    contact: Contact,
    caller: Caller,
    runtime: ContactRuntime,
    lex: LexBot | None,
    clock: VirtualClock,
    step_budget: int = DEFAULT_STEP_BUDGET,
    listener: CallListener | None = None,
    services: LocalServices | None = None,
    on_block: BlockStarted | None = None,
    observer: ActionObserver | None = None,
) -> CallRecord:
    """Run ``contact`` from the start of ``flow_name`` until the call ends; never raises for
    anything a flow does (the record says ``ended == "error"`` and why). ``services`` are the
    stand-ins' data (Customer Profiles, Cases, Views, ...); ``on_block`` is told of each block
    as it starts; ``observer`` too, and may answer the block's outcome instead of running it."""
    run = Run(
        library,
        contact,
        caller,
        runtime,
        lex,
        clock,
        step_budget,
        listener,
        services,
        on_block,
        observer,
    )
    return run.run(flow_name)

"""What an action handler may use while its block runs: the block context, never the whole run.

Each action type is a function of ``(BlockContext, Action) -> Outcome``. The interpreter's ``Run``
implements this Protocol; a test (or another runner, such as a Testing-language runner) can give a
handler anything else that does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from simulator.flows.clock import VirtualClock
from simulator.flows.contact import CallRecord, Contact
from simulator.flows.outcome import Outcome
from simulator.ports import ContactRuntime, Digits, InputRequest, LexBot, Silence, Speech

if TYPE_CHECKING:
    from simulator.flows.model import Action
    from simulator.flows.services import LocalServices


class BlockContext(Protocol):
    """The contact, the clock, the people on the line and the services around one block."""

    @property
    def contact(self) -> Contact: ...

    @property
    def clock(self) -> VirtualClock: ...

    @property
    def record(self) -> CallRecord: ...

    @property
    def runtime(self) -> ContactRuntime: ...

    @property
    def lex(self) -> LexBot | None: ...

    @property
    def services(self) -> LocalServices: ...

    @property
    def flow_name(self) -> str: ...

    @property
    def loop_counts(self) -> dict[str, int]:
        """Loop blocks' counts in the running flow, by Identifier."""

    def say(self, text: str, kind: str = "prompt") -> None:
        """Play ``text`` to whoever is on the line."""

    def listen(self, request: InputRequest, *, menu: bool = False) -> Digits | Speech | Silence:
        """Wait for the caller; a hangup ends the call."""

    def note(self, kind: str, text: str) -> None:
        """Add an event to the call's timeline."""

    def fail(self, action: Action, error_type: str, reason: str) -> Outcome:
        """Take ``error_type`` for a reason the flow's author should read."""

    def where(self, action: Action) -> str:
        """``flow:Identifier`` of ``action``."""

    def resolve_flow(self, reference: str) -> str | None:
        """The flow a reference (name, alias, ARN) points at; None when there is none."""

    def run_hook(self, hook: str, flow_name: str) -> str | None:
        """Run an event-hook flow (a whisper, the customer-queue or hold flow) now; a
        customer-side flow answers how it ended ("answered", "queue:<name>", ...)."""

    def agent_answered(self) -> bool:
        """In a customer-queue or hold flow: the wait is over (an agent answered or resumed)."""

    def stand_in(self, what: str) -> None:
        """Name a resource the run answered without the real thing (once per call)."""

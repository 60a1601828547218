"""What an action handler tells the interpreter: which way to go, or that the call is over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OutcomeKind = Literal["next", "result", "error", "transfer", "module", "return", "end"]


@dataclass(frozen=True)
class Outcome:
    """``next``: NextAction. ``result``: match the block's Conditions against ``value``.
    ``error``: the Errors branch named ``value``. ``transfer``/``module``: run flow ``value``
    (a module returns to the invoking block's NextAction). ``return``: leave the module.
    ``end``: the flow is over; ``value`` is how the call ended.
    """

    kind: OutcomeKind
    value: str = ""


NEXT = Outcome("next")
RETURN = Outcome("return")


def result(value: str) -> Outcome:
    return Outcome("result", value)


def error(error_type: str) -> Outcome:
    return Outcome("error", error_type)


def end(how: str) -> Outcome:
    return Outcome("end", how)


class CallEnded(Exception):
    """The call is over (the caller hung up, the flow disconnected or queued the contact)."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class FlowStop(Exception):
    """The interpreter cannot go on: an unsupported block, a dangling NextAction, a runaway loop."""


class AgentAnswered(Exception):
    """The customer-queue (or hold) flow's time is up: an agent answered, or resumed the call."""

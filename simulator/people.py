"""The people on the line: a caller following a script, and a person at a terminal."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.ports import CallerInput, Digits, Hangup, InputRequest, Silence, Speech


@dataclass
class ScriptedCaller:
    """Follows a scenario's ``steps``. ``expect_prompt`` checks what the IVR said since the
    caller's last action; the other steps answer the IVR when it waits for input."""

    steps: deque[dict[str, Any]]
    failures: list[str] = field(default_factory=list)
    heard_since_last_step: list[str] = field(default_factory=list)
    step_number: int = 0

    @classmethod
    def from_steps(cls, steps: list[dict[str, Any]]) -> ScriptedCaller:
        return cls(deque(steps))

    def hear(self, text: str) -> None:
        self.heard_since_last_step.append(text)

    def next_input(self, request: InputRequest) -> CallerInput:
        while self.steps:
            step = self.steps.popleft()
            self.step_number += 1
            if "expect_prompt" in step:
                self._check_prompt(str(step["expect_prompt"]))
                continue
            self.heard_since_last_step = []
            return _as_input(step, request)
        return Hangup()  # nothing left to say: the caller hangs up

    def finish(self) -> None:
        """The call ended: check the prompts still expected; report steps never reached."""
        while self.steps:
            step = self.steps.popleft()
            self.step_number += 1
            if "expect_prompt" in step:
                self._check_prompt(str(step["expect_prompt"]))
            elif "hangup" not in step:
                self.failures.append(f"step {self.step_number} {step} never ran: the call ended")

    def _check_prompt(self, expected: str) -> None:
        if not any(expected.lower() in said.lower() for said in self.heard_since_last_step):
            said = " | ".join(self.heard_since_last_step) or "(nothing)"
            self.failures.append(
                f"step {self.step_number}: expected the IVR to say {expected!r}; it said: {said}"
            )


def _as_input(step: dict[str, Any], request: InputRequest) -> CallerInput:
    if "say" in step:
        return Speech(str(step["say"]))
    if "press" in step:
        return Digits(str(step["press"]))
    if "wait" in step:
        return Silence(float(step["wait"]))
    if "hangup" in step:
        return Hangup()
    raise ValueError(f"unknown scenario step {step!r}")


@dataclass
class TerminalCaller:
    """A person typing: words are speech, ``#``-prefixed keys are keypad digits, an empty line is
    silence, ``/hangup`` (or end of input) hangs up."""

    read: Callable[[str], str] = input
    write: Callable[[str], None] = print

    def hear(self, text: str) -> None:
        self.write(f"IVR: {text}")

    def next_input(self, request: InputRequest) -> CallerInput:
        hint = "keys, e.g. #1234" if request.kind == "dtmf" else "speak"
        try:
            line = self.read(f"you ({hint})> ").strip()
        except EOFError:
            return Hangup()
        if line.lower() in {"/hangup", "/quit", "/exit"}:
            return Hangup()
        if not line:
            return Silence(request.timeout_seconds)
        if line.startswith("#"):
            return Digits(line[1:].replace(" ", ""))
        return Speech(line)

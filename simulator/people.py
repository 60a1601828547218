"""The people on the line: a caller following a script, and a person at a terminal."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.portal_client import PortalStepError, use_portal
from simulator.ports import CallerInput, Digits, Hangup, InputRequest, Silence, Speech
from simulator.voice import last_code_sent


@dataclass
class ScriptedCaller:
    """Follows a scenario's ``steps``. ``expect_prompt`` checks what the IVR said since the
    caller's last action; the other steps answer the IVR when it waits for input."""

    steps: deque[dict[str, Any]]
    failures: list[str] = field(default_factory=list)
    heard_since_last_step: list[str] = field(default_factory=list)
    step_number: int = 0
    heard: list[str] = field(default_factory=list)  # everything, for `portal: {pin: spoken}`
    hold_left: float = 0.0  # seconds of a `hold:` step still to stay silent
    phone: str | None = None  # the caller's number, for `press: otp`
    portal_page: tuple[str, str] | None = None  # the page a `portal:` step verified

    @classmethod
    def from_steps(cls, steps: list[dict[str, Any]]) -> ScriptedCaller:
        return cls(deque(steps))

    def hear(self, text: str) -> None:
        self.heard_since_last_step.append(text)
        self.heard.append(text)

    def next_input(self, request: InputRequest) -> CallerInput:
        if self.hold_left > 0:
            self.hold_left -= request.timeout_seconds
            return Silence(request.timeout_seconds)
        while self.steps:
            step = self.steps.popleft()
            self.step_number += 1
            if "expect_prompt" in step:
                self._check_prompt(str(step["expect_prompt"]))
                continue
            self.heard_since_last_step = []
            if "portal" in step:
                # The caller stays quiet on the line while using the portal on their phone.
                self._use_portal(step["portal"] or {})
                return Silence(request.timeout_seconds)
            if "hold" in step:
                self.hold_left = float(step["hold"]) - request.timeout_seconds
                return Silence(request.timeout_seconds)
            if step.get("press") == "otp":
                return self._type_code()
            return _as_input(step, request)
        return Hangup()  # nothing left to say: the caller hangs up

    def _type_code(self) -> CallerInput:
        """`press: otp`: the code last texted to the caller's number, then the pound key."""
        code = last_code_sent(self.phone)
        if code is None:
            self.failures.append(f"step {self.step_number}: press otp, but no code was texted")
            return Silence(0.0)
        return Digits(code + "#")

    def _use_portal(self, spec: dict[str, Any]) -> None:
        try:
            visit = use_portal(spec, self.heard, self.portal_page, self.phone)
        except PortalStepError as problem:
            self.failures.append(f"step {self.step_number}: portal: {problem}")
            return
        self.portal_page = visit.page or self.portal_page
        wanted = spec.get("expect_status")
        if wanted is not None and (not visit.answers or visit.answers[-1][1] != int(wanted)):
            got = [(what, status) for what, status, _ in visit.answers]
            self.failures.append(
                f"step {self.step_number}: expected the portal to answer {wanted}; got {got}"
            )

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
    """A person typing: words are speech; a line of keypad keys (``1``, ``1234#``, or ``#1234``
    as before) presses them, at any prompt, so a single digit at a menu is one key press; an empty
    line is silence, ``/hangup`` (or end of input) hangs up."""

    read: Callable[[str], str] = input
    write: Callable[[str], None] = print

    def hear(self, text: str) -> None:
        self.write(f"IVR: {text}")

    def next_input(self, request: InputRequest) -> CallerInput:
        try:
            line = self.read(f"you ({_hint(request)})> ").strip()
        except EOFError:
            return Hangup()
        if line.lower() in {"/hangup", "/quit", "/exit"}:
            return Hangup()
        if not line:
            return Silence(request.timeout_seconds)
        keys = line.replace(" ", "")
        if keys.startswith("#") and len(keys) > 1:
            keys = keys[1:]  # the older "#1234": the # only marked keys
        if set(keys) <= _KEYPAD:
            return Digits(keys)
        return Speech(line)


_KEYPAD = set("0123456789*#")


def _hint(request: InputRequest) -> str:
    """How to answer, in the prompt: keys are typed as they are, a menu takes one."""
    if request.kind != "dtmf":
        return "speak, or type a key like 1"
    if (request.max_digits or 1) == 1:
        return "press a key: type 1"
    return "keys: type 1234, # ends"

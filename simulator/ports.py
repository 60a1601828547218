"""The seams between the flow interpreter, the Lex emulator and the rest of the local stack.

The interpreter (simulator/flows) knows only these types; the Lex emulator (simulator/lex)
implements
``LexBot``; the call runner (simulator/call.py) implements ``Caller`` and ``ContactRuntime``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

# --- what the caller does -------------------------------------------------------------------------


@dataclass(frozen=True)
class InputRequest:
    """The IVR waits for the caller: keypad digits or speech."""

    kind: Literal["dtmf", "speech"]
    timeout_seconds: float
    max_digits: int | None = None  # DTMF only
    terminator: str | None = None  # DTMF only, e.g. "#"
    encrypted: bool = False  # stored customer input with InputEncryption: mask it in the record


@dataclass(frozen=True)
class Digits:
    value: str  # e.g. "1234#"


@dataclass(frozen=True)
class Speech:
    text: str


@dataclass(frozen=True)
class Silence:
    """The caller says nothing for this many virtual seconds (the input times out)."""

    seconds: float


@dataclass(frozen=True)
class Hangup:
    pass


CallerInput = Digits | Speech | Silence | Hangup


class Caller(Protocol):
    def hear(self, text: str) -> None:
        """The IVR (or the Lex bot) said ``text`` to the caller."""

    def next_input(self, request: InputRequest) -> CallerInput:
        """Block until the caller answers ``request``."""


# --- what Lex answers -----------------------------------------------------------------------------


@dataclass
class LexTurn:
    """One Lex V2 RecognizeText answer, reduced to what Connect's Lex block uses."""

    messages: list[str]
    dialog_action: str  # Close | ConfirmIntent | Delegate | ElicitIntent | ElicitSlot
    intent_name: str | None
    intent_state: str | None  # Failed | Fulfilled | InProgress | ReadyForFulfillment | ...
    slots: dict[str, str | None] = field(default_factory=dict)  # interpretedValue per slot
    session_attributes: dict[str, str] = field(default_factory=dict)
    intent_confidence: float | None = None  # the top interpretation's nluConfidence
    sentiment: dict[str, str] = field(default_factory=dict)  # Label, Scores.Positive, ...

    @property
    def finished(self) -> bool:
        """Connect leaves the Lex block when the dialog closes or the intent is ready or done."""
        return self.dialog_action == "Close" or self.intent_state in {
            "Fulfilled",
            "ReadyForFulfillment",
            "Failed",
        }


class LexBot(Protocol):
    def recognize_text(
        self,
        bot_alias_arn: str,
        session_id: str,
        text: str,
        session_attributes: dict[str, str],
        input_mode: Literal["Speech", "DTMF", "Text"] = "Speech",
    ) -> LexTurn:
        """One caller turn; the session (dialog state) is kept by the emulator per session_id."""

    def knows(self, bot_alias_arn: str) -> bool:
        """Whether a bot answers to this alias here; a bot that is not ours is the Lex block's
        error branch, never answered by another bot."""


# --- what the contact center around the flow provides ---------------------------------------


class LambdaInvocationError(Exception):
    """The Lambda timed out, raised, or answered what Connect rejects: take the error branch."""


class ContactRuntime(Protocol):
    def invoke_lambda(
        self, function_ref: str, event: dict[str, Any], timeout_seconds: float
    ) -> dict[str, Any]:
        """Run the real handler named by ``function_ref`` (an ARN or ``${Placeholder}``)."""

    def queue_metric(self, queue_ref: str | None, metric: str) -> float:
        """CheckMetricData: NumberOfAgentsAvailable, OldestContactInQueueAgeSeconds, ..."""

    def hours_open(self, hours_ref: str | None) -> bool:
        """CheckHoursOfOperation."""

    def voice_id(self, option: str, customer_id: str | None) -> str:
        """CheckVoiceId: enrollmentStatus / voiceAuthentication / fraudDetection result."""

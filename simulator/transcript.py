"""What a local call leaves in the activity log, for the agent's timeline.

Amazon Connect writes flow logs only while flow logging is enabled; the local contact center
does the same for the agent's transcript: what the IVR said while logging was off (the PIN it
read out, the question before a keypad answer) is kept as a bare fact, never as text. Digits
the caller said are masked, keypad digits are masked already, and a Lambda outcome keeps only
the keys that say how it went (``status``, ``result``, ``paymentStatus``...), never its data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.flows import Contact, Event
from simulator.lambda_service import function_id

NOT_LOGGED = "(said with flow logging off: not recorded)"

#: Lambda answer keys that describe an outcome and never hold a secret or personal data.
OUTCOME_KEYS = (
    "status",
    "errorCode",
    "found",
    "reason",
    "result",
    "paymentStatus",
    "hasOpenTransaction",
    "hasPending",
    "enoughSpeech",
)

_LAMBDA = re.compile(r"^(?P<function>\S+) answered in (?P<ms>\d+) ms$")
_INTENT = re.compile(r"^intent (?P<intent>\S+)")
_SAID = re.compile(r"^said (?P<quoted>.*)$", re.DOTALL)
_LONG_DIGITS = re.compile(r"\d{4,}")


def mask_digits(text: str) -> str:
    return re.sub(r"\d", "\u2022", text)


def _said(text: str) -> str:
    match = _SAID.match(text)
    spoken = match.group("quoted").strip("'\"") if match else text
    return f"said \u201c{mask_digits(spoken)}\u201d"


def _lambda_outcome(text: str, contact: Contact) -> tuple[str, dict[str, str]]:
    match = _LAMBDA.match(text)
    name = function_id(match.group("function")) if match else "Lambda"
    outcome = {k: contact.external[k] for k in OUTCOME_KEYS if contact.external.get(k)}
    shown = ", ".join(f"{k}={v}" for k, v in outcome.items()) or "answered"
    return f"{name}: {shown}", {"function": name, **outcome}


Entry = tuple[str, str, dict[str, str]]


def _prompt(text: str, contact: Contact) -> Entry:
    return "prompt", text if contact.flow_logging else NOT_LOGGED, {}


def _input(text: str, contact: Contact) -> Entry:
    if text.startswith("pressed"):
        return "caller", text, {}  # keypad digits are masked already (one dot per digit)
    return "caller", _said(text) if contact.flow_logging else NOT_LOGGED, {}


def _intent(text: str, contact: Contact) -> Entry | None:
    match = _INTENT.match(text)
    return ("intent", match.group("intent"), {}) if match else None


def _lambda(text: str, contact: Contact) -> Entry:
    shown, data = _lambda_outcome(text, contact)
    return "lambda", shown, data


def _error(text: str, contact: Contact) -> Entry:
    return "error", _LONG_DIGITS.sub(lambda m: "\u2022" * len(m.group(0)), text), {}


def _end(text: str, contact: Contact) -> Entry:
    how = text.rsplit("call ", 1)[-1]
    if how.startswith("queue:"):
        return "transfer", f"transferred to the queue {how.removeprefix('queue:')}", {}
    return "end", "the IVR ended the call", {}


def _attributes(text: str, contact: Contact) -> Entry:
    # Contact attributes are what Connect keeps in the contact record: the flows put no secret
    # there. The timeline reads the customer's facts from the latest snapshot.
    return "attributes", text, {k: str(v) for k, v in contact.attributes.items()}


_ENTRIES: dict[str, Callable[[str, Contact], Entry | None]] = {
    "prompt": _prompt,
    "bot": _prompt,
    "input": _input,
    "hangup": lambda text, contact: ("end", "the caller hung up", {}),
    "lex": _intent,
    "lambda": _lambda,
    "error": _error,
    "whisper": lambda text, contact: ("whisper", text, {}),
    "queue": lambda text, contact: ("transfer", text, {}),
    "callback": lambda text, contact: ("transfer", text, {}),
    "end": _end,
    "attributes": _attributes,
}


def activity_entry(event: Event, contact: Contact) -> Entry | None:
    """(kind, text, data) for the activity log, or None for an event the agent does not need
    (flow changes, branches, silences, waits)."""
    make = _ENTRIES.get(event["kind"])
    return make(event["text"], contact) if make else None


class ActivityRecorder:
    """A call listener that appends each event to the activity log as it happens."""

    def __init__(self) -> None:
        from ivr import wiring

        self._log: Any = wiring.activity()
        self.failures = 0

    def __call__(self, event: Event, contact: Contact) -> None:
        from ivr.activity import ActivityEvent
        from ivr.core.errors import IvrError

        entry = activity_entry(event, contact)
        if entry is None:
            return
        kind, text, data = entry
        at = datetime.fromisoformat(event["t"])
        try:
            self._log.append(ActivityEvent(contact.contact_id, at, kind, text, data))
        except IvrError:
            self.failures += 1  # the transcript is best effort: it never stops a call

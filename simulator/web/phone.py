"""The web phone's side of the local contact center: a person calls the IVR from a page.

``WebCaller`` implements the Caller port: ``next_input`` blocks on a queue that the page's POSTs
feed. The IVR's time limits pass in real time (scaled by ``time_scale``; tests run them faster):
silence is what happens when the person does nothing. While the person is typing or keying,
the page says so and the wait is extended, as a speech recogniser waits for the end of speech.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.flows import Contact, Event
from simulator.ports import CallerInput, Digits, Hangup, InputRequest, Silence, Speech
from simulator.web.hub import EventHub

#: A person needs time to read a question and type an answer; speech and multi-digit keypad
#: requests wait at least this long (real seconds, before scaling) unless the person answers.
HUMAN_SECONDS = 20.0
#: Typing or keying extends the current wait by this much (real seconds, before scaling).
ACTIVITY_GRACE_SECONDS = 8.0


@dataclass(frozen=True)
class Activity:
    """The person is typing or keying: keep waiting."""


Arrival = CallerInput | Activity


def line_topic(number: str) -> str:
    return f"phone:{number}"


@dataclass
class CallState:
    """What the phone page shows of one call (its snapshot after a reconnect)."""

    call_id: str
    number: str
    voice: str
    status: str = (
        "ringing"  # ringing (we call), incoming (we are called), ivr, queued, agent, ended
    )
    contact_id: str = ""
    ended: str = ""
    transcript: list[dict[str, str]] = field(default_factory=list)
    listening: dict[str, Any] | None = None
    direction: str = "inbound"  # outbound: the contact center called (a dialled callback)

    def as_json(self) -> dict[str, Any]:
        return {
            "callId": self.call_id,
            "number": self.number,
            "voice": self.voice,
            "status": self.status,
            "contactId": self.contact_id,
            "ended": self.ended,
            "transcript": list(self.transcript),
            "listening": self.listening,
            "direction": self.direction,
        }


class WebCaller:
    """The person at the web phone, as the flow interpreter sees them."""

    def __init__(self, state: CallState, hub: EventHub, time_scale: float = 1.0) -> None:
        self.state = state
        self.hub = hub
        self.time_scale = time_scale
        self.arrivals: queue.Queue[Arrival] = queue.Queue()
        self.hung_up = threading.Event()
        #: The call's clock (simulator.web.center.CallClock), told of silences waited through.
        self.clock: Any = None

    # --- what the page does ----------------------------------------------------------------------

    def give(self, arrival: Arrival) -> None:
        if isinstance(arrival, Hangup):
            self.hung_up.set()
        self.arrivals.put(arrival)

    # --- the Caller port -------------------------------------------------------------------------

    def hear(self, text: str) -> None:
        self._say("ivr", text)

    def next_input(self, request: InputRequest) -> CallerInput:
        if self.hung_up.is_set():
            return Hangup()
        human = request.kind == "speech" or (request.max_digits or 1) > 1
        wait = max(request.timeout_seconds, HUMAN_SECONDS if human else 0.0) * self.time_scale
        self._listening(request)
        try:
            return self._wait(request, wait)
        finally:
            self.state.listening = None
            self._publish("listening", {"listening": None})

    def _wait(self, request: InputRequest, wait: float) -> CallerInput:
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return self._silence(request)
            try:
                arrival = self.arrivals.get(timeout=left)
            except queue.Empty:
                return self._silence(request)
            if isinstance(arrival, Activity):
                grace = ACTIVITY_GRACE_SECONDS * self.time_scale
                deadline = max(deadline, time.monotonic() + grace)
                continue
            return arrival

    def _silence(self, request: InputRequest) -> Silence:
        if self.clock is not None:
            self.clock.lived_through(request.timeout_seconds)
        return Silence(request.timeout_seconds)

    # --- what the page sees ----------------------------------------------------------------------

    def on_event(self, event: Event, contact: Contact) -> None:
        """The call listener: the caller's own inputs, and when the call leaves the IVR."""
        if not self.state.contact_id:
            self.state.contact_id = contact.contact_id
            self.state.status = "ivr"
            self._publish("status", {"status": "ivr", "contactId": contact.contact_id})
        if event["kind"] == "input":
            self._say("caller", _as_said(event["text"]))

    def _listening(self, request: InputRequest) -> None:
        self.state.listening = {
            "kind": request.kind,
            "seconds": request.timeout_seconds,
            "maxDigits": request.max_digits,
            "terminator": request.terminator,
        }
        self._publish("listening", {"listening": self.state.listening})

    def _say(self, who: str, text: str) -> None:
        entry = {"who": who, "text": text, "at": datetime.now().astimezone().isoformat()}
        self.state.transcript.append(entry)
        self._publish("said", entry)

    def _publish(self, event: str, data: dict[str, Any]) -> None:
        self.hub.publish(line_topic(self.state.number), event, data)


def _as_said(text: str) -> str:
    """The interpreter's "said 'x'" is the caller's own "x" on their phone."""
    if text.startswith("said "):
        return text[5:].strip("'\"")
    return text


def arrival_from(body: dict[str, Any]) -> Arrival | None:
    """What the page posted: {"type": "say", "text": ...}, {"type": "press", "digits": ...},
    {"type": "activity"} or {"type": "hangup"}."""
    kind = body.get("type")
    if kind == "say" and isinstance(body.get("text"), str) and body["text"].strip():
        return Speech(body["text"].strip()[:500])
    if kind == "press" and isinstance(body.get("digits"), str):
        digits = "".join(ch for ch in body["digits"] if ch in "0123456789*#")[:32]
        return Digits(digits) if digits else None
    if kind == "activity":
        return Activity()
    if kind == "hangup":
        return Hangup()
    return None

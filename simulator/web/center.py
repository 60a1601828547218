"""The local contact center behind the pages: calls from the web phone, the local queue, the
SMS inbox of each number, and the live updates the pages subscribe to."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.call import CallSetup, place_call
from simulator.flows import Contact, Event
from simulator.ports import Hangup
from simulator.web.agent_api import record_agent_event
from simulator.web.agents import LocalAgents, LocalQueue, QueuedContact
from simulator.web.hub import EventHub
from simulator.web.phone import Arrival, CallState, WebCaller, line_topic

AGENT_TOPIC = "agent"


class LineBusyError(Exception):
    """Another call is in the IVR: the local contact center runs one IVR leg at a time, because
    the handlers share one clock (ivr.core.clock) with the call they serve."""


class NoCallError(Exception):
    """The number has no call in the IVR to send that to."""


class LocalContactCenter:
    def __init__(self, time_scale: float = 1.0, agents: LocalAgents | None = None) -> None:
        self.hub = EventHub()
        self.agents = agents or LocalAgents()
        self.queue = LocalQueue()
        self.time_scale = time_scale
        self._calls: dict[str, CallState] = {}  # by number: the latest call of that number
        self._callers: dict[str, WebCaller] = {}  # by number, while the call is in the IVR
        self._ivr = threading.Lock()
        self._lock = threading.Lock()
        self._seen_messages: set[str] = set()
        self.threads: list[threading.Thread] = []
        #: Time travel for the person trying things out (POST /local/clock): the handlers see
        #: the wall clock plus this, and a call's virtual clock starts there.
        self.clock_offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    # --- the web phone ---------------------------------------------------------------------------

    def place_call(self, number: str, voice: str) -> CallState:
        if not self._ivr.acquire(blocking=False):
            raise LineBusyError("another call is in the IVR; hang it up or wait for it to end")
        state = CallState(str(uuid.uuid4()), number, voice)
        caller = WebCaller(state, self.hub, self.time_scale)
        with self._lock:
            self._calls[number] = state
            self._callers[number] = caller
        self.hub.publish(line_topic(number), "call", state.as_json())
        worker = threading.Thread(
            target=self._run_call, args=(caller,), name=f"call-{number}", daemon=True
        )
        self.threads.append(worker)
        worker.start()
        return state

    def _run_call(self, caller: WebCaller) -> None:
        state = caller.state

        def listen(event: Event, contact: Contact) -> None:
            caller.on_event(event, contact)
            self.activity(contact.contact_id)
            if event["kind"] == "lambda":
                self.check_outbox()

        whisper: list[str] = []
        try:
            setup = CallSetup(state.number, self.now(), voice=state.voice)
            record = place_call(setup, caller, listener=listen)
            state.ended, whisper = record.ended, record.whisper
        except Exception as failure:  # the page must learn the call is over, whatever happened
            state.ended = f"error: {type(failure).__name__}"
        finally:
            with self._lock:
                self._callers.pop(state.number, None)
            self._ivr.release()
        self.check_outbox()
        if state.ended.startswith("queue:"):
            self._queue(state, whisper)
        else:
            self._set_status(state, "ended")

    def _queue(self, state: CallState, whisper: list[str]) -> None:
        self.queue.add(
            QueuedContact(
                contact_id=state.contact_id,
                number=state.number,
                queue=state.ended.removeprefix("queue:"),
                whisper=whisper,
                queued_at=datetime.now(UTC),
            )
        )
        self._set_status(state, "queued")
        self.publish_queue()

    def _set_status(self, state: CallState, status: str) -> None:
        state.status = status
        payload = {"status": status, "ended": state.ended, "contactId": state.contact_id}
        self.hub.publish(line_topic(state.number), "status", payload)

    def caller_input(self, number: str, arrival: Arrival) -> None:
        with self._lock:
            caller = self._callers.get(number)
            state = self._calls.get(number)
        if caller is not None:
            caller.give(arrival)
            return
        if (
            isinstance(arrival, Hangup)
            and state is not None
            and state.status in {"queued", "agent"}
        ):
            self.end_contact(state.contact_id)
            return
        raise NoCallError(f"no call from {number} is waiting for input")

    def phone_snapshot(self, number: str) -> dict[str, Any]:
        with self._lock:
            state = self._calls.get(number)
        return {"call": state.as_json() if state else None, "inbox": self.inbox(number)}

    # --- the SMS inbox ---------------------------------------------------------------------------

    def inbox(self, number: str) -> list[dict[str, Any]]:
        from ivr import wiring

        return [_sms(m) for m in wiring.local_outbox().messages() if _is_sms_to(m, number)]

    def check_outbox(self) -> None:
        """Tell each number's page of the SMS sent to it since the last look."""
        from ivr import wiring

        fresh = []
        with self._lock:
            for message in wiring.local_outbox().messages():
                if message.get("id") not in self._seen_messages:
                    self._seen_messages.add(str(message.get("id")))
                    fresh.append(message)
        for message in fresh:
            if message.get("channel") == "sms":
                self.hub.publish(line_topic(str(message["to"])), "sms", _sms(message))

    # --- the agent -------------------------------------------------------------------------------

    def publish_queue(self) -> None:
        self.hub.publish(AGENT_TOPIC, "queue", {"contacts": self.queue.as_json()})

    def activity(self, contact_id: str | None) -> None:
        """Something new may be in a contact's timeline: open dashboards fetch it again."""
        self.hub.publish(AGENT_TOPIC, "activity", {"contactId": contact_id or ""})

    def accept(self, contact_id: str, agent: str, agent_id: str = "") -> QueuedContact | None:
        accepted = self.queue.accept(contact_id, agent)
        if accepted is not None:
            record_agent_event(contact_id, self.now(), agent_id)
            with self._lock:
                state = self._calls.get(accepted.number)
            if state is not None and state.contact_id == contact_id:
                self._set_status(state, "agent")
            self.publish_queue()
        return accepted

    def end_contact(self, contact_id: str) -> QueuedContact | None:
        ended = self.queue.end(contact_id)
        if ended is not None:
            if ended.agent:
                record_agent_event(contact_id, self.now())
            with self._lock:
                state = self._calls.get(ended.number)
            if state is not None and state.contact_id == contact_id:
                self._set_status(state, "ended")
            self.publish_queue()
        return ended

    def stop(self) -> None:
        with self._lock:
            callers = list(self._callers.values())
        for caller in callers:
            caller.give(Hangup())
        self.hub.close_all()


def _is_sms_to(message: dict[str, Any], number: str) -> bool:
    return message.get("channel") == "sms" and message.get("to") == number


def _sms(message: dict[str, Any]) -> dict[str, Any]:
    return {"id": message.get("id"), "to": message.get("to"), "text": message.get("text", "")}

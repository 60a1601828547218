"""The local contact center behind the pages: calls from the web phone, the local queue, the
messages inbox of each number, and the live updates the pages subscribe to.

Like a real contact center it takes several calls at once, each on its own line (its number) with
its own virtual clock; the callback sweeper's dialler rings the web phone of the number it dials.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.call import CallSetup, place_call
from simulator.callbacks import OUTBOUND_FLOW, sweep_summary
from simulator.flows import Contact, Event, VirtualClock
from simulator.ports import Hangup
from simulator.web.agent_api import record_agent_event
from simulator.web.agents import LocalAgents, LocalQueue, QueuedContact
from simulator.web.hub import EventHub
from simulator.web.phone import Arrival, CallState, WebCaller, line_topic

AGENT_TOPIC = "agent"
#: A dialled callback rings this long (real seconds, before scaling) before it counts as missed.
RING_SECONDS = 45.0
#: A closed phone page hangs up its call unless the page is back (a reload) within this long.
LINE_LEFT_GRACE_SECONDS = 3.0
#: The sweeper runs every 5 minutes in AWS (template.yaml's schedule); here on the same rhythm.
SWEEP_SECONDS = 300.0


class LineBusyError(Exception):
    """That number is already on a call (each number is one line, as on a real phone)."""


class NoCallError(Exception):
    """The number has no call in the IVR to send that to."""


class CallClock(VirtualClock):
    """A web call's clock. A person is on the line, so it runs with real time (scaled like the
    IVR's time limits); a Wait block or the payment poll moves it on at once, as in any local call;
    and the center's time travel (POST /local/clock) since the call began is added, so a link the
    caller waits on expires for the IVR when it expires for the portal."""

    def __init__(self, center: LocalContactCenter) -> None:
        self._center = center
        self._offset_at_start = center.clock_offset
        self._started = time.monotonic()
        self._start = center.now()
        self._jumped = timedelta(0)  # Wait blocks: time that passed for the call, not for us
        self._lived = 0.0  # seconds of silence the caller already waited through in real time
        super().__init__(self._start)

    def lived_through(self, seconds: float) -> None:
        """The caller waited ``seconds`` of silence in real time: the interpreter's advance for
        that silence moves this clock no further."""
        self._lived += seconds

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        covered = min(self._lived, seconds)
        self._lived -= covered
        self._jumped += timedelta(seconds=seconds - covered)

    def now(self) -> datetime:
        scale = self._center.time_scale or 1.0
        real = timedelta(seconds=(time.monotonic() - self._started) / scale)
        travelled = self._center.clock_offset - self._offset_at_start
        return self._start + real + self._jumped + travelled


class LocalContactCenter:
    def __init__(self, time_scale: float = 1.0, agents: LocalAgents | None = None) -> None:
        self.hub = EventHub()
        self.agents = agents or LocalAgents()
        self.queue = LocalQueue()
        self.time_scale = time_scale
        self._calls: dict[str, CallState] = {}  # by number: the latest call of that number
        self._callers: dict[str, WebCaller] = {}  # by number, while the call is in the IVR
        self._ringing: dict[str, dict[str, str]] = {}  # by number: the dialled callback
        self._emails: dict[str, str] = {}  # number -> the customer's e-mail address
        self._holders: dict[str, int] = {}  # number -> phone pages open on it
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._seen_messages: set[str] = set()
        self.threads: list[threading.Thread] = []
        #: Time travel for the person trying things out (POST /local/clock): the handlers see
        #: the wall clock plus this, and a call's virtual clock starts there.
        self.clock_offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    # --- the web phone ---------------------------------------------------------------------------

    def place_call(self, number: str, voice: str) -> CallState:
        state = CallState(str(uuid.uuid4()), number, voice)
        caller = self._take_line(state)
        self.hub.publish(line_topic(number), "call", state.as_json())
        self._start(caller, CallSetup(number, self.now(), voice=voice))
        return state

    def _take_line(self, state: CallState) -> WebCaller:
        with self._lock:
            if state.number in self._callers or state.number in self._ringing:
                raise LineBusyError(f"{state.number} is already on a call; hang it up first")
            caller = WebCaller(state, self.hub, self.time_scale)
            self._calls[state.number] = state
            self._callers[state.number] = caller
        return caller

    def _start(self, caller: WebCaller, setup: CallSetup) -> None:
        worker = threading.Thread(
            target=self._run_call, args=(caller, setup), name=f"call-{setup.caller_number}"
        )
        worker.daemon = True
        self.threads.append(worker)
        worker.start()

    def _run_call(self, caller: WebCaller, setup: CallSetup) -> None:
        state = caller.state

        def listen(event: Event, contact: Contact) -> None:
            caller.on_event(event, contact)
            self.activity(contact.contact_id)
            if event["kind"] == "lambda":
                self.check_outbox()

        whisper: list[str] = []
        try:
            clock = CallClock(self)
            caller.clock = clock
            setup.start = clock.now()
            record = place_call(setup, caller, listener=listen, clock=clock)
            state.ended, whisper = record.ended, record.whisper
        except Exception as failure:  # the page must learn the call is over, whatever happened
            state.ended = f"error: {type(failure).__name__}"
        finally:
            with self._lock:
                self._callers.pop(state.number, None)
        self.check_outbox()
        if state.ended.startswith("queue:"):
            self._queue(state, whisper)
        else:
            self._set_status(state, "ended")

    # --- callbacks: the sweeper dials, the web phone rings ----------------------------------------

    def ring(self, dialled: dict[str, str]) -> None:
        """The dialler called ``dialled["to"]``: that number's web phone rings."""
        number = dialled["to"]
        state = CallState(str(uuid.uuid4()), number, "authenticated", direction="outbound")
        state.status, state.contact_id = "incoming", dialled["contactId"]
        with self._lock:
            if number in self._callers or number in self._ringing:
                return  # busy: the callback stays dialled, as a real busy line would leave it
            self._calls[number] = state
            self._ringing[number] = dialled
        self.hub.publish(line_topic(number), "call", state.as_json())
        timer = threading.Timer(RING_SECONDS * self.time_scale, self._missed, (number, state))
        timer.daemon = True
        timer.start()

    def _missed(self, number: str, state: CallState) -> None:
        with self._lock:
            if self._ringing.get(number, {}).get("contactId") != state.contact_id:
                return
            del self._ringing[number]
        state.ended = "missed"
        self._set_status(state, "ended")

    def _decline(self, number: str) -> bool:
        """Hang up a ringing callback (the person pressed Decline, or closed the page)."""
        with self._lock:
            ringing = self._ringing.pop(number, None)
            state = self._calls.get(number)
        if ringing is None or state is None:
            return False
        state.ended = "declined"
        self._set_status(state, "ended")
        return True

    def answer(self, number: str) -> CallState:
        """The person answers the ringing web phone: the outbound flow runs with the dialler's
        attributes (who, when, which queue), then the call waits for an agent."""

        with self._lock:
            dialled = self._ringing.pop(number, None)
            state = self._calls.get(number)
        if dialled is None or state is None:
            raise NoCallError(f"no call is ringing on {number}")
        state.status = "ivr"
        caller = self._take_line(state)
        self._set_status(state, "ivr")
        attributes = {
            k: v for k, v in dialled.items() if k not in {"to", "contactId", "clientToken"}
        }
        setup = CallSetup(
            number,
            self.now(),
            entry_flow=OUTBOUND_FLOW,
            initiation_method="OUTBOUND",
            contact_id=dialled["contactId"],
            attributes=attributes,
        )
        self._start(caller, setup)
        return state

    def sweep(self, at: datetime | None = None) -> dict[str, Any]:
        """Run the callback sweeper as its schedule would at ``at`` (default: the center's now);
        every number it dials rings."""
        from ivr import wiring
        from ivr.callbacks.service import sweep_due_callbacks
        from ivr.core import clock

        moment = at or self.now()
        dialer = RingingDialer(self)
        with clock.installed_here(lambda: moment):
            report = sweep_due_callbacks(
                store=wiring.callbacks(),
                dialer=dialer,
                policy=wiring.callback_policy(),
                now=moment,
            )
        return {"calls": dialer.calls(), "summary": sweep_summary(report)}

    def follow_up_payments(self) -> dict[str, Any]:
        """Run the payment follow-up sweep (template.yaml: every 5 minutes): charges in doubt
        asked about again, owed confirmations queued, then delivered to the outbox."""
        from simulator.delivery import deliver_queued_messages
        from simulator.lambda_service import invoke_function

        summary = invoke_function("PaymentFollowUpFunction", {})
        deliver_queued_messages()
        return summary

    def sweep_on_schedule(self) -> None:
        """The scheduled sweepers (every 5 minutes in AWS), until the center stops."""
        while not self._stopping.wait(SWEEP_SECONDS * self.time_scale):
            for run in (self.sweep, self.follow_up_payments):
                try:
                    run()
                except Exception:  # the next run tries again, as the schedule would
                    continue

    def line_held(self, number: str) -> None:
        """A phone page of ``number`` is open (its event stream)."""
        with self._lock:
            self._holders[number] = self._holders.get(number, 0) + 1

    def line_left(self, number: str) -> None:
        """A phone page of ``number`` went away: unless one is back soon (a reload), hang up."""
        with self._lock:
            self._holders[number] = max(0, self._holders.get(number, 0) - 1)

        def hang_up_if_gone() -> None:
            time.sleep(LINE_LEFT_GRACE_SECONDS)
            with self._lock:
                if self._holders.get(number, 0):
                    return
            with contextlib.suppress(NoCallError):
                self.caller_input(number, Hangup())

        threading.Thread(target=hang_up_if_gone, name=f"left-{number}", daemon=True).start()

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
        if isinstance(arrival, Hangup) and self._decline(number):
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

    # --- the messages inbox ----------------------------------------------------------------------

    def email_of(self, number: str) -> str:
        """The e-mail address on record for ``number`` (its confirmations show on its phone)."""
        with self._lock:
            if number in self._emails:
                return self._emails[number]
        from ivr import wiring

        customer = wiring.callers().find_by_phone(number)
        email = customer.email if customer is not None else ""
        with self._lock:
            self._emails[number] = email
        return email

    def inbox(self, number: str) -> list[dict[str, Any]]:
        """SMS to the number and e-mails to its customer's address, in the order they were sent."""
        from ivr import wiring

        email = self.email_of(number)
        return [
            _message(m)
            for m in wiring.local_outbox().messages()
            if m.get("to") in {number, email} and m.get("to")
        ]

    def check_outbox(self) -> None:
        """Tell each number's page of the messages sent to it since the last look."""
        from ivr import wiring

        fresh = []
        with self._lock:
            for message in wiring.local_outbox().messages():
                if message.get("id") not in self._seen_messages:
                    self._seen_messages.add(str(message.get("id")))
                    fresh.append(message)
            numbers = list(self._calls)
        for message in fresh:
            if message.get("channel") == "sms":
                self.hub.publish(line_topic(str(message["to"])), "sms", _message(message))
                continue
            for number in numbers:
                if message.get("to") and message.get("to") == self.email_of(number):
                    self.hub.publish(line_topic(number), "sms", _message(message))

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
        self._stopping.set()
        with self._lock:
            callers = list(self._callers.values())
        for caller in callers:
            caller.give(Hangup())
        self.hub.close_all()


def _message(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the phone shows it: SMS text, or an e-mail's subject and text; when sent."""
    return {
        "id": message.get("id"),
        "channel": message.get("channel", "sms"),
        "to": message.get("to"),
        "subject": message.get("subject") or "",
        "text": message.get("text", ""),
        "sentAt": message.get("sentAt", ""),
    }


class RingingDialer:
    """The local dialler (``ivr.dialer.LocalDialer``), ringing each dialled number's web phone."""

    def __init__(self, center: LocalContactCenter) -> None:
        from ivr.adapters.local.dialer import LocalDialer

        self._dialer = LocalDialer()
        self.center = center

    def dial(self, callback: Any, client_token: str) -> str:
        before = len(self._dialer.calls())
        contact_id = self._dialer.dial(callback, client_token)
        calls = self._dialer.calls()
        if len(calls) > before:  # a new call, not a retried token
            self.center.ring(calls[-1])
        return contact_id

    def find_call(self, callback: Any, *, since: datetime, until: datetime) -> str | None:
        return self._dialer.find_call(callback, since=since, until=until)

    def calls(self) -> list[dict[str, str]]:
        return self._dialer.calls()

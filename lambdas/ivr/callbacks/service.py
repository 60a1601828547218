"""Callbacks: a caller asks to be called back now or at a time they choose, dialled exactly once.

Two kinds. An *immediate* callback ("as soon as an agent is free") is Amazon Connect's own queued
callback: the flow hands it to Connect, and we keep a record of it so the dashboard shows it and a
second request is recognised. A *scheduled* callback is ours: stored with its time in UTC and the
caller's zone, found by the sweeper when due, claimed with a conditional write and a lease, and
dialled with StartOutboundVoiceContact.

Exactly once, in three layers: one pending callback per number and queue (a guard written in the
same transaction as the callback); a claim that only one sweep can win (status and lease
conditions); and a ClientToken that stays the same when a crashed sweep's callback is retried, so
Connect returns the call it already started instead of dialling again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ivr.callbacks.scheduling import (
    CallbackPolicy,
    Decision,
    Proposal,
    Refusal,
    Scheduler,
    caller_zone,
    floor_to_slot,
    spoken,
    zone,
    zone_spoken,
)
from ivr.callers import CallerStore, look_up_caller
from ivr.core.errors import (
    ConflictError,
    InvalidPhoneNumberError,
    IvrError,
    NotFoundError,
    NotificationError,
)
from ivr.core.observability import logger
from ivr.core.phone import is_withheld, normalise_e164
from ivr.notify import Channel, Notifier, OutgoingMessage


class CallbackStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its time, or for its next attempt
    QUEUED = "queued"  # immediate: handed to Connect's queued callback
    DIALLING = "dialling"  # claimed by a sweep, under a lease
    DIALLED = "dialled"  # the outbound call was started
    FAILED = "failed"  # every attempt failed; an alarm fires
    CANCELLED = "cancelled"


#: What a customer texts back to cancel (ivr.callbacks.sms_replies). Not a bare CANCEL or STOP:
#: in the US and Canada those are opt-out keywords, and End User Messaging stops all texts to the
#: number.
CANCEL_REPLY = "NO CALLBACK"

#: Statuses that hold the caller's one pending callback for a queue.
PENDING_STATUSES = frozenset({CallbackStatus.SCHEDULED, CallbackStatus.QUEUED})


class CallbackKind(StrEnum):
    SCHEDULED = "scheduled"  # at a time the caller chose; the sweeper dials it
    IMMEDIATE = "immediate"  # as soon as an agent is free; Connect dials it


@dataclass(frozen=True)
class Callback:
    callback_id: str
    phone: str
    queue: str
    #: The time the caller chose (aware, UTC); for an immediate callback, when they asked.
    call_at: datetime
    #: The caller's IANA zone, to speak and text the time back in their local time.
    timezone: str
    status: CallbackStatus
    kind: CallbackKind = CallbackKind.SCHEDULED
    #: When the sweeper next acts on it (the due index): ``call_at``, then a retry's time or a
    #: lease's end. None once it is out of the sweeper's hands.
    due_at: datetime | None = None
    #: Dial attempts that failed so far.
    attempts: int = 0
    #: How many times a sweep claimed it (the claim's version).
    claims: int = 0
    lease_until: datetime | None = None
    contact_id: str = ""  # the contact that asked for it
    created_at: datetime | None = None
    outbound_contact_id: str = ""  # the call the sweeper started
    last_error: str = ""
    confirmed: bool = False  # the confirmation SMS was handed to the provider
    #: The customer record carries this callback's mark (caller lookup offers to cancel or move
    #: it); False for an immediate callback, an unknown number, or a second queue's callback.
    marked: bool = False

    @property
    def client_token(self) -> str:
        """StartOutboundVoiceContact's ClientToken for the attempt in progress.

        It changes only when an attempt has failed, so a sweep that takes over a crashed sweep's
        callback sends the same token and Connect answers with the call already in progress.
        """
        return f"{self.callback_id}-{self.attempts + 1}"


@dataclass(frozen=True)
class PendingCallback:
    """The caller's one pending callback for a queue, as the guard item holds it."""

    callback_id: str
    phone: str
    queue: str
    call_at: datetime
    timezone: str
    kind: CallbackKind

    def spoken(self) -> str:
        return spoken(self.call_at, self.timezone)


class CallbackPendingError(ConflictError):
    """The number already has a pending callback for this queue: offer to keep or move it."""

    code = "CallbackPending"

    def __init__(self, existing: PendingCallback | None) -> None:
        super().__init__("a callback is already pending for this number and queue")
        self.existing = existing


class SlotFullError(ConflictError):
    """The slot filled up between the check and the booking."""

    code = "SlotFull"


class DialError(IvrError):
    """Connect did not start the outbound call."""

    code = "DialFailed"

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class Slot:
    """A capacity slot of a queue and how many callbacks it can take."""

    queue: str
    start: datetime
    capacity: int


class CallbackStore(Protocol):
    def schedule(
        self,
        callback: Callback,
        *,
        now: datetime,
        pending_until: datetime | None,
        slot: Slot | None,
    ) -> None:
        """Store a new callback and make it the number's pending one for its queue, atomically.

        ``pending_until`` None keeps the guard until the callback is dialled, failed or
        cancelled. CallbackPendingError if another callback is pending; SlotFullError if the
        slot is full; ConflictError if the id is taken (a retried request).
        """

    def get(self, callback_id: str) -> Callback | None: ...

    def pending(self, phone: str, queue: str, now: datetime) -> PendingCallback | None:
        """The number's pending callback for the queue (one read of the guard)."""

    def move(
        self, callback: Callback, call_at: datetime, *, old_slot: Slot | None, new_slot: Slot
    ) -> Callback:
        """Move a scheduled callback to ``call_at``; ConflictError if it is no longer scheduled."""

    def cancel(self, callback: Callback, *, now: datetime, slot: Slot | None) -> Callback:
        """Cancel a pending callback; ConflictError if a sweep claimed it or it is done."""

    def mark_confirmed(self, callback_id: str) -> None: ...

    def due(self, now: datetime, limit: int = 100) -> list[Callback]:
        """Callbacks with due_at <= now, oldest first: a late sweep still finds them."""

    def claim(self, callback: Callback, *, now: datetime, lease_until: datetime) -> Callback | None:
        """Take a due callback for dialling; None if another sweep got it first."""

    def defer(self, callback: Callback, *, until: datetime) -> None:
        """Move a due callback's next action to ``until`` (e.g. the next opening)."""

    def mark_dialled(self, callback: Callback, *, contact_id: str, now: datetime) -> None:
        """The claimed callback's call started; ConflictError if the claim was lost."""

    def mark_retry(self, callback: Callback, *, retry_at: datetime, error: str) -> None: ...

    def mark_failed(self, callback: Callback, *, now: datetime, error: str) -> None: ...

    def slot_loads(self, queue: str, starts: list[datetime]) -> dict[datetime, int]:
        """How many callbacks each slot start holds (0 for slots never booked)."""


class OutboundDialer(Protocol):
    def dial(self, callback: Callback, client_token: str) -> str:
        """Start the outbound call; the new contact id. DialError when Connect refuses."""

    def find_call(self, callback: Callback, *, since: datetime, until: datetime) -> str | None:
        """The contact an earlier dial of ``callback`` started between ``since`` and ``until``
        (it carries the callback id as an attribute), or None. DialError when it cannot tell."""


# --- asking for a callback ----------------------------------------------------------------------

#: Namespace of callback ids derived from the contact and the flow step that asked.
_IDS = uuid.UUID("6b0c6a4e-1f2d-4c55-9a53-0e7f3c1d2b10")


def callback_id_for(contact_id: str, step: str) -> str:
    """The same contact and step always make the same id: Connect's retries store nothing twice."""
    return str(uuid.uuid5(_IDS, f"{contact_id}/{step}"))


@dataclass(frozen=True)
class CallbackRequest:
    contact_id: str
    step: str
    phone: str
    queue: str
    timezone: str  # the caller's zone (ivr.callbacks.scheduling.caller_zone)


@dataclass(frozen=True)
class Booking:
    """The result of a request: booked, refused (with alternatives), or one already pending."""

    callback: Callback | None = None
    decision: Decision | None = None
    existing: PendingCallback | None = None
    sms_sent: bool = False

    @property
    def outcome(self) -> str:
        """What the flow branches on: pending (one exists), queued, booked or refused."""
        if self.existing is not None:
            return "pending"
        if self.callback is not None:
            return "queued" if self.callback.kind is CallbackKind.IMMEDIATE else "booked"
        return "refused"


@dataclass
class CallbackService:
    """The callback use cases, with their store, policy and sender."""

    store: CallbackStore
    policy: CallbackPolicy
    notifier: Notifier
    now: Callable[[], datetime]
    brand: str = "Example Bank"

    def scheduler(self, queue: str) -> Scheduler:
        return Scheduler(self.policy, queue, self.store.slot_loads)

    def slot(self, queue: str, at: datetime) -> Slot:
        return Slot(queue, floor_to_slot(at, self.policy.slot), self.policy.slot_capacity)

    def pending(self, phone: str, queue: str) -> PendingCallback | None:
        return self.store.pending(phone, queue, self.now())

    def schedule(self, request: CallbackRequest, proposal: Proposal) -> Booking:
        """Validate the caller's proposal and book it; text a confirmation in their local time."""
        decision = self.scheduler(request.queue).decide(proposal, request.timezone, self.now())
        if decision.at is None:
            return Booking(decision=decision)
        return self._book(request, decision.at, decision)

    def book_slot(self, request: CallbackRequest, at: datetime) -> Booking:
        """Book one of the alternatives offered earlier (a UTC instant), checked again now."""
        now = self.now()
        scheduler = self.scheduler(request.queue)
        problem = scheduler.problem(at, now)
        if problem is not None:
            return Booking(decision=Decision(None, problem, scheduler.nearest(at, now)))
        return self._book(request, at, Decision(at))

    def _book(self, request: CallbackRequest, at: datetime, decision: Decision) -> Booking:
        now = self.now()
        callback = Callback(
            callback_id=callback_id_for(request.contact_id, request.step),
            phone=request.phone,
            queue=request.queue,
            call_at=at,
            timezone=request.timezone,
            status=CallbackStatus.SCHEDULED,
            kind=CallbackKind.SCHEDULED,
            due_at=at,
            contact_id=request.contact_id,
            created_at=now,
        )
        slot = self.slot(request.queue, at)
        booked = self._store_once(callback, now=now, pending_until=None, slot=slot)
        if isinstance(booked, Booking):
            return booked
        return Booking(booked, decision, sms_sent=self._confirm(booked, "booked"))

    def queue_immediate(self, request: CallbackRequest) -> Booking:
        """Record an immediate callback the flow hands to Connect's queued callback."""
        now = self.now()
        callback = Callback(
            callback_id=callback_id_for(request.contact_id, request.step),
            phone=request.phone,
            queue=request.queue,
            call_at=now,
            timezone=request.timezone,
            status=CallbackStatus.QUEUED,
            kind=CallbackKind.IMMEDIATE,
            contact_id=request.contact_id,
            created_at=now,
        )
        until = now + self.policy.queued_window
        booked = self._store_once(callback, now=now, pending_until=until, slot=None)
        return booked if isinstance(booked, Booking) else Booking(booked)

    def move(self, callback_id: str, proposal: Proposal, timezone: str | None = None) -> Booking:
        """Move the pending scheduled callback to a new time the caller proposed."""
        current = self._pending_scheduled(callback_id)
        zone_name = timezone or current.timezone
        now = self.now()
        decision = self.scheduler(current.queue).decide(proposal, zone_name, now)
        if decision.at is None:
            return Booking(decision=decision)
        return self._move_to(current, decision.at, decision)

    def move_to_slot(self, callback_id: str, at: datetime) -> Booking:
        current = self._pending_scheduled(callback_id)
        now = self.now()
        scheduler = self.scheduler(current.queue)
        problem = scheduler.problem(at, now)
        if problem is not None:
            return Booking(decision=Decision(None, problem, scheduler.nearest(at, now)))
        return self._move_to(current, at, Decision(at))

    def callers_callback(self, callback_id: str, phone: str) -> Callback:
        """The callback ``callback_id`` if it will ring ``phone``: only that number may cancel or
        move it. Someone else's callback answers like no callback at all (NotFoundError), so a
        caller learns nothing by trying ids."""
        current = self.store.get(callback_id) if callback_id else None
        if current is None or current.phone != phone:
            raise NotFoundError("no such callback for this caller")
        return current

    def cancel_for_caller(self, callback_id: str, phone: str) -> Callback:
        return self.cancel(callback_id, current=self.callers_callback(callback_id, phone))

    def move_for_caller(
        self, callback_id: str, phone: str, proposal: Proposal, timezone: str | None = None
    ) -> Booking:
        self.callers_callback(callback_id, phone)
        return self.move(callback_id, proposal, timezone)

    def move_to_slot_for_caller(self, callback_id: str, phone: str, at: datetime) -> Booking:
        self.callers_callback(callback_id, phone)
        return self.move_to_slot(callback_id, at)

    def cancel(self, callback_id: str, *, current: Callback | None = None) -> Callback:
        """Cancel it and text the caller; ``current`` is the callback as just read (no second
        read: the cancel's conditional write decides)."""
        if current is None or current.callback_id != callback_id:
            current = self.store.get(callback_id)
        if current is None:
            raise ConflictError("no such callback")
        if current.status is CallbackStatus.CANCELLED:
            return current  # a retried cancel: already done
        slot = self.slot(current.queue, current.call_at)
        is_scheduled = current.kind is CallbackKind.SCHEDULED
        cancelled = self.store.cancel(current, now=self.now(), slot=slot if is_scheduled else None)
        when = spoken(cancelled.call_at, cancelled.timezone)
        text = f"{self.brand}: your callback for {when} is cancelled."
        self._send(cancelled, text, "cancelled")
        return cancelled

    # --- helpers ------------------------------------------------------------------------------

    def _store_once(
        self,
        callback: Callback,
        *,
        now: datetime,
        pending_until: datetime | None,
        slot: Slot | None,
    ) -> Callback | Booking:
        """Store the callback; a retried request finds its own callback and answers the same."""
        try:
            self.store.schedule(callback, now=now, pending_until=pending_until, slot=slot)
        except CallbackPendingError as pending:
            existing = pending.existing
            if existing is not None and existing.callback_id == callback.callback_id:
                return self._replayed(callback)
            return Booking(existing=existing)
        except SlotFullError:
            nearest = self.scheduler(callback.queue).nearest(callback.call_at, now)
            return Booking(decision=Decision(None, Refusal.FULL, nearest))
        except ConflictError:
            return self._replayed(callback)
        return callback

    def _replayed(self, callback: Callback) -> Callback:
        stored = self.store.get(callback.callback_id)
        if stored is None:
            raise ConflictError("callback id taken but not readable")
        return stored

    def _pending_scheduled(self, callback_id: str) -> Callback:
        current = self.store.get(callback_id)
        if current is None or current.status is not CallbackStatus.SCHEDULED:
            raise ConflictError("the callback is no longer pending")
        return current

    def _move_to(self, current: Callback, at: datetime, decision: Decision) -> Booking:
        if at == current.call_at:
            return Booking(current, decision)  # a retried move, or the same time again
        old_slot = self.slot(current.queue, current.call_at)
        new_slot = self.slot(current.queue, at)
        try:
            moved = self.store.move(current, at, old_slot=old_slot, new_slot=new_slot)
        except SlotFullError:
            nearest = self.scheduler(current.queue).nearest(at, self.now())
            return Booking(decision=Decision(None, Refusal.FULL, nearest))
        return Booking(moved, decision, sms_sent=self._confirm(moved, "moved"))

    def _confirm(self, callback: Callback, what: str) -> bool:
        if callback.confirmed and what == "booked":
            return True
        when = spoken(callback.call_at, callback.timezone)
        verb = "is booked" if what == "booked" else "has moved"
        text = (
            f"{self.brand}: your callback {verb} for {when} ({zone_spoken(callback.timezone)}). "
            f"Reply {CANCEL_REPLY} to cancel it, or call us to change it."
        )
        sent = self._send(callback, text, f"{what}-{callback.call_at.isoformat()}")
        if sent and what == "booked":
            self.store.mark_confirmed(callback.callback_id)
        return sent

    def _send(self, callback: Callback, text: str, what: str) -> bool:
        message = OutgoingMessage(
            Channel.SMS, callback.phone, text, f"callback-{callback.callback_id}-{what}"
        )
        try:
            self.notifier.send(message)
        except NotificationError as error:
            logger.warning("callback SMS not sent", extra={"errorCode": error.code})
            return False
        return True


# --- the sweeper --------------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What one sweep did; ``read`` counts the items its due queries returned."""

    read: int = 0
    dialled: list[Callback] = field(default_factory=list)
    retried: list[Callback] = field(default_factory=list)
    failed: list[Callback] = field(default_factory=list)
    deferred: list[Callback] = field(default_factory=list)
    lost: int = 0  # claims another sweep won
    #: Lease-expired claims whose first call was found: recorded, not dialled again.
    found: list[Callback] = field(default_factory=list)
    unverified: int = 0  # lease-expired claims left alone: Connect could not say if they rang


#: Stop claiming when less than this is left of the invocation: a claim must be dialled and
#: marked before the function is stopped.
SAFETY_MARGIN_SECONDS = 10.0
#: How far before the expired claim began a call it started is looked for (clock skew).
CALL_SEARCH_MARGIN = timedelta(minutes=5)


def sweep_due_callbacks(
    *,
    store: CallbackStore,
    dialer: OutboundDialer,
    policy: CallbackPolicy,
    now: datetime,
    seconds_left: Callable[[], float] = lambda: float("inf"),
    batch: int = 100,
) -> SweepReport:
    """Dial every callback due by ``now``, each exactly once, until none is left or time is up."""
    report = SweepReport()
    while seconds_left() > SAFETY_MARGIN_SECONDS:
        due = store.due(now, batch)
        report.read += len(due)
        if not due:
            break
        for callback in due:
            if seconds_left() <= SAFETY_MARGIN_SECONDS:
                return report
            _work_on(callback, store=store, dialer=dialer, policy=policy, now=now, report=report)
        if len(due) < batch:
            break
    return report


def _work_on(
    callback: Callback,
    *,
    store: CallbackStore,
    dialer: OutboundDialer,
    policy: CallbackPolicy,
    now: datetime,
    report: SweepReport,
) -> None:
    hours = policy.hours_for(callback.queue)
    if not hours.is_open(now):
        # Due while closed (a late retry, a holiday): wait for the next opening, undialled.
        store.defer(callback, until=hours.next_open(now))
        report.deferred.append(callback)
        return
    lease = timedelta(seconds=policy.lease_seconds)
    claimed = store.claim(callback, now=now, lease_until=now + lease)
    if claimed is None:
        report.lost += 1
        return
    if callback.status is CallbackStatus.DIALLING and _rang_before(
        callback, claimed, store=store, dialer=dialer, policy=policy, now=now, report=report
    ):
        return
    try:
        contact_id = dialer.dial(claimed, claimed.client_token)
    except DialError as error:
        _after_failure(claimed, error, store=store, policy=policy, now=now, report=report)
        return
    try:
        store.mark_dialled(claimed, contact_id=contact_id, now=now)
    except ConflictError:
        # Our lease ran out and another sweep took over: it sends the same ClientToken, so
        # Connect returns this call rather than starting a second one.
        logger.warning("claim lost after dialling", extra={"callbackId": claimed.callback_id})
    report.dialled.append(replace(claimed, outbound_contact_id=contact_id))


def _rang_before(
    expired: Callback,
    claimed: Callback,
    *,
    store: CallbackStore,
    dialer: OutboundDialer,
    policy: CallbackPolicy,
    now: datetime,
    report: SweepReport,
) -> bool:
    """A lease ran out: the sweep that held it may have died after Connect started the call and
    before recording it. Re-sending its ClientToken does not help once that call has ended (a
    disconnected contact's token starts a new one), so ask Connect for a contact carrying the
    callback id first; True when there was one (recorded) or Connect cannot say (left claimed:
    the next sweep asks again once this lease ends)."""
    held_since = (expired.lease_until or now) - timedelta(seconds=policy.lease_seconds)
    try:
        earlier = dialer.find_call(expired, since=held_since - CALL_SEARCH_MARGIN, until=now)
    except DialError as error:
        logger.warning("earlier call unknown", extra={"errorCode": error.reason})
        report.unverified += 1
        return True
    if earlier is None:
        return False
    try:
        store.mark_dialled(claimed, contact_id=earlier, now=now)
    except ConflictError:
        logger.warning(
            "claim lost after finding the call", extra={"callbackId": claimed.callback_id}
        )
    report.found.append(replace(claimed, outbound_contact_id=earlier))
    return True


def _after_failure(
    callback: Callback,
    error: DialError,
    *,
    store: CallbackStore,
    policy: CallbackPolicy,
    now: datetime,
    report: SweepReport,
) -> None:
    attempts = callback.attempts + 1
    if not error.retryable or attempts >= policy.max_attempts:
        store.mark_failed(callback, now=now, error=error.reason)
        report.failed.append(callback)
        logger.error("callback failed", extra={"callbackId": callback.callback_id})
        return
    hours = policy.hours_for(callback.queue)
    retry_at = hours.next_open(now + policy.retry_delay(attempts))
    store.mark_retry(callback, retry_at=retry_at, error=error.reason)
    report.retried.append(callback)


def who_to_call(
    raw_number: str | None,
    *,
    callers: CallerStore,
    region: str,
    contact_center_zone: str,
    known_zone: str | None = None,
) -> tuple[str, str]:
    """The caller's number (E.164) and IANA zone; InvalidPhoneNumberError if withheld or invalid.

    A zone the flow already learnt (``known_zone``) saves the customer read.
    """
    if known_zone and zone(known_zone) is not None and raw_number and not is_withheld(raw_number):
        return normalise_e164(raw_number, region), known_zone
    lookup = look_up_caller(raw_number, callers=callers, region=region)
    if lookup.phone is None:
        raise InvalidPhoneNumberError(f"no number to call back ({lookup.status.value})")
    customer_zone = lookup.customer.timezone if lookup.customer else None
    return lookup.phone, caller_zone(customer_zone, lookup.phone, contact_center_zone)

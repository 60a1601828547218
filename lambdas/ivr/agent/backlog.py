"""The callback backlog for supervisors: who is waiting for a callback, by queue and due time.

Amazon Connect shows no waiting callbacks. Scheduled callbacks are read a page at a time from
the due index (the sweeper's own index: a Query, never a Scan), oldest due first; immediate
(queued) callbacks, which Connect dials, from their own partition of that index, with how long
each has been waiting. Every time is shown on the caller's clock and on the center's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ivr.agent.errors import CallbackTakenError, InvalidActionError, NothingToDoError
from ivr.callbacks.scheduling import zone
from ivr.callbacks.service import Booking, Callback, CallbackService, CallbackStatus
from ivr.core.errors import ConflictError

PAGE_MAX = 50


class CallbackBacklog(Protocol):
    def scheduled_page(
        self, *, limit: int, cursor: str | None, queue: str | None
    ) -> tuple[list[Callback], str | None]:
        """Scheduled callbacks (due index), oldest due first, and the next page's cursor (None
        at the end). InvalidCursorError for a cursor it did not give out."""

    def queued_since(self, since: datetime, *, limit: int) -> list[Callback]:
        """Immediate callbacks asked for since ``since`` that are still queued, oldest first."""


@dataclass(frozen=True)
class Clock:
    """One instant on a named clock: ISO local time and the zone's name."""

    local: str
    zone: str


def on_clock(instant: datetime, zone_name: str) -> Clock:
    tz = zone(zone_name)
    shown = instant.astimezone(tz) if tz else instant
    return Clock(shown.replace(microsecond=0).isoformat(), zone_name if tz else "UTC")


@dataclass(frozen=True)
class BacklogEntry:
    callback: Callback
    caller_clock: Clock
    center_clock: Clock
    wait_seconds: int | None  # immediate callbacks: how long since the caller asked


@dataclass(frozen=True)
class BacklogPage:
    scheduled: list[BacklogEntry]
    queued: list[BacklogEntry]
    cursor: str | None


def _entry(callback: Callback, center_zone: str, now: datetime, waiting: bool) -> BacklogEntry:
    wait = int((now - callback.call_at).total_seconds()) if waiting else None
    return BacklogEntry(
        callback,
        on_clock(callback.call_at, callback.timezone),
        on_clock(callback.call_at, center_zone),
        max(0, wait) if wait is not None else None,
    )


def callback_backlog(
    *,
    store: CallbackBacklog,
    now: datetime,
    center_zone: str,
    queued_window: timedelta,
    limit: int = 20,
    cursor: str | None = None,
    queue: str | None = None,
) -> BacklogPage:
    """One page of scheduled callbacks; the queued ones come with the first page only."""
    size = min(max(limit, 1), PAGE_MAX)
    scheduled, following = store.scheduled_page(limit=size, cursor=cursor, queue=queue)
    queued = [] if cursor else store.queued_since(now - queued_window, limit=PAGE_MAX)
    if queue:
        queued = [c for c in queued if c.queue == queue]
    return BacklogPage(
        [_entry(c, center_zone, now, waiting=False) for c in scheduled],
        [_entry(c, center_zone, now, waiting=True) for c in queued],
        following,
    )


def instant_on(text: str, clock: str, *, caller_zone: str, center_zone: str) -> datetime:
    """A wall-clock time typed on the caller's or the center's clock ("2026-12-02T10:30")."""
    if clock not in {"caller", "center"}:
        raise InvalidActionError("clock: caller or center")
    tz = zone(caller_zone if clock == "caller" else center_zone)
    if tz is None:
        raise InvalidActionError("unknown time zone")
    try:
        parsed = datetime.fromisoformat(text)
    except (TypeError, ValueError) as bad:
        raise InvalidActionError("time: YYYY-MM-DDTHH:MM") from bad
    return parsed.astimezone(tz) if parsed.tzinfo else parsed.replace(tzinfo=tz)


def cancel_from_backlog(callback_id: str, *, callbacks: CallbackService) -> Callback:
    """Cancel a pending callback (SMS to the customer); a repeat answers the same."""
    current = callbacks.store.get(callback_id)
    if current is None:
        raise NothingToDoError("no such callback")
    try:
        return callbacks.cancel(callback_id)
    except ConflictError as taken:
        raise CallbackTakenError("a sweep is dialling it, or it is done") from taken


def reschedule_from_backlog(
    callback_id: str, time: str, clock: str, *, callbacks: CallbackService, center_zone: str
) -> Booking:
    """Move a scheduled callback to a time typed on the caller's or the center's clock (hours
    and capacity checked, alternatives when refused); the customer gets the usual SMS."""
    current = callbacks.store.get(callback_id)
    if current is None or current.status is not CallbackStatus.SCHEDULED:
        raise NothingToDoError("the callback is not scheduled")
    at = instant_on(time, clock, caller_zone=current.timezone, center_zone=center_zone)
    try:
        return callbacks.move_to_slot(callback_id, at)
    except ConflictError as taken:
        raise CallbackTakenError("a sweep is dialling it, or it is done") from taken

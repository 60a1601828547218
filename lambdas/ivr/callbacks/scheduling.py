"""When a callback may be placed: the caller's zone, business hours and holidays, DST, capacity.

Times are proposed in the caller's local time (Lex's AMAZON.Date and AMAZON.Time know no zone),
checked against the queue's opening hours in the queue's own zone, and stored in UTC with the
caller's zone beside them, so every later message speaks the caller's local time.

Daylight-saving rules, in every zone:
  * a local time that does not exist (the hour skipped when clocks go forward) is refused;
  * a local time that happens twice (the hour repeated when clocks go back) is resolved to its
    first occurrence, ``fold=0``, on purpose and in one place (``local_instant``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.core.errors import IvrError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The policy applied to a queue the configuration does not name.
DEFAULT_QUEUE = "default"


class PolicyError(IvrError):
    """The callback policy configuration cannot be read."""

    code = "CallbackPolicyInvalid"


def zone(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None for anything zoneinfo does not know."""
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def caller_zone(customer_zone: str | None, phone: str | None, contact_center_zone: str) -> str:
    """The caller's zone: the customer record's, else the number's region's, else the center's.

    A number whose region spans several zones (a mobile number in Australia, say) gives several
    candidates: the contact center's own zone wins if it is one of them, else the first listed.
    """
    if customer_zone and zone(customer_zone) is not None:
        return customer_zone
    for candidate in _zones_of_number(phone, contact_center_zone):
        if zone(candidate) is not None:
            return candidate
    return contact_center_zone


def _zones_of_number(phone: str | None, preferred: str) -> list[str]:
    if not phone:
        return []
    import phonenumbers
    from phonenumbers import timezone as number_zones

    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return []
    zones = [z for z in number_zones.time_zones_for_number(number) if z != "Etc/Unknown"]
    return [preferred] if preferred in zones else zones


# --- opening hours ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpeningHours:
    """A queue's opening hours, in the queue's zone: per weekday (0 = Monday) one open period."""

    timezone: str
    weekly: Mapping[int, tuple[time, time]]
    holidays: frozenset[date] = frozenset()

    @property
    def tz(self) -> ZoneInfo:
        found = zone(self.timezone)
        if found is None:
            raise PolicyError(f"unknown time zone {self.timezone!r}")
        return found

    def is_holiday(self, instant: datetime) -> bool:
        return instant.astimezone(self.tz).date() in self.holidays

    def is_open(self, instant: datetime) -> bool:
        """Open at ``instant`` (aware): a working day, not a holiday, inside the open period."""
        local = instant.astimezone(self.tz)
        period = self.weekly.get(local.weekday())
        if period is None or local.date() in self.holidays:
            return False
        opens, closes = period
        return opens <= local.time().replace(tzinfo=None) < closes

    def next_open(self, instant: datetime, horizon: timedelta = timedelta(days=31)) -> datetime:
        """The first open instant at or after ``instant`` (searched up to ``horizon``)."""
        if self.is_open(instant):
            return instant
        local = instant.astimezone(self.tz)
        for offset in range(horizon.days + 1):
            day = local.date() + timedelta(days=offset)
            period = self.weekly.get(day.weekday())
            if period is None or day in self.holidays:
                continue
            opening = local_instant(day, period[0], self.timezone)
            if opening is not None and opening >= instant:
                return opening
        raise PolicyError("no opening hours within the search horizon")


# --- the policy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackPolicy:
    """Rules for scheduling and dialling callbacks, from configuration (``CALLBACK_POLICY``)."""

    hours: Mapping[str, OpeningHours]
    slot_minutes: int = 15
    #: Callbacks one 15-minute slot can take (roughly the agents who work callbacks).
    slot_capacity: int = 4
    max_days_ahead: int = 14
    #: A scheduled callback must be at least this far ahead, so the caller can hang up first.
    min_notice_minutes: int = 15
    #: Dial attempts (Connect refused or failed to start the call) before the callback fails.
    max_attempts: int = 3
    #: Wait before each retry; the last value repeats.
    retry_minutes: tuple[int, ...] = (5, 15, 60)
    #: How long a sweep owns a claimed callback; a sweep that dies leaves it for the next one.
    lease_seconds: int = 600
    #: Connect's queued callback: delay, attempts and spacing (CreateCallbackContact parameters).
    queued_delay_seconds: int = 60
    queued_attempts: int = 3
    queued_retry_seconds: int = 600

    def hours_for(self, queue: str) -> OpeningHours:
        found = self.hours.get(queue) or self.hours.get(DEFAULT_QUEUE)
        if found is None:
            raise PolicyError(f"no opening hours for queue {queue!r}")
        return found

    @property
    def slot(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after ``attempts`` failed dial attempts (1 = the first failure)."""
        index = min(max(attempts, 1), len(self.retry_minutes)) - 1
        return timedelta(minutes=self.retry_minutes[index])

    @property
    def queued_window(self) -> timedelta:
        """How long Connect may still be dialling a queued callback: no second one meanwhile."""
        seconds = self.queued_delay_seconds + self.queued_attempts * self.queued_retry_seconds
        return timedelta(seconds=seconds)


def _clock_time(text: Any) -> time:
    if not isinstance(text, str):
        raise PolicyError(f"opening hours need HH:MM strings, got {text!r}")
    try:
        return time.fromisoformat(text)
    except ValueError as exc:
        raise PolicyError(f"not a time of day: {text!r}") from exc


def _opening_hours(spec: Mapping[str, Any], default_zone: str) -> OpeningHours:
    weekly: dict[int, tuple[time, time]] = {}
    for day, period in (spec.get("hours") or {}).items():
        if day not in WEEKDAY_NAMES or not isinstance(period, list) or len(period) != 2:
            raise PolicyError(f"hours need mon..sun: [open, close], got {day!r}: {period!r}")
        opens, closes = _clock_time(period[0]), _clock_time(period[1])
        if not opens < closes:
            raise PolicyError(f"{day}: opening {opens} is not before closing {closes}")
        weekly[WEEKDAY_NAMES.index(day)] = (opens, closes)
    try:
        holidays = frozenset(date.fromisoformat(str(d)) for d in spec.get("holidays") or [])
    except ValueError as exc:
        raise PolicyError(f"holidays must be YYYY-MM-DD: {exc}") from exc
    hours = OpeningHours(str(spec.get("timezone") or default_zone), weekly, holidays)
    hours.tz  # noqa: B018  -- an unknown zone fails here, at start-up, not on the first call
    return hours


_WEEKDAYS_8_TO_6 = {"hours": {day: ["08:00", "18:00"] for day in WEEKDAY_NAMES[:5]}}
_NUMBERS = {
    "slotMinutes": "slot_minutes",
    "slotCapacity": "slot_capacity",
    "maxDaysAhead": "max_days_ahead",
    "minNoticeMinutes": "min_notice_minutes",
    "maxAttempts": "max_attempts",
    "leaseSeconds": "lease_seconds",
    "queuedDelaySeconds": "queued_delay_seconds",
    "queuedAttempts": "queued_attempts",
    "queuedRetrySeconds": "queued_retry_seconds",
}


def parse_policy(text: str, contact_center_zone: str) -> CallbackPolicy:
    """Read ``CALLBACK_POLICY`` (JSON); empty means Mon-Fri 08:00-18:00 in the center's zone.

    ``{"queues": {"default": {"timezone": "America/New_York", "hours": {"mon": ["08:00",
    "18:00"], ...}, "holidays": ["2026-12-25"]}}, "slotCapacity": 4, "maxDaysAhead": 14, ...}``
    """
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise PolicyError(f"CALLBACK_POLICY is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError("CALLBACK_POLICY must be a JSON object")
    queues = data.get("queues") or {DEFAULT_QUEUE: _WEEKDAYS_8_TO_6}
    if not isinstance(queues, dict):
        raise PolicyError("CALLBACK_POLICY.queues must map queue names to hours")
    hours = {str(name): _opening_hours(spec, contact_center_zone) for name, spec in queues.items()}
    numbers: dict[str, Any] = {}
    for key, attribute in _NUMBERS.items():
        if key in data:
            value = data[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise PolicyError(f"CALLBACK_POLICY.{key} must be a whole number >= 1")
            numbers[attribute] = value
    retry = data.get("retryMinutes")
    if retry is not None:
        if (
            not isinstance(retry, list)
            or not retry
            or not all(isinstance(m, int) and m >= 1 for m in retry)
        ):
            raise PolicyError("CALLBACK_POLICY.retryMinutes must be a list of minutes >= 1")
        numbers["retry_minutes"] = tuple(retry)
    return CallbackPolicy(hours=hours, **numbers)


# --- local time, DST ----------------------------------------------------------------------------


def local_instant(day: date, at: time, zone_name: str) -> datetime | None:
    """``day`` at ``at`` on the wall clock of ``zone_name``, as an aware datetime.

    None when that wall time does not exist (skipped as clocks go forward). A wall time that
    happens twice (clocks go back) is its first occurrence: ``fold=0``, chosen explicitly.
    """
    tz = zone(zone_name)
    if tz is None:
        return None
    wall = datetime.combine(day, at.replace(tzinfo=None))
    candidate = wall.replace(tzinfo=tz, fold=0)
    if candidate.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return candidate


def is_repeated(day: date, at: time, zone_name: str) -> bool:
    """Whether the wall time happens twice that day (the hour repeated when clocks go back)."""
    tz = zone(zone_name)
    if tz is None:
        return False
    wall = datetime.combine(day, at.replace(tzinfo=None))
    return (
        wall.replace(tzinfo=tz, fold=0).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset()
    )


def spoken(instant: datetime, zone_name: str) -> str:
    """'Wednesday, December 2 at 3 PM' in the caller's zone."""
    tz = zone(zone_name) or UTC
    local = instant.astimezone(tz)
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local.minute:02d}" if local.minute else str(hour)
    meridiem = "AM" if local.hour < 12 else "PM"
    return f"{local:%A, %B} {local.day} at {clock} {meridiem}"


#: Zones as callers name them; a zone not listed is named after its city ("Tokyo time").
_ZONE_NAMES = {
    "America/New_York": "Eastern time",
    "America/Detroit": "Eastern time",
    "America/Toronto": "Eastern time",
    "America/Chicago": "Central time",
    "America/Winnipeg": "Central time",
    "America/Denver": "Mountain time",
    "America/Phoenix": "Arizona time",
    "America/Edmonton": "Mountain time",
    "America/Los_Angeles": "Pacific time",
    "America/Vancouver": "Pacific time",
    "America/Anchorage": "Alaska time",
    "Pacific/Honolulu": "Hawaii time",
    "Europe/London": "UK time",
}


def zone_spoken(zone_name: str) -> str:
    """'America/Chicago' -> 'Central time': the zone as a caller says it, never its IANA id."""
    named = _ZONE_NAMES.get(zone_name)
    if named:
        return named
    city = zone_name.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} time" if city else "local time"


def floor_to_slot(instant: datetime, slot: timedelta) -> datetime:
    """The start of the capacity slot ``instant`` falls in (slots count from midnight UTC)."""
    utc = instant.astimezone(UTC)
    midnight = utc.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + ((utc - midnight) // slot) * slot


# --- deciding a proposal ------------------------------------------------------------------------


class Refusal(StrEnum):
    UNREADABLE = "unreadable"  # no day, or no time Lex could resolve
    AMBIGUOUS = "ambiguous"  # "ten o'clock": 10 AM or 10 PM?
    NONEXISTENT = "nonexistent"  # in the hour skipped when clocks go forward
    PAST = "past"  # not far enough ahead (or gone)
    TOO_FAR = "too_far"  # beyond max_days_ahead
    HOLIDAY = "holiday"
    CLOSED = "closed"  # outside business hours or days
    FULL = "full"  # the slot has no capacity left


@dataclass(frozen=True)
class Proposal:
    """What the caller asked for, in their own wall-clock time."""

    day: date | None
    at: time | None
    #: When Lex could not tell the time ("ten o'clock"), the candidates it resolved.
    choices: tuple[time, ...] = ()


@dataclass(frozen=True)
class Decision:
    """Accepted at ``at`` (UTC), or refused with the nearest valid times (UTC) to offer instead."""

    at: datetime | None
    refusal: Refusal | None = None
    alternatives: tuple[datetime, ...] = ()
    #: The requested time was in the repeated hour and was read as its first occurrence.
    repeated_hour: bool = False

    @property
    def accepted(self) -> bool:
        return self.at is not None


#: Reads how many callbacks each slot of a queue holds: one batch read for many slots.
SlotLoads = Callable[[str, list[datetime]], Mapping[datetime, int]]


@dataclass(frozen=True)
class Scheduler:
    """Decides proposals for one queue against the policy and the stored slot loads."""

    policy: CallbackPolicy
    queue: str
    slot_loads: SlotLoads
    #: How many nearest alternatives to offer when a proposal is refused.
    alternatives_wanted: int = 2
    _candidates_per_read: int = field(default=24, repr=False)

    @property
    def hours(self) -> OpeningHours:
        return self.policy.hours_for(self.queue)

    def earliest(self, now: datetime) -> datetime:
        return now + timedelta(minutes=self.policy.min_notice_minutes)

    def latest(self, now: datetime) -> datetime:
        return now + timedelta(days=self.policy.max_days_ahead)

    def decide(self, proposal: Proposal, caller_zone_name: str, now: datetime) -> Decision:
        """Accept the proposal, or refuse it with the reason and the nearest valid times."""
        if proposal.day is None or (proposal.at is None and not proposal.choices):
            return self._refuse(Refusal.UNREADABLE, self.earliest(now), now)
        if proposal.at is None:
            return self._ambiguous(proposal, caller_zone_name, now)
        wanted = local_instant(proposal.day, proposal.at, caller_zone_name)
        if wanted is None:
            # The nearest valid times to a skipped wall time: start from the hour after it.
            around = local_instant(proposal.day, time(0), caller_zone_name) or now
            target = around + timedelta(hours=proposal.at.hour, minutes=proposal.at.minute)
            return self._refuse(Refusal.NONEXISTENT, target, now)
        repeated = is_repeated(proposal.day, proposal.at, caller_zone_name)
        refusal = self.problem(wanted, now)
        if refusal is not None:
            return self._refuse(refusal, wanted, now)
        return Decision(wanted.astimezone(UTC), repeated_hour=repeated)

    def problem(self, wanted: datetime, now: datetime) -> Refusal | None:
        """Why ``wanted`` (aware) cannot be booked, or None if it can."""
        if wanted < self.earliest(now):
            return Refusal.PAST
        if wanted > self.latest(now):
            return Refusal.TOO_FAR
        if self.hours.is_holiday(wanted):
            return Refusal.HOLIDAY
        if not self.hours.is_open(wanted):
            return Refusal.CLOSED
        slot = floor_to_slot(wanted, self.policy.slot)
        if self.slot_loads(self.queue, [slot]).get(slot, 0) >= self.policy.slot_capacity:
            return Refusal.FULL
        return None

    def _ambiguous(self, proposal: Proposal, zone_name: str, now: datetime) -> Decision:
        assert proposal.day is not None
        valid = []
        for choice in proposal.choices:
            instant = local_instant(proposal.day, choice, zone_name)
            if instant is not None and self.problem(instant, now) is None:
                valid.append(instant.astimezone(UTC))
        if valid:
            return Decision(None, Refusal.AMBIGUOUS, tuple(valid[: self.alternatives_wanted]))
        first = local_instant(proposal.day, proposal.choices[0], zone_name) or now
        return self._refuse(Refusal.AMBIGUOUS, first, now)

    def _refuse(self, refusal: Refusal, target: datetime, now: datetime) -> Decision:
        return Decision(None, refusal, self.nearest(target, now))

    def nearest(self, target: datetime, now: datetime) -> tuple[datetime, ...]:
        """Bookable slot starts near ``target``: the nearest after it and the nearest before it
        (two on one side when the other has none), inside the horizon, open and not full."""
        earliest, latest = self.earliest(now), self.latest(now)
        clamped = min(max(target, earliest), latest)
        wanted = self.alternatives_wanted
        after = self._free(self._open_slots(clamped, earliest, latest, forward=True), wanted)
        before = self._free(self._open_slots(clamped, earliest, latest, forward=False), wanted)
        picks = after[:1] + before[:1]
        for extra in after[1:] + before[1:]:
            if len(picks) < wanted:
                picks.append(extra)
        return tuple(sorted(picks[:wanted]))

    def _free(self, candidates: Iterator[datetime], wanted: int) -> list[datetime]:
        """The first ``wanted`` candidates with room, reading slot loads a batch at a time."""
        found: list[datetime] = []
        while len(found) < wanted:
            batch = list(islice(candidates, self._candidates_per_read))
            if not batch:
                break
            loads = self.slot_loads(self.queue, batch)
            free = [s for s in batch if loads.get(s, 0) < self.policy.slot_capacity]
            found.extend(free[: wanted - len(found)])
        return found

    def _open_slots(
        self, target: datetime, earliest: datetime, latest: datetime, *, forward: bool
    ) -> Iterator[datetime]:
        """Open slot starts inside [earliest, latest], from ``target`` outwards (UTC)."""
        step = self.policy.slot
        base = floor_to_slot(target, step)
        if forward and base < target:
            base += step  # a slot that started before the target is not "after" it
        elif not forward:
            base = base - step if base >= target else base
        direction = step if forward else -step
        candidate = base
        while earliest <= candidate <= latest:
            if self.hours.is_open(candidate):
                yield candidate.astimezone(UTC)
            candidate += direction


def proposal_from_slots(day: str | None, at: str | None, choices: str | None = None) -> Proposal:
    """A Proposal from Lex's AMAZON.Date / AMAZON.Time values ("2026-12-02", "15:00")."""
    return Proposal(
        _day(day), _time(at), tuple(t for t in map(_time, (choices or "").split(",")) if t)
    )


def _day(text: str | None) -> date | None:
    if not text or len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _time(text: str | None) -> time | None:
    text = (text or "").strip()
    if len(text) != 5 or text[2] != ":":
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


#: What the IVR says when it refuses a time (the nearest valid times follow).
REFUSAL_SPOKEN: dict[Refusal, str] = {
    Refusal.UNREADABLE: "Sorry, I didn't get a day and a time.",
    Refusal.AMBIGUOUS: "Sorry, I'm not sure whether you meant the morning or the evening.",
    Refusal.NONEXISTENT: "That time doesn't exist on that day, because the clocks go forward.",
    Refusal.PAST: "That time is too soon for us to call you back.",
    Refusal.TOO_FAR: "We can only book callbacks up to two weeks ahead.",
    Refusal.HOLIDAY: "We're closed that day for a holiday.",
    Refusal.CLOSED: "That time is outside our opening hours.",
    Refusal.FULL: "That time is fully booked.",
}


def offer_spoken(alternatives: Sequence[datetime], zone_name: str) -> str:
    """The alternatives read to the caller with the key for each, and the way out (press 3)."""
    if not alternatives:
        return ""
    keys = [f"{spoken(at, zone_name)}, press {number}" for number, at in enumerate(alternatives, 1)]
    return f"I can call you on {', or on '.join(keys)}. To choose another time, press 3."

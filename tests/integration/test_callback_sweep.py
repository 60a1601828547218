"""The sweeper dials every due callback exactly once: late runs, overlapping runs, crashed runs."""

from __future__ import annotations

import threading
import time as wallclock
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ivr.callbacks.scheduling import CallbackPolicy, parse_policy
from ivr.callbacks.service import (
    Callback,
    CallbackStatus,
    DialError,
    Slot,
    sweep_due_callbacks,
)
from tests import fakes

NEW_YORK = "America/New_York"
# Wednesday 2 December 2026, 08:00 in New York (EST, UTC-5).
EIGHT = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
POLICY: CallbackPolicy = parse_policy(
    '{"slotCapacity": 100, "leaseSeconds": 600, "maxAttempts": 3, "retryMinutes": [5, 15, 60]}',
    NEW_YORK,
)


@pytest.fixture(params=["fake", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield fakes.FakeCallbackStore()
        return
    request.getfixturevalue("aws")
    from ivr.adapters.dynamodb.callbacks import DynamoCallbackStore

    yield DynamoCallbackStore()


class RecordingDialer:
    """Counts calls per callback; like Connect, a token seen before returns the same contact."""

    def __init__(self, *, pause: float = 0.0, fail_with: DialError | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.pause = pause
        self.fail_with = fail_with
        self._lock = threading.Lock()

    def dial(self, callback: Callback, client_token: str) -> str:
        if self.pause:
            wallclock.sleep(self.pause)
        with self._lock:
            self.calls.append((callback.callback_id, client_token))
        if self.fail_with is not None:
            raise self.fail_with
        return f"contact-for-{client_token}"

    def find_call(self, callback: Callback, *, since: datetime, until: datetime) -> str | None:
        return None  # it keeps no contacts: the tests of the search are in test_dialer

    def dialled(self) -> Counter[str]:
        return Counter(callback_id for callback_id, _ in self.calls)


def book(store: Any, callback_id: str, at: datetime, number: int) -> None:
    callback = Callback(
        callback_id=callback_id,
        phone=f"+1312555{number:04d}",
        queue="BasicQueue",
        call_at=at,
        timezone=NEW_YORK,
        status=CallbackStatus.SCHEDULED,
        due_at=at,
        contact_id=f"contact-{callback_id}",
    )
    slot = Slot("BasicQueue", at, 100)
    store.schedule(callback, now=at - timedelta(days=1), pending_until=None, slot=slot)


def sweep(store: Any, dialer: Any, at: datetime) -> Any:
    return sweep_due_callbacks(store=store, dialer=dialer, policy=POLICY, now=at)


def test_sweeps_at_eight_and_five_past_and_after_an_outage_dial_everything_due_once(
    store: Any,
) -> None:
    minutes = {"a": 0, "b": 2, "c": 5, "d": 20, "e": 45}
    for number, (callback_id, minute) in enumerate(minutes.items(), start=100):
        book(store, callback_id, EIGHT + timedelta(minutes=minute), number)
    dialer = RecordingDialer()

    assert [c.callback_id for c in sweep(store, dialer, EIGHT).dialled] == ["a"]
    five_past = sweep(store, dialer, EIGHT + timedelta(minutes=5)).dialled
    assert [c.callback_id for c in five_past] == ["b", "c"]
    # The sweeps from 08:10 to 08:45 never ran; the 08:50 one finds what they missed.
    after_outage = sweep(store, dialer, EIGHT + timedelta(minutes=50)).dialled
    assert [c.callback_id for c in after_outage] == ["d", "e"]
    assert sweep(store, dialer, EIGHT + timedelta(minutes=55)).dialled == []
    assert dialer.dialled() == dict.fromkeys(minutes, 1)
    assert all(store.get(c).status is CallbackStatus.DIALLED for c in minutes)


def test_a_sweep_reads_only_what_is_due(store: Any) -> None:
    for number in range(20):
        book(store, f"later-{number}", EIGHT + timedelta(days=1, minutes=number), 100 + number)
    book(store, "due", EIGHT, 199)
    report = sweep(store, RecordingDialer(), EIGHT)
    assert report.read == 1


def test_two_sweeps_started_together_dial_each_callback_once(store: Any) -> None:
    ids = [f"cb-{n:02d}" for n in range(30)]
    for number, callback_id in enumerate(ids, start=100):
        book(store, callback_id, EIGHT - timedelta(minutes=number % 7), number)
    dialer = RecordingDialer(pause=0.002)
    start = threading.Barrier(2)
    reports: list[Any] = []
    failures: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            reports.append(sweep(store, dialer, EIGHT))
        except BaseException as error:  # surfaced by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert dialer.dialled() == dict.fromkeys(ids, 1)
    assert sum(len(r.dialled) for r in reports) == 30


class Killed(BaseException):
    """The Lambda was stopped mid-sweep (timeout, crash): nothing after this point ran."""


class DiesOnThirdCall(RecordingDialer):
    def dial(self, callback: Callback, client_token: str) -> str:
        if len(self.calls) == 2:
            self.calls.append((callback.callback_id, client_token))
            raise Killed
        return super().dial(callback, client_token)


def test_a_sweep_killed_mid_way_is_recovered_by_the_next_once_the_lease_ends(
    store: Any,
) -> None:
    ids = ["a", "b", "c", "d", "e"]
    for number, callback_id in enumerate(ids):
        book(store, callback_id, EIGHT + timedelta(seconds=number), 100 + number)
    dying = DiesOnThirdCall()
    with pytest.raises(Killed):
        sweep(store, dying, EIGHT + timedelta(minutes=1))
    assert [c for c, _ in dying.calls] == ["a", "b", "c"]  # "c" was claimed, the call unknown

    dialer = RecordingDialer()
    five_past = sweep(store, dialer, EIGHT + timedelta(minutes=5))
    assert [c.callback_id for c in five_past.dialled] == ["d", "e"]  # "c" is still leased
    after_lease = sweep(store, dialer, EIGHT + timedelta(minutes=15))
    assert [c.callback_id for c in after_lease.dialled] == ["c"]
    # The take-over sends the dead sweep's token: Connect answers with the call it started.
    assert dict(dialer.calls)["c"] == dict(dying.calls)["c"]
    everyone = Counter(c for c, _ in dying.calls[:2]) + dialer.dialled()
    assert everyone == dict.fromkeys(ids, 1)


def test_failed_dials_retry_with_backoff_inside_hours_then_fail(store: Any) -> None:
    five_to_six = EIGHT + timedelta(hours=9, minutes=50)  # 17:50 local
    book(store, "cb", five_to_six, 100)
    dialer = RecordingDialer(fail_with=DialError("ThrottlingException"))

    first = sweep(store, dialer, five_to_six)
    assert [c.callback_id for c in first.retried] == ["cb"]
    assert store.get("cb").due_at == five_to_six + timedelta(minutes=5)
    second = sweep(store, dialer, five_to_six + timedelta(minutes=5))
    assert [c.callback_id for c in second.retried] == ["cb"]
    # 15 minutes on would be 18:10, after closing: the retry waits for 08:00 next morning.
    next_morning = EIGHT + timedelta(days=1)
    assert store.get("cb").due_at == next_morning
    third = sweep(store, dialer, next_morning)
    assert [c.callback_id for c in third.failed] == ["cb"]
    assert store.get("cb").status is CallbackStatus.FAILED
    tokens = [token for _, token in dialer.calls]
    assert len(tokens) == len(set(tokens)) == 3  # a new token for each real attempt


def test_a_refused_number_fails_at_once(store: Any) -> None:
    book(store, "cb", EIGHT, 100)
    dialer = RecordingDialer(fail_with=DialError("DestinationNotAllowedException", retryable=False))
    report = sweep(store, dialer, EIGHT)
    assert [c.callback_id for c in report.failed] == ["cb"]
    assert store.get("cb").last_error == "DestinationNotAllowedException"


def test_a_callback_found_due_while_closed_waits_for_the_opening(store: Any) -> None:
    book(store, "cb", EIGHT - timedelta(hours=1), 100)  # 07:00, before opening
    dialer = RecordingDialer()
    report = sweep(store, dialer, EIGHT - timedelta(minutes=30))
    assert [c.callback_id for c in report.deferred] == ["cb"]
    assert dialer.calls == []
    assert [c.callback_id for c in sweep(store, dialer, EIGHT).dialled] == ["cb"]


def test_a_sweep_stops_claiming_when_its_time_runs_out(store: Any) -> None:
    for number in range(3):
        book(store, f"cb-{number}", EIGHT, 100 + number)
    left = iter([60.0, 60.0, 5.0, 5.0, 5.0])
    report = sweep_due_callbacks(
        store=store,
        dialer=RecordingDialer(),
        policy=POLICY,
        now=EIGHT,
        seconds_left=lambda: next(left, 0.0),
    )
    assert len(report.dialled) == 1
    assert len(store.due(EIGHT)) == 2  # left for the next run, unclaimed

"""Callback times: the caller's zone, opening hours, holidays, capacity and daylight saving."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ivr.callbacks.scheduling import (
    CallbackPolicy,
    PolicyError,
    Proposal,
    Refusal,
    Scheduler,
    caller_zone,
    local_instant,
    parse_policy,
    proposal_from_slots,
)

NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"


def policy(zone: str = NEW_YORK, **settings: object) -> CallbackPolicy:
    spec = {"queues": {"default": {"timezone": zone, **settings}}}
    import json

    return parse_policy(json.dumps(spec), NEW_YORK)


def around_the_clock(zone: str) -> CallbackPolicy:
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return policy(zone, hours={day: ["00:00", "23:59"] for day in days})


def office_hours(zone: str = NEW_YORK, holidays: tuple[str, ...] = ()) -> CallbackPolicy:
    days = ["mon", "tue", "wed", "thu", "fri"]
    return policy(zone, hours={d: ["08:00", "18:00"] for d in days}, holidays=list(holidays))


def empty_slots(queue: str, starts: list[datetime]) -> Mapping[datetime, int]:
    return dict.fromkeys(starts, 0)


def scheduler(rules: CallbackPolicy, loads=empty_slots) -> Scheduler:  # type: ignore[no-untyped-def]
    return Scheduler(rules, "BasicQueue", loads)


def local(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


# Tuesday 1 December 2026, 10:00 in New York.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_tomorrow_3pm_is_3pm_in_the_callers_zone_stored_in_utc() -> None:
    decision = scheduler(office_hours()).decide(
        Proposal(date(2026, 12, 2), time(15)), NEW_YORK, NOW
    )
    assert decision.at == datetime(2026, 12, 2, 20, 0, tzinfo=UTC)


def test_a_caller_in_another_zone_is_read_in_their_own_zone() -> None:
    # 3 pm in Chicago is 4 pm in New York, inside the center's hours.
    decision = scheduler(office_hours()).decide(
        Proposal(date(2026, 12, 2), time(15)), "America/Chicago", NOW
    )
    assert decision.at == datetime(2026, 12, 2, 21, 0, tzinfo=UTC)


def test_outside_business_hours_is_refused_with_the_nearest_times_either_side() -> None:
    decision = scheduler(office_hours()).decide(
        Proposal(date(2026, 12, 2), time(19)), NEW_YORK, NOW
    )
    assert decision.refusal is Refusal.CLOSED
    assert [local(a, NEW_YORK) for a in decision.alternatives] == [
        "2026-12-02 17:45",
        "2026-12-03 08:00",
    ]


def test_a_weekend_day_is_closed() -> None:
    decision = scheduler(office_hours()).decide(
        Proposal(date(2026, 12, 5), time(11)), NEW_YORK, NOW
    )
    assert decision.refusal is Refusal.CLOSED
    assert [local(a, NEW_YORK) for a in decision.alternatives] == [
        "2026-12-04 17:45",
        "2026-12-07 08:00",
    ]


def test_a_holiday_is_refused() -> None:
    rules = office_hours(holidays=("2026-12-08",))
    decision = scheduler(rules).decide(Proposal(date(2026, 12, 8), time(11)), NEW_YORK, NOW)
    assert decision.refusal is Refusal.HOLIDAY
    assert all(local(a, NEW_YORK)[:10] != "2026-12-08" for a in decision.alternatives)


def test_thirty_days_ahead_is_refused_with_times_inside_the_horizon() -> None:
    decision = scheduler(office_hours()).decide(
        Proposal(date(2026, 12, 31), time(15)), NEW_YORK, NOW
    )
    assert decision.refusal is Refusal.TOO_FAR
    assert decision.alternatives
    assert all(a <= NOW + timedelta(days=14) for a in decision.alternatives)


def test_a_time_already_past_is_refused_with_the_earliest_times() -> None:
    decision = scheduler(office_hours()).decide(Proposal(date(2026, 12, 1), time(9)), NEW_YORK, NOW)
    assert decision.refusal is Refusal.PAST
    assert [local(a, NEW_YORK) for a in decision.alternatives] == [
        "2026-12-01 10:15",
        "2026-12-01 10:30",
    ]


def test_a_full_slot_is_refused_and_full_slots_are_not_offered() -> None:
    full = {datetime(2026, 12, 2, 20, 0, tzinfo=UTC), datetime(2026, 12, 2, 20, 15, tzinfo=UTC)}

    def loads(queue: str, starts: list[datetime]) -> Mapping[datetime, int]:
        return {s: (4 if s in full else 0) for s in starts}

    decision = scheduler(office_hours(), loads).decide(
        Proposal(date(2026, 12, 2), time(15)), NEW_YORK, NOW
    )
    assert decision.refusal is Refusal.FULL
    assert [local(a, NEW_YORK) for a in decision.alternatives] == [
        "2026-12-02 14:45",
        "2026-12-02 15:30",
    ]


def test_ten_oclock_is_ambiguous_and_only_the_bookable_reading_is_offered() -> None:
    proposal = proposal_from_slots("2026-12-02", None, "10:00,22:00")
    decision = scheduler(office_hours()).decide(proposal, NEW_YORK, NOW)
    assert decision.refusal is Refusal.AMBIGUOUS
    assert [local(a, NEW_YORK) for a in decision.alternatives] == ["2026-12-02 10:00"]


def test_no_day_or_time_is_unreadable() -> None:
    decision = scheduler(office_hours()).decide(
        proposal_from_slots("2026-W49", "15:00"), NEW_YORK, NOW
    )
    assert decision.refusal is Refusal.UNREADABLE


# --- daylight saving, northern hemisphere (New York) --------------------------------------------


def test_new_york_spring_forward_gap_is_refused() -> None:
    now = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
    decision = scheduler(around_the_clock(NEW_YORK)).decide(
        Proposal(date(2027, 3, 14), time(2, 30)), NEW_YORK, now
    )
    assert decision.refusal is Refusal.NONEXISTENT
    assert [local(a, NEW_YORK) for a in decision.alternatives] == [
        "2027-03-14 03:15",
        "2027-03-14 03:30",
    ]


def test_new_york_repeated_autumn_hour_is_its_first_occurrence() -> None:
    now = datetime(2026, 10, 28, 15, 0, tzinfo=UTC)
    decision = scheduler(around_the_clock(NEW_YORK)).decide(
        Proposal(date(2026, 11, 1), time(1, 30)), NEW_YORK, now
    )
    assert decision.at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST
    assert decision.repeated_hour is True


def test_new_york_3pm_is_3pm_on_both_sides_of_the_change() -> None:
    now = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
    rules = office_hours()
    before = scheduler(rules).decide(Proposal(date(2027, 3, 12), time(15)), NEW_YORK, now)
    after = scheduler(rules).decide(Proposal(date(2027, 3, 15), time(15)), NEW_YORK, now)
    assert before.at == datetime(2027, 3, 12, 20, 0, tzinfo=UTC)
    assert after.at == datetime(2027, 3, 15, 19, 0, tzinfo=UTC)


# --- daylight saving, southern hemisphere (Sydney) ----------------------------------------------


def test_sydney_spring_forward_gap_in_october_is_refused() -> None:
    now = datetime(2026, 9, 30, 0, 0, tzinfo=UTC)
    decision = scheduler(around_the_clock(SYDNEY)).decide(
        Proposal(date(2026, 10, 4), time(2, 30)), SYDNEY, now
    )
    assert decision.refusal is Refusal.NONEXISTENT
    assert all(local(a, SYDNEY) >= "2026-10-04 03:00" for a in decision.alternatives)


def test_sydney_repeated_april_hour_is_its_first_occurrence() -> None:
    now = datetime(2027, 3, 31, 0, 0, tzinfo=UTC)
    decision = scheduler(around_the_clock(SYDNEY)).decide(
        Proposal(date(2027, 4, 4), time(2, 30)), SYDNEY, now
    )
    assert decision.at == datetime(2027, 4, 3, 15, 30, tzinfo=UTC)  # 02:30 AEDT (UTC+11)
    assert decision.repeated_hour is True


def test_sydney_opening_hours_follow_the_local_clock_across_the_change() -> None:
    rules = office_hours(SYDNEY)
    hours = rules.hours_for("BasicQueue")
    # Friday 2 April 2027 08:00 AEDT (UTC+11) and Monday 5 April 08:00 AEST (UTC+10).
    assert hours.is_open(datetime(2027, 4, 1, 21, 0, tzinfo=UTC))
    assert not hours.is_open(datetime(2027, 4, 4, 21, 0, tzinfo=UTC) - timedelta(minutes=1))
    assert hours.is_open(datetime(2027, 4, 4, 22, 0, tzinfo=UTC))


def test_local_instant_refuses_a_skipped_time_and_keeps_real_ones() -> None:
    assert local_instant(date(2027, 3, 14), time(2, 30), NEW_YORK) is None
    assert local_instant(date(2027, 3, 14), time(3, 0), NEW_YORK) is not None


# --- the caller's zone and the policy -----------------------------------------------------------


def test_the_customer_records_zone_wins() -> None:
    assert caller_zone(SYDNEY, "+13125550142", NEW_YORK) == SYDNEY


def test_without_a_record_the_numbers_region_gives_the_zone() -> None:
    assert caller_zone(None, "+13125550142", NEW_YORK) == "America/Chicago"
    assert caller_zone(None, "+442079460123", NEW_YORK) == "Europe/London"
    assert caller_zone("Not/AZone", "+12025550100", "America/Chicago") == NEW_YORK


def test_without_a_usable_number_the_contact_centers_zone_is_used() -> None:
    assert caller_zone(None, None, NEW_YORK) == NEW_YORK
    assert caller_zone(None, "garbage", NEW_YORK) == NEW_YORK


def test_an_empty_policy_is_weekdays_eight_to_six_in_the_centers_zone() -> None:
    rules = parse_policy("", "Europe/London")
    hours = rules.hours_for("AnyQueue")
    assert hours.timezone == "Europe/London"
    assert sorted(hours.weekly) == [0, 1, 2, 3, 4]
    assert rules.max_days_ahead == 14


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"queues": {"default": {"timezone": "Mars/Olympus"}}}',
        '{"queues": {"default": {"hours": {"mon": ["18:00", "08:00"]}}}}',
        '{"queues": {"default": {"hours": {"someday": ["08:00", "18:00"]}}}}',
        '{"slotCapacity": 0}',
        '{"retryMinutes": []}',
        '{"queues": {"default": {"holidays": ["Christmas"]}}}',
    ],
)
def test_a_broken_policy_is_reported(text: str) -> None:
    with pytest.raises(PolicyError):
        parse_policy(text, NEW_YORK)

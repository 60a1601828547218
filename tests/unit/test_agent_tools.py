"""The agent's tools with fakes: times typed on either clock, notes once per key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ivr.agent.access import Agent
from ivr.agent.backlog import instant_on
from ivr.agent.errors import InvalidActionError
from ivr.agent.tools import add_note
from tests.fakes import FakeActivityLog

AGENT = Agent("7d3c1a52-0001-4e6f-9a41-5b2c8e0d1001", "agent")
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


class FakeStepClaims:
    def __init__(self) -> None:
        self.held: dict[str, str] = {}

    def claim(self, key: str, value: str) -> str:
        return self.held.setdefault(key, value)

    def release(self, key: str, value: str) -> None:
        if self.held.get(key) == value:
            del self.held[key]


def test_a_time_on_the_callers_clock_is_in_the_callers_zone() -> None:
    at = instant_on("2026-12-03T15:00", "caller", caller_zone="Europe/London", center_zone="UTC")
    assert at.astimezone(UTC) == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def test_a_time_on_the_centers_clock_is_in_the_centers_zone() -> None:
    at = instant_on(
        "2026-07-03T10:00", "center", caller_zone="Europe/London", center_zone="America/New_York"
    )
    assert at.astimezone(UTC) == datetime(2026, 7, 3, 14, 0, tzinfo=UTC)  # EDT, UTC-4


@pytest.mark.parametrize(
    ("text", "clock", "zone"),
    [
        ("tomorrow", "caller", "Europe/London"),
        ("2026-12-03T15:00", "moon", "UTC"),
        ("2026-12-03T15:00", "caller", "Mars/Olympus"),
    ],
)
def test_what_is_no_time_on_a_known_clock_is_refused(text: str, clock: str, zone: str) -> None:
    with pytest.raises(InvalidActionError):
        instant_on(text, clock, caller_zone=zone, center_zone="America/New_York")


def test_a_note_is_added_once_per_key_and_never_without_one() -> None:
    activity, claims = FakeActivityLog(), FakeStepClaims()
    contact = "6f1c2a4e-7b3d-4e5f-8a9b-0c1d2e3f4a5b"

    first = add_note(
        contact,
        "key-00000001",
        " Wants  a receipt ",
        agent=AGENT,
        now=NOW,
        activity=activity,
        claims=claims,
    )
    again = add_note(
        contact,
        "key-00000001",
        "Wants a receipt",
        agent=AGENT,
        now=NOW,
        activity=activity,
        claims=claims,
    )

    assert (first, again) == (True, False)
    notes = [(e.kind, e.text, e.data["agentId"]) for e in activity.for_contact(contact)]
    assert notes == [("note", "Wants a receipt", AGENT.user_id)]
    with pytest.raises(InvalidActionError):
        add_note(contact, "", "text", agent=AGENT, now=NOW, activity=activity, claims=claims)
    with pytest.raises(InvalidActionError):
        add_note(
            contact, "key-00000002", "   ", agent=AGENT, now=NOW, activity=activity, claims=claims
        )

"""Scenario keys that fill gaps writers found: per-call callback hours, a portal page kept."""

from __future__ import annotations

import os

import pytest

from simulator.portal_client import PortalStepError, use_portal
from simulator.scenario import ScenarioError, callback_policy_of


def test_callback_hours_hold_for_the_call_only() -> None:
    from ivr import wiring

    before = os.environ.get("CALLBACK_POLICY")
    with callback_policy_of({"callback_hours": {"holidays": ["2026-12-25"]}}):
        policy = wiring.callback_policy()
        assert [str(d) for d in policy.hours_for("default").holidays] == ["2026-12-25"]
    assert os.environ.get("CALLBACK_POLICY") == before
    assert not wiring.callback_policy().hours_for("default").holidays


def test_wrong_callback_hours_are_the_scenarios_error() -> None:
    with (
        pytest.raises(ScenarioError, match="holidays must be YYYY-MM-DD"),
        callback_policy_of({"callback_hours": {"holidays": ["Christmas"]}}),
    ):
        pass


def test_continuing_on_a_portal_page_needs_one_verified_first() -> None:
    with pytest.raises(PortalStepError, match="no earlier portal step verified a page"):
        use_portal({"continue": True, "card": "4242424242424242"}, heard=[])

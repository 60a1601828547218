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


def test_a_portal_step_opens_the_link_texted_to_its_own_caller() -> None:
    # Several calls at once share one outbox: the latest link in it may be another caller's.
    from ivr import wiring
    from ivr.notify import Channel, OutgoingMessage
    from simulator.portal_client import texted_link

    wiring.local_outbox.cache_clear()
    mine = "https://pay.example.com/pay/11111111-1111-4111-8111-111111111111#mytoken"
    theirs = "https://pay.example.com/pay/22222222-2222-4222-8222-222222222222#theirtoken"
    try:
        outbox = wiring.local_outbox()
        outbox.send(OutgoingMessage(Channel.SMS, "+13125550142", f"Pay: {mine}", "a"))
        outbox.send(OutgoingMessage(Channel.SMS, "+12025550100", f"Pay: {theirs}", "b"))
        assert texted_link("+13125550142") == ("11111111-1111-4111-8111-111111111111", "mytoken")
        assert texted_link()[1] == "theirtoken"  # unknown caller: the latest link, as before
    finally:
        wiring.local_outbox.cache_clear()

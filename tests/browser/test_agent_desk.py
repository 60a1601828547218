"""The agent's desk in headless Chromium: during a call the agent sends a new payment link and
the caller pays through it; a supervisor cancels a scheduled callback from the backlog and the
sweeper never dials it. Screenshots at 1280 and 1024 pixels; axe-core finds nothing serious."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from simulator.paths import ROOT
from tests.browser.conftest import (
    ContactCenter,
    new_context,
    screenshot,
    serious_accessibility_problems,
)

pytestmark = pytest.mark.browser

#: Real time: the IVR part of these journeys never waits for a time limit to run out.
TIME_SCALE = 1.0

BEN = "+12025550100"
CHLOE = "+442079460321"
LONDON = ZoneInfo("Europe/London")


def sign_in(page: Any, center: ContactCenter, username: str) -> None:
    page.goto(f"{center.url}/agent")
    page.get_by_label("Name").fill(username)
    page.get_by_label("Password").fill("local-agent")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {username}").wait_for()


def call_and_say(center: ContactCenter, number: str, words: str, then: str) -> None:
    center.wait_until_idle(number)
    status, body = center.post("/phone/call", {"number": number, "voice": "authenticated"})
    assert status == 201, body
    center.wait_for_prompt(number, "How can I help you today")
    center.post("/phone/input", {"number": number, "type": "say", "text": words})
    center.wait_for_prompt(number, then)


def test_an_agent_sends_a_new_link_during_the_call_and_the_caller_pays_through_it(
    contact_center: ContactCenter, browser: Any, phone_context: Any, desk_context: Any
) -> None:
    call_and_say(contact_center, BEN, "I'd like to speak to an agent", "Connecting you to an agent")
    phone = phone_context.new_page()
    phone.goto(f"{contact_center.url}/phone?from={BEN}")
    phone.get_by_text("Waiting in the queue for an agent.").wait_for()

    desk = desk_context.new_page()
    sign_in(desk, contact_center, "agent")
    desk.locator("#queue li", has_text=BEN).get_by_role("button", name="Accept").click()
    desk.get_by_role("heading", name="Ben Carter").wait_for()
    tools = desk.get_by_role("region", name="Actions")
    # By keyboard, as an agent with a headset on does it: focus the button, press Enter.
    tools.get_by_role("button", name="Send a new payment link").focus()
    desk.keyboard.press("Enter")
    pin_line = tools.locator("#link-pin")
    pin_line.wait_for()
    pin = re.sub(r"\D", "", pin_line.inner_text())
    assert len(pin) == 6
    assert "$310.75 was texted to the caller" in tools.get_by_role("status").inner_text()
    desk.locator("#transcript li", has_text="new payment link for $310.75").wait_for()
    desk.locator("#facts").get_by_text("$310.75 - waiting").wait_for()  # the card follows it
    screenshot(desk, "agent-desk-1280-link-sent")
    tools.get_by_role("button", name="Unlock keypad").click()  # the existing endpoint, routed
    tools.get_by_role("status").filter(has_text="Keypad unlocked").wait_for()
    assert serious_accessibility_problems(desk) == []

    # The agent's view at 1024 pixels: the same contact, the same tools.
    narrow = new_context(browser, 1024, 900)
    try:
        small = narrow.new_page()
        sign_in(small, contact_center, "agent")
        small.locator("#queue li", has_text=BEN).get_by_role("button", name="Open").click()
        small.get_by_role("heading", name="Ben Carter").wait_for()
        small.get_by_role("region", name="Actions").wait_for()
        screenshot(small, "agent-desk-1024")
        assert serious_accessibility_problems(small) == []
    finally:
        narrow.close()

    # Another agent sees the call in the queue but may not open it.
    other = new_context(browser, 1280, 900)
    try:
        elsewhere = other.new_page()
        sign_in(elsewhere, contact_center, "agent2")
        elsewhere.locator("#queue li", has_text=BEN).get_by_role("button", name="Open").click()
        elsewhere.get_by_role("alert").filter(has_text="Not allowed").wait_for()
        assert elsewhere.get_by_role("heading", name="Ben Carter").count() == 0
        screenshot(elsewhere, "agent2-desk-1280-refused")
    finally:
        other.close()

    link = phone.locator("#inbox a", has_text="/pay/").last
    link.wait_for()
    with phone_context.expect_page() as opened:
        link.click()
    portal = opened.value
    portal.get_by_label("6-digit PIN").fill(pin)
    portal.get_by_role("button", name="Continue").click()
    portal.get_by_role("heading", name="Pay your bill").wait_for()
    portal.get_by_label("Name on card").fill("Ben Carter")
    card = portal.frame_locator("#card-frame")
    card.get_by_label("Card number").fill("4242424242424242")
    card.get_by_label("Expiry (MM/YY)").fill("12/30")
    card.get_by_label("Security code").fill("123")
    portal.get_by_role("button", name="Pay now").click()
    portal.get_by_role("heading", name="Payment received").wait_for()

    phone.bring_to_front()
    phone.locator("#inbox li", has_text="received with card ending 4242").wait_for()
    desk.bring_to_front()
    desk.locator("#facts").get_by_text("$310.75 - complete - visa ending 4242").wait_for()
    screenshot(desk, "agent-desk-1280-paid")


def next_working_morning() -> datetime:
    """10:00 in London on the next Monday to Thursday after now: "tomorrow" is a working day."""
    day = datetime.now(LONDON) + timedelta(days=1)
    while day.weekday() > 3:
        day += timedelta(days=1)
    return day.replace(hour=10, minute=0, second=0, microsecond=0)


def sweep(center: ContactCenter, at: datetime) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "callbacks", "sweep", "--at", at.isoformat()]
        + ["--port", str(center.dynamodb_port)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_a_supervisor_cancels_a_scheduled_callback_and_the_sweeper_never_dials_it(
    contact_center: ContactCenter, browser: Any
) -> None:
    morning = next_working_morning()
    offset = (morning - datetime.now(UTC)).total_seconds()
    status, _ = contact_center.post("/local/clock", {"advanceSeconds": int(offset)})
    assert status == 200
    call_and_say(contact_center, CHLOE, "call me back tomorrow at 3 pm", "We'll call you on")
    contact_center.wait_for_prompt(CHLOE, "Is there anything else")
    contact_center.post("/phone/input", {"number": CHLOE, "type": "hangup"})
    contact_center.wait_until_idle(CHLOE)

    context = new_context(browser, 1280, 1000)
    try:
        desk = context.new_page()
        sign_in(desk, contact_center, "supervisor")
        backlog = desk.get_by_role("region", name="Callback backlog")
        row = backlog.locator("#backlog-scheduled tr", has_text="\u20220321")
        row.wait_for()
        text = row.inner_text()
        assert "15:00" in text and "Europe/London" in text
        assert "10:00" in text and "America/New_York" in text
        screenshot(desk, "supervisor-backlog-1280")
        assert serious_accessibility_problems(desk) == []

        row.get_by_role("button", name=re.compile("^Cancel callback")).click()
        backlog.get_by_text("Callback cancelled").wait_for()
        backlog.get_by_text("No scheduled callbacks.").wait_for()
        desk.set_viewport_size({"width": 1024, "height": 1000})
        screenshot(desk, "supervisor-backlog-1024-cancelled")
        assert serious_accessibility_problems(desk) == []
    finally:
        context.close()

    inbox = contact_center.phone_state(CHLOE)["inbox"]
    assert any("is cancelled" in m["text"] for m in inbox), inbox
    report = sweep(contact_center, morning + timedelta(days=1, hours=6))
    assert "0 dialled" in report and "dialled +44" not in report, report

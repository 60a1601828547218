"""The local contact center behaves like a real one in headless Chromium: two callers on two lines
at once, a closed phone tab hangs up its call, and a callback the sweeper dials rings the web
phone, is answered, runs the callback flow and reaches the agent's queue."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from simulator.paths import ROOT
from tests.browser.conftest import ContactCenter, screenshot
from tests.browser.test_contact_center import conversation_says, say

pytestmark = pytest.mark.browser

#: Real time: no step of this journey waits for a time limit to run out, and each caller keeps a
#: person's 20 s to answer however slowly the machine runs the page.
TIME_SCALE = 1.0

ANA = "+13125550142"
BEN = "+12025550100"


def open_phone(context: Any, center: ContactCenter, number: str) -> Any:
    page = context.new_page()
    page.goto(f"{center.url}/phone?from={quote(number)}")
    page.get_by_label("Voice check result").select_option("authenticated")
    return page


def booked_time(prompt: str, zone: str) -> datetime:
    """'We'll call you on Wednesday, December 2 at 3 PM' -> that instant in the caller's zone."""
    found = re.search(r"on \w+, (\w+ \d+) at (\d+) (AM|PM)", prompt)
    assert found, prompt
    now = datetime.now(ZoneInfo(zone))
    day = datetime.strptime(f"{found.group(1)} {now.year}", "%B %d %Y")
    hour = int(found.group(2)) % 12 + (12 if found.group(3) == "PM" else 0)
    at = day.replace(hour=hour, tzinfo=ZoneInfo(zone))
    return at if at.date() >= now.date() else at.replace(year=now.year + 1)


def test_two_lines_at_once_a_closed_tab_hangs_up_and_a_dialled_callback_rings(
    contact_center: ContactCenter, phone_context: Any, desk_context: Any
) -> None:
    ana = open_phone(phone_context, contact_center, ANA)
    ben = open_phone(phone_context, contact_center, BEN)
    ana.get_by_role("button", name="Call").click()
    ben.get_by_role("button", name="Call").click()
    conversation_says(ana, "welcome back")
    conversation_says(ben, "How can I help you today")
    # Both calls are in the IVR at the same time, each on its own line.
    assert contact_center.phone_state(ANA)["call"]["status"] == "ivr"
    assert contact_center.phone_state(BEN)["call"]["status"] == "ivr"
    assert "another call" not in ben.locator("#status").inner_text()
    screenshot(ben, "several-1-second-line")

    # Closing Ana's tab hangs up her call (the caller's hang-up, not the IVR's); Ben's goes on.
    ana.close()
    ended = contact_center.wait_for_status(ANA, {"ended"})
    assert ended["ended"] == "hangup", ended
    assert contact_center.phone_state(BEN)["call"]["status"] == "ivr"

    # Ben books a callback, the sweeper dials it at that time, and his web phone rings.
    say(ben, "call me back tomorrow at 3 pm")
    conversation_says(ben, "We'll call you on")
    prompt = ben.locator("#conversation li.ivr", has_text="We'll call you on").last.inner_text()
    conversation_says(ben, "Is there anything else")
    say(ben, "that's all")  # the caller ends the call, the IVR does not
    ben.get_by_text("The call has ended.").wait_for()
    at = booked_time(prompt, "America/New_York")
    port = contact_center.dynamodb_port
    sweep = subprocess.run(
        [sys.executable, "-m", "simulator", "callbacks", "sweep", "--at", at.isoformat()]
        + ["--port", str(port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert sweep.returncode == 0, sweep.stderr
    assert f"dialled {BEN}" in sweep.stdout, sweep.stdout
    ben.get_by_text("Incoming call from Example Bank").wait_for()
    screenshot(ben, "several-2-callback-rings")
    ben.get_by_role("button", name="Answer").click()
    conversation_says(ben, "returning your call")
    ben.get_by_text("Waiting in the queue for an agent.").wait_for()

    desk = desk_context.new_page()
    desk.goto(f"{contact_center.url}/agent")
    desk.get_by_label("Name").fill("agent")
    desk.get_by_label("Password").fill("local-agent")
    desk.get_by_role("button", name="Sign in").click()
    desk.locator("#queue li", has_text=BEN).wait_for()
    screenshot(desk, "several-3-callback-in-queue")

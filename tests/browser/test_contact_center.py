"""The local contact center end to end in headless Chromium: a person calls on the web phone,
pays on the portal from the texted link, hears the success; calls again, asks for an agent; the
agent accepts the call from the local queue and sees the customer card with the earlier
payment and the IVR transcript."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.browser.conftest import (
    PATIENCE_SECONDS,
    ContactCenter,
    screenshot,
    serious_accessibility_problems,
)

pytestmark = pytest.mark.browser

#: Half of real time: the caller still has 10 s to answer each question (the page answers in
#: well under one even on a loaded machine), and the IVR notices the payment within 5 s.
TIME_SCALE = 0.5

BEN = "+12025550100"


def conversation_says(page: Any, text: str, timeout: float = PATIENCE_SECONDS * 1000) -> None:
    page.locator("#conversation li.ivr", has_text=text).last.wait_for(timeout=timeout)


def say(page: Any, words: str) -> None:
    page.get_by_label("Say").fill(words)
    page.get_by_role("button", name="Say it").click()


def test_a_caller_pays_on_the_portal_then_an_agent_sees_it(
    contact_center: ContactCenter, phone_context: Any, desk_context: Any
) -> None:
    phone = phone_context.new_page()
    phone.goto(f"{contact_center.url}/phone?from={quote(BEN)}")
    phone.get_by_label("Voice check result").select_option("authenticated")
    phone.get_by_role("button", name="Call").click()
    conversation_says(phone, "How can I help you today")
    say(phone, "I want to pay my bill")
    conversation_says(phone, "or press 1. To pay another amount")
    # Keys at the bot's question: 1, and the pound key ends them at once (as on any phone).
    phone.get_by_role("button", name="key 1").click()
    phone.get_by_role("button", name="key #").click()
    conversation_says(phone, "on your phone's web browser, press 1")
    phone.get_by_text("The IVR is waiting for keys.").wait_for()  # a menu key goes at once
    phone.get_by_role("button", name="key 1").click()
    conversation_says(phone, "Your PIN is")
    spoken = phone.locator("#conversation li.ivr", has_text="Your PIN is").last.inner_text()
    pin = spoken.split("Your PIN is ")[1].split(".")[0].replace(" ", "")
    link = phone.locator("#inbox a", has_text="/pay/").first
    link.wait_for()
    screenshot(phone, "phone-1-link-texted")
    assert serious_accessibility_problems(phone) == []

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
    screenshot(portal, "journey-portal-paid")

    phone.bring_to_front()
    conversation_says(phone, "Your payment was successful")
    phone.locator("#inbox li", has_text="received with card ending 4242").wait_for()
    conversation_says(phone, "Is there anything else")
    say(phone, "that's all")
    phone.get_by_text("The call has ended.").wait_for()
    screenshot(phone, "phone-2-payment-announced")

    # The same person calls again and asks for an agent.
    phone.get_by_role("button", name="Call").click()
    conversation_says(phone, "How can I help you today")
    say(phone, "I'd like to speak to an agent")
    conversation_says(phone, "Connecting you to an agent")
    phone.get_by_text("Waiting in the queue for an agent.").wait_for()
    screenshot(phone, "phone-3-waiting-for-agent")

    desk = desk_context.new_page()
    desk.goto(f"{contact_center.url}/agent")
    desk.get_by_label("Name").fill("agent")
    desk.get_by_label("Password").fill("local-agent")
    assert serious_accessibility_problems(desk) == []
    desk.get_by_role("button", name="Sign in").click()
    waiting = desk.locator("#queue li", has_text=BEN)
    waiting.wait_for()
    assert "Ben Carter. Authenticated by voice. Asked for an agent." in waiting.inner_text()
    screenshot(desk, "agent-1-queue")
    assert serious_accessibility_problems(desk) == []

    waiting.get_by_role("button", name="Accept").click()
    desk.get_by_role("heading", name="Ben Carter").wait_for()
    facts = desk.locator("#facts")
    facts.get_by_text("$310.75 - complete - visa ending 4242", exact=False).wait_for()
    assert "Authenticated by voice" in facts.inner_text()
    transcript = desk.locator("#transcript")
    transcript.locator("li.caller", has_text="speak to an agent").wait_for()
    transcript.locator("li.ivr", has_text="Connecting you to an agent").wait_for()
    screenshot(desk, "agent-2-customer-and-transcript")
    assert serious_accessibility_problems(desk) == []
    phone.get_by_text("Connected to an agent.").wait_for()
    screenshot(phone, "phone-4-with-agent")

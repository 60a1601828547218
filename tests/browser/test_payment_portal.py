"""The payment portal pages in headless Chromium: PIN -> payment -> confirmation, incomplete
details named, an expired link and a locked link that say what to do."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import ContactCenter, screenshot, serious_accessibility_problems

pytestmark = pytest.mark.browser

BEN = "+12025550100"
PIN = re.compile(r"Your PIN is ((?:\d ?){6})")


def portal_link(center: ContactCenter, number: str) -> tuple[str, str]:
    """Call as ``number``, ask to pay on the portal: the texted link and the PIN read out."""
    center.wait_until_idle(number)
    status, body = center.post("/phone/call", {"number": number, "voice": "authenticated"})
    assert status == 201, body
    center.wait_for_prompt(number, "How can I help you today")
    center.post("/phone/input", {"number": number, "type": "say", "text": "I want to pay my bill"})
    center.wait_for_prompt(number, "or press 1. To pay another amount")
    center.post("/phone/input", {"number": number, "type": "press", "digits": "1"})
    center.wait_for_prompt(number, "on your phone's web browser, press 1")
    center.post("/phone/input", {"number": number, "type": "press", "digits": "1"})
    spoken = center.wait_for_prompt(number, "Your PIN is")
    match = PIN.search(spoken)
    assert match, spoken
    inbox = center.phone_state(number)["inbox"]
    link = re.search(r"http://\S+/pay/\S+", inbox[-1]["text"])
    assert link, inbox
    return link.group(0), match.group(1).replace(" ", "")


def hang_up(center: ContactCenter, number: str) -> None:
    center.post("/phone/input", {"number": number, "type": "hangup"})
    center.wait_until_idle(number)


def enter_pin(page: Any, pin: str) -> None:
    """Type the PIN and continue, once the page has the answer to the previous try."""
    button = page.get_by_role("button", name="Continue")
    button.wait_for()
    page.wait_for_function("() => !document.getElementById('pin-submit').disabled")
    page.get_by_label("6-digit PIN").fill(pin)
    with page.expect_response(lambda response: response.url.endswith("/verify")):
        button.click()


def card_frame(page: Any) -> Any:
    return page.frame_locator("#card-frame")


def test_customer_enters_pin_pays_and_sees_the_confirmation(
    contact_center: ContactCenter, phone_context: Any
) -> None:
    link, pin = portal_link(contact_center, BEN)
    page = phone_context.new_page()
    page.goto(link)
    page.get_by_role("heading", name="Enter your PIN").wait_for()
    screenshot(page, "portal-1-pin")
    assert serious_accessibility_problems(page) == []

    enter_pin(page, pin)
    page.get_by_role("heading", name="Pay your bill").wait_for()
    assert page.locator("#pay-amount").inner_text() == "$310.75"
    card_frame(page).get_by_label("Card number").wait_for()
    screenshot(page, "portal-2-payment-form")
    assert serious_accessibility_problems(page) == []

    # Submit with nothing filled in: every missing field is named, and the IVR is told.
    page.get_by_role("button", name="Pay now").click()
    error = page.locator("#pay-error")
    error.wait_for()
    assert "name on card, card number, expiry date, security code" in error.inner_text()
    assert card_frame(page).get_by_text("Enter the card number.").is_visible()
    screenshot(page, "portal-3-missing-fields")
    assert serious_accessibility_problems(page) == []
    contact_center.wait_for_prompt(BEN, "Please complete all the payment details")

    page.get_by_label("Name on card").fill("Ben Carter")
    frame = card_frame(page)
    frame.get_by_label("Card number").fill("4242 4242 4242 4242")
    frame.get_by_label("Expiry date (MM/YY)").fill("12/30")
    frame.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay now").click()
    page.get_by_role("heading", name="Payment received").wait_for()
    assert (
        "$310.75 was paid with the card ending 4242" in page.locator("#done-message").inner_text()
    )
    screenshot(page, "portal-4-confirmation")
    assert serious_accessibility_problems(page) == []
    contact_center.wait_for_prompt(BEN, "Your payment was successful")
    contact_center.wait_for_prompt(BEN, "Is there anything else")  # one conversation (issue 13)
    hang_up(contact_center, BEN)


def test_an_expired_link_explains_what_to_do(
    contact_center: ContactCenter, phone_context: Any
) -> None:
    link, pin = portal_link(contact_center, BEN)
    hang_up(contact_center, BEN)
    status, _ = contact_center.post("/local/clock", {"advanceSeconds": 11 * 60})
    assert status == 200
    page = phone_context.new_page()
    page.goto(link)
    enter_pin(page, pin)
    error = page.locator("#pin-error")
    error.wait_for()
    assert "10 minutes" in error.inner_text()
    assert "ask for a new link" in error.inner_text()
    screenshot(page, "portal-5-expired-link")
    assert serious_accessibility_problems(page) == []


def test_a_link_locked_by_wrong_pins_refuses_the_right_one_and_says_what_to_do(
    contact_center: ContactCenter, phone_context: Any
) -> None:
    link, pin = portal_link(contact_center, BEN)
    page = phone_context.new_page()
    page.goto(link)
    wrong = "000000" if pin != "000000" else "111111"
    for _ in range(5):
        enter_pin(page, wrong)
    contact_center.wait_for_prompt(BEN, "locked after too many wrong PINs")
    enter_pin(page, pin)
    page.wait_for_timeout(300)
    assert page.get_by_role("heading", name="Enter your PIN").is_visible()
    assert "5 wrong PINs" in page.locator("#pin-error").inner_text()
    screenshot(page, "portal-6-locked-link")
    hang_up(contact_center, BEN)


def test_a_link_without_its_token_says_to_open_the_texted_link(
    contact_center: ContactCenter, phone_context: Any
) -> None:
    page = phone_context.new_page()
    page.goto(f"{contact_center.url}/pay/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")
    page.get_by_role("heading", name="This payment link can't be used").wait_for()
    assert "Open the payment link from the text message" in page.inner_text("#problem-message")

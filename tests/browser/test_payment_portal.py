"""The payment portal in headless Chromium, every state a customer can meet, each one screenshot at
390 and 1280 pixels (test-output/screenshots/portal-*-390.png and -1280.png): PIN entry, a wrong
PIN, a locked link, an expired link, the card form, field errors (named, cleared when fixed), a
declined card with another tried on the same page, the receipt, and a link already paid."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.browser.conftest import (
    PATIENCE_SECONDS,
    ContactCenter,
    new_context,
    screenshot,
    serious_accessibility_problems,
)

pytestmark = pytest.mark.browser

#: 0.3 of real time: the IVR still gives the caller 6 s to answer (this module answers over
#: HTTP, in a fraction of that), checks the payment every 3 s, and lets the customer 3 minutes
#: (10 of call time) on the page before the link expires for it.
TIME_SCALE = 0.3

BEN = "+12025550100"
PIN = re.compile(r"Your PIN is ((?:\d ?){6})")
WIDTHS = {390: 844, 1280: 900}


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


@pytest.fixture
def page(browser: Any) -> Any:
    context = new_context(browser, 390, WIDTHS[390])
    yield context.new_page()
    context.close()


def card_frame_fits(page: Any) -> None:
    """Return once the card frame, if the page shows it, is as tall as its fields (it reports
    its height to the page after every change of width)."""
    frame = page.locator("#card-frame")
    if not frame.is_visible():
        return
    handle = frame.element_handle()
    fields = handle.content_frame()
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        wanted = fields.evaluate("() => Math.ceil(document.body.offsetHeight) + 'px'")
        if handle.evaluate("(frame) => frame.style.height") == wanted:
            return
        page.wait_for_timeout(25)
    raise AssertionError(f"the card frame never took its height {wanted}")


def both_widths(page: Any, name: str) -> None:
    """Screenshot the page as it is at 390 and at 1280 pixels, with no serious a11y problem."""
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        card_frame_fits(page)
        screenshot(page, f"portal-{name}-{width}")
        assert serious_accessibility_problems(page) == [], (name, width)
    page.set_viewport_size({"width": 390, "height": WIDTHS[390]})
    card_frame_fits(page)


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


def fill_card(page: Any, number: str, expiry: str = "12/30", cvv: str = "123") -> None:
    frame = card_frame(page)
    frame.get_by_label("Card number").fill(number)
    frame.get_by_label("Expiry (MM/YY)").fill(expiry)
    frame.get_by_label("Security code").fill(cvv)


def assert_card_fields_line_up_with_no_gap(page: Any) -> None:
    frame = card_frame(page)
    expiry, cvv = frame.locator("#expiry").bounding_box(), frame.locator("#cvv").bounding_box()
    assert abs(expiry["y"] - cvv["y"]) < 1 and abs(expiry["height"] - cvv["height"]) < 1
    framed = page.locator("#card-frame").bounding_box()
    form = frame.locator("#card-form").bounding_box()
    gap = framed["y"] + framed["height"] - (form["y"] + form["height"])
    assert 0 <= gap < 12, f"{gap:.0f} px of empty frame below the card fields"


def test_five_wrong_pins_lock_the_link_and_the_page_says_so(
    contact_center: ContactCenter, page: Any
) -> None:
    link, pin = portal_link(contact_center, BEN)
    page.goto(link)
    page.get_by_role("heading", name="Enter your PIN").wait_for()
    both_widths(page, "1-pin-entry")
    wrong = "000000" if pin != "000000" else "111111"
    enter_pin(page, wrong)
    error = page.locator("#pin-error")
    assert "That PIN isn't right" in error.inner_text() and "4 tries left" in error.inner_text()
    both_widths(page, "2-wrong-pin")
    for _ in range(4):
        enter_pin(page, wrong)
    page.get_by_role("heading", name="This payment link is locked").wait_for()
    assert "5 wrong PINs" in page.inner_text("#problem-step")
    assert "If you're still on the call" in page.inner_text("#problem-next")
    both_widths(page, "3-locked")
    contact_center.wait_for_prompt(BEN, "locked after too many wrong PINs")
    page.reload()
    page.get_by_role("heading", name="This payment link is locked").wait_for()
    hang_up(contact_center, BEN)


def test_an_expired_link_says_so_as_soon_as_it_opens(
    contact_center: ContactCenter, page: Any
) -> None:
    link, _ = portal_link(contact_center, BEN)
    hang_up(contact_center, BEN)
    status, _ = contact_center.post("/local/clock", {"advanceSeconds": 11 * 60})
    assert status == 200
    page.goto(link)
    page.get_by_role("heading", name="This payment link has expired").wait_for()
    assert "10 minutes" in page.inner_text("#problem-message")
    assert not page.get_by_label("6-digit PIN").is_visible()
    both_widths(page, "4-expired")


def test_a_link_without_its_token_gets_the_one_refusal(
    contact_center: ContactCenter, page: Any
) -> None:
    page.goto(f"{contact_center.url}/pay/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d#not-the-token")
    page.get_by_role("heading", name="This payment link can't be used").wait_for()
    assert "We couldn't open this payment" in page.inner_text("#problem-message")


def test_customer_fixes_named_fields_tries_another_card_and_pays(
    contact_center: ContactCenter, page: Any
) -> None:
    link, pin = portal_link(contact_center, BEN)
    page.goto(link)
    enter_pin(page, pin)
    page.get_by_role("heading", name="Pay your bill").wait_for()
    assert page.locator("#pay-amount").inner_text() == "$310.75"
    card_frame(page).get_by_label("Card number").wait_for()
    assert_card_fields_line_up_with_no_gap(page)
    both_widths(page, "5-card-form")

    # Nothing filled in: every missing field is named, and the IVR is told.
    page.get_by_role("button", name="Pay now").click()
    summary = page.locator("#pay-error")
    summary.wait_for()
    assert "the name on card, card number, expiry date and security code" in summary.inner_text()
    # Wrong expiry and security code: each is named; the fields still line up.
    page.get_by_label("Name on card").fill("Ben Carter")
    fill_card(page, "4242 4242 4242 4242", expiry="13/99", cvv="12")
    page.get_by_role("button", name="Pay now").click()
    page.wait_for_function(
        "() => document.getElementById('pay-error').textContent.includes('Check the')"
    )
    assert "Check the expiry date and security code." in summary.inner_text()
    frame = card_frame(page)
    assert frame.locator("#expiry-error").inner_text() == "Check the expiry date."
    assert frame.locator("#cvv-error").inner_text() == "Check the security code."
    assert_card_fields_line_up_with_no_gap(page)
    both_widths(page, "6-field-errors")
    # Fixed one by one, each error goes, and the summary with the last.
    frame.get_by_label("Expiry (MM/YY)").fill("12/30")
    assert frame.locator("#expiry-error").inner_text() == ""
    assert "expiry" not in summary.inner_text()
    frame.get_by_label("Security code").fill("123")
    assert frame.locator("#cvv-error").inner_text() == ""
    assert not summary.is_visible()
    # Invalid fields stay on the page (nothing is sent): the IVR heard of the incomplete submit,
    # on its next check, and must have before the next submit changes what it finds.
    contact_center.wait_for_prompt(BEN, "Please complete all the payment details")

    # A declined card: said on the page, which takes another card.
    fill_card(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="Pay now").click()
    declined = page.locator("#pay-declined")
    declined.wait_for()
    assert "ending 0002 was declined" in declined.inner_text()
    assert "2 more tries" in declined.inner_text()
    assert frame.get_by_label("Card number").input_value() == ""
    both_widths(page, "7-declined")
    contact_center.wait_for_prompt(BEN, "You can try another card on the page")

    fill_card(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="Pay now").click()
    page.get_by_role("heading", name="Payment received").wait_for()
    assert "$310.75 was paid with the card ending 4242" in page.inner_text("#done-message")
    assert "go back to" not in page.inner_text("#done-step").lower()
    both_widths(page, "8-paid-receipt")
    contact_center.wait_for_prompt(BEN, "Your payment was successful")

    # The link opened again: the receipt, not a PIN.
    page.reload()
    page.get_by_role("heading", name="This payment was already made").wait_for()
    assert page.locator("#done-card").inner_text() == "Visa ending 4242"
    assert page.locator("#done-amount").inner_text() == "$310.75"
    both_widths(page, "9-already-paid")
    hang_up(contact_center, BEN)  # the call goes on: anything else? (issue 13)

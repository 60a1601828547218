"""No card number, CVV, PIN or keypad secret ever reaches a log line."""

from __future__ import annotations

import io
import json
import logging

import pytest
from aws_lambda_powertools import Logger

from ivr.core.observability import ScrubbingFilter, ScrubbingFormatter, luhn_valid, scrub_text


@pytest.fixture
def captured() -> tuple[Logger, io.StringIO]:
    stream = io.StringIO()
    log = Logger(service="scrub-test", logger_formatter=ScrubbingFormatter(), logger_handler=None)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ScrubbingFormatter())
    log.addHandler(handler)
    return log, stream


def test_card_number_in_a_message_is_masked(captured: tuple[Logger, io.StringIO]) -> None:
    log, stream = captured
    log.info("customer typed 4242 4242 4242 4242 by mistake")
    line = stream.getvalue()
    assert "4242 4242 4242 4242" not in line
    assert "[CARD]" in line


def test_secret_keys_lose_their_values(captured: tuple[Logger, io.StringIO]) -> None:
    log, stream = captured
    log.info(
        "input",
        extra={"pin": "123456", "cvv": "737", "StoredCustomerInput": "4000056655665556"},
    )
    record = json.loads(stream.getvalue())
    assert record["pin"] == record["cvv"] == record["StoredCustomerInput"] == "[REDACTED]"
    assert "123456" not in stream.getvalue()


def test_nested_event_parameters_are_scrubbed(captured: tuple[Logger, io.StringIO]) -> None:
    log, stream = captured
    log.info("event", extra={"event": {"Details": {"Parameters": {"digits": "4321"}}}})
    assert "4321" not in stream.getvalue()


def test_keyword_labelled_digits_in_text_are_masked() -> None:
    assert "982341" not in scrub_text("caller entered PIN 982341 then hung up")
    assert "737" not in scrub_text("cvv: 737")
    assert "02134" not in scrub_text("postal code 02134")


def test_ordinary_numbers_survive() -> None:
    text = "balance 120.50 for contact 7f9c and phone +13125550142"
    assert scrub_text(text) == text
    assert scrub_text("order 1234567890123") == "order 1234567890123"  # not Luhn-valid


def test_luhn() -> None:
    assert luhn_valid("4242424242424242")
    assert not luhn_valid("4242424242424241")


def test_records_from_other_libraries_are_scrubbed() -> None:
    record = logging.LogRecord("botocore", logging.DEBUG, "", 0, "body %s", ("pin=123456",), None)
    ScrubbingFilter().filter(record)
    assert "123456" not in record.getMessage()

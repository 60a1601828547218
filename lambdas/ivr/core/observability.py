"""The one Logger, with a formatter that scrubs card numbers, PINs and keypad secrets."""

from __future__ import annotations

import logging
import re
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

#: Where Connect puts the contact id; Powertools logs it as the correlation id of every line.
CONNECT_CONTACT_ID = "Details.ContactData.ContactId"

REDACTED = "[REDACTED]"

# Keys whose values are secrets whatever they look like (PCI DSS 3.3.1, 3.5.1; ASVS 16.2.5).
_SECRET_KEY = re.compile(
    r"pin|cvv|cvc|card.?number|^pan$|national.?id|postal|zip|storedcustomerinput|digits|"
    r"password|secret|token|otp|passcode|security.?code|expiry",
    re.IGNORECASE,
)
# A keyword followed by digits: "PIN 123456", "cvv: 123", "code=987654".
_KEYWORD_DIGITS = re.compile(
    r"(?P<kw>\b(?:pin|cvv|cvc|code|otp|passcode|national id|ssn|postal code|zip)\b\W{0,3})"
    r"[0-9][0-9 -]{1,10}[0-9]",
    re.IGNORECASE,
)
# Candidate card numbers: 13-19 digits, optionally grouped by spaces or dashes.
_DIGIT_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn_valid(digits: str) -> bool:
    """The checksum every payment card number passes (ISO/IEC 7812)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[CARD]" if luhn_valid(digits) else match.group(0)


def scrub_text(text: str) -> str:
    """Remove card numbers and keyword-labelled secrets from free text."""
    text = _DIGIT_RUN.sub(_mask_card, text)
    return _KEYWORD_DIGITS.sub(lambda m: m.group("kw") + REDACTED, text)


def scrub(value: Any, key: str = "") -> Any:
    """Scrub recursively: secret keys lose their value, strings lose card numbers."""
    if key and _SECRET_KEY.search(key) and value not in (None, "", {}, []):
        return REDACTED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


class ScrubbingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, scrubbing the whole record (message, extra keys, exception)."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        return super().serialize(scrub(log))


class ScrubbingFilter(logging.Filter):
    """For handlers we do not format ourselves (botocore, the Lambda runtime's root handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub_text(record.getMessage())
        record.args = None
        return True


logger = Logger(logger_formatter=ScrubbingFormatter())

# Records from other libraries propagate to the root handlers (the Lambda runtime's in the cloud).
_root = logging.getLogger()
_root.addFilter(ScrubbingFilter())
for _handler in _root.handlers:
    _handler.addFilter(ScrubbingFilter())

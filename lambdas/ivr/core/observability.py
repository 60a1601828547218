"""The one Logger, with a formatter that scrubs card numbers, PINs and keypad secrets."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

#: Where Connect puts the contact id; Powertools logs it as the correlation id of every line.
CONNECT_CONTACT_ID = "Details.ContactData.ContactId"

REDACTED = "[REDACTED]"

# Keys whose values are secrets whatever they look like (PCI DSS 3.3.1, 3.5.1; ASVS 16.2.5):
# by structure, so a value is dropped however it is written.
_SECRET_KEY = re.compile(
    r"pin|cvv|cvc|card.?number|^pan$|national.?id|postal|zip|storedcustomerinput|digits|"
    r"password|secret|token|otp|passcode|security.?code|expiry|authori[sz]ation|cookie|api.?key",
    re.IGNORECASE,
)
# By pattern, for text that carries structure we cannot parse (a library's DEBUG line, a body
# cut short): a keyword followed by digits ("PIN 123456", "cvv: 123", '"pin": "512673"') ...
_KEYWORD_DIGITS = re.compile(
    r"(?P<kw>\b(?:pin|cvv|cvc|code|otp|passcode|national id|ssn|postal code|zip)\b\W{0,6})"
    r"[0-9][0-9 -]{1,10}[0-9]",
    re.IGNORECASE,
)
# ... a quoted secret key's value in JSON-like text ('"token": "abc"', "'pin': '1234'") ...
_QUOTED_PAIR = re.compile(
    r"""(?P<key>(?P<q>\\?["'])(?P<name>[A-Za-z_-]{1,40})(?P=q)\s*:\s*)"""
    r"""(?P<value>\\?["'](?:[^"'\\]|\\[^"'])*\\?["']|-?\d+)"""
)
# ... a key=value pair in a query string or form body ("pin=123456&token=abc") ...
_FORM_PAIR = re.compile(r"(?P<key>\b(?P<name>[A-Za-z_-]{1,40})=)(?P<value>[^&\s\"',;]+)")
# ... bearer and basic credentials, and the link token after a portal link's '#'.
_CREDENTIAL = re.compile(r"(?P<kw>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_URL_FRAGMENT = re.compile(r"(?P<url>/[^\s#\"']*#)[A-Za-z0-9_-]{16,}")
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


def _secret_pair(match: re.Match[str]) -> str:
    if not _SECRET_KEY.search(match.group("name")):
        return match.group(0)
    return match.group("key") + REDACTED


def scrub_text(text: str) -> str:
    """Remove card numbers, credentials and keyword-labelled secrets from free text."""
    if text[:1] in "{[":
        try:  # JSON (an API body, a queued message): scrubbed by structure, keys included
            return json.dumps(scrub(json.loads(text)), ensure_ascii=False)
        except ValueError:
            pass
    text = _DIGIT_RUN.sub(_mask_card, text)
    text = _QUOTED_PAIR.sub(_secret_pair, text)
    text = _FORM_PAIR.sub(_secret_pair, text)
    text = _CREDENTIAL.sub(lambda m: m.group("kw") + REDACTED, text)
    text = _URL_FRAGMENT.sub(lambda m: m.group("url") + REDACTED, text)
    return _KEYWORD_DIGITS.sub(lambda m: m.group("kw") + REDACTED, text)


def scrub(value: Any, key: str = "") -> Any:
    """Scrub recursively: secret keys lose their value, strings lose card numbers and secrets."""
    if key and _SECRET_KEY.search(key) and value not in (None, "", {}, []):
        return REDACTED
    if isinstance(value, str):
        return scrub_text(value) if value else value
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
        _scrub_record(record)
        return True


def _scrub_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, dict | list):  # Powertools' log_event: the event itself
        record.msg = scrub(record.msg)
        return
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed call: logging reports it when it formats
        return
    record.msg = scrub_text(message)
    record.args = None


logger = Logger(logger_formatter=ScrubbingFormatter())

# Every record is scrubbed as it is made, whoever logs it and whatever handler (the Lambda
# runtime's, one a library adds later) writes it; our formatter scrubs the extra keys too.
_make_record = logging.getLogRecordFactory()


def _scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    _scrub_record(record)
    return record


if getattr(_make_record, "__name__", "") != "_scrubbed_record":  # once, even if reloaded
    logging.setLogRecordFactory(_scrubbed_record)

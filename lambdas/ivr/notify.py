"""Messages to customers (SMS, e-mail): what to send, and the port every sender implements."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


@dataclass(frozen=True)
class OutgoingMessage:
    channel: Channel
    to: str  # E.164 number for SMS, address for e-mail
    text: str  # the SMS body, or the plain-text part of an e-mail
    #: Same key, same message: a retried step must not text the customer twice. Senders that
    #: cannot pass it to the provider deduplicate on their side.
    idempotency_key: str
    subject: str | None = None  # e-mail only
    html: str | None = None  # e-mail only


class Notifier(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Hand the message to the provider; returns the provider's message id.

        Raises NotificationError when the provider refuses or cannot be reached.
        """

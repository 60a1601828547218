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


class MessageQueue(Protocol):
    def enqueue(self, message: OutgoingMessage) -> None:
        """Put the message on the sending queue (the sender function sends it once).

        Raises NotificationError when the queue cannot be reached.
        """


def message_to_json(message: OutgoingMessage) -> dict[str, str | None]:
    return {
        "channel": message.channel.value,
        "to": message.to,
        "text": message.text,
        "idempotencyKey": message.idempotency_key,
        "subject": message.subject,
        "html": message.html,
    }


def message_from_json(data: object) -> OutgoingMessage:
    """The message a queue record carries; ValueError for anything else."""
    if not isinstance(data, dict):
        raise ValueError("a queued message is a JSON object")
    fields = {k: data.get(k) for k in ("channel", "to", "text", "idempotencyKey")}
    if not all(isinstance(v, str) and v for v in fields.values()):
        raise ValueError("a queued message needs channel, to, text and idempotencyKey")
    subject, html = data.get("subject"), data.get("html")
    return OutgoingMessage(
        channel=Channel(str(fields["channel"])),
        to=str(fields["to"]),
        text=str(fields["text"]),
        idempotency_key=str(fields["idempotencyKey"]),
        subject=subject if isinstance(subject, str) else None,
        html=html if isinstance(html, str) else None,
    )

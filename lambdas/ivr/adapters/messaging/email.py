"""E-mail through Amazon SES v2 (SendEmail): a plain-text and an HTML part."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ivr.core.errors import NotificationError
from ivr.notify import Channel, OutgoingMessage

# SES message tag values: letters, digits, '_' and '-' only, 256 characters at most.
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def tag_value(text: str) -> str:
    return _TAG_UNSAFE.sub("_", text)[:256] or "none"


class SesEmail:
    def __init__(self, client: Any, from_address: str, configuration_set: str = "") -> None:
        self._client = client
        self._from = from_address
        self._configuration_set = configuration_set

    def send(self, message: OutgoingMessage) -> str:
        if message.channel is not Channel.EMAIL:
            raise NotificationError("SesEmail sends e-mail only")
        body: dict[str, Any] = {"Text": {"Data": message.text, "Charset": "UTF-8"}}
        if message.html is not None:
            body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        request: dict[str, Any] = {
            "FromEmailAddress": self._from,
            "Destination": {"ToAddresses": [message.to]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": message.subject or "", "Charset": "UTF-8"},
                    "Body": body,
                }
            },
            "EmailTags": [{"Name": "idempotencyKey", "Value": tag_value(message.idempotency_key)}],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._client.send_email(**request)
        except (BotoCoreError, ClientError) as exc:  # refused, throttled, timed out, unreachable
            raise NotificationError(f"SendEmail failed: {type(exc).__name__}") from exc
        return str(response["MessageId"])

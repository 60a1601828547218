"""SMS through AWS End User Messaging SMS (``pinpoint-sms-voice-v2`` SendTextMessage)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ivr.core.errors import NotificationError
from ivr.notify import Channel, OutgoingMessage


class EndUserMessagingSms:
    """Sends the SMS of an OutgoingMessage. SendTextMessage takes no idempotency token, so the
    sender Lambda deduplicates (idempotency record per message key); the key still travels in
    ``Context`` so delivery events can be matched to the message."""

    def __init__(self, client: Any, origination_identity: str, configuration_set: str = "") -> None:
        self._client = client
        self._origination_identity = origination_identity
        self._configuration_set = configuration_set

    def send(self, message: OutgoingMessage) -> str:
        if message.channel is not Channel.SMS:
            raise NotificationError("EndUserMessagingSms sends SMS only")
        request: dict[str, Any] = {
            "DestinationPhoneNumber": message.to,
            "MessageBody": message.text,
            "MessageType": "TRANSACTIONAL",
            "Context": {"idempotencyKey": message.idempotency_key[:256]},
        }
        if self._origination_identity:
            request["OriginationIdentity"] = self._origination_identity
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._client.send_text_message(**request)
        except (BotoCoreError, ClientError) as exc:  # refused, throttled, timed out, unreachable
            raise NotificationError(f"SendTextMessage failed: {type(exc).__name__}") from exc
        return str(response["MessageId"])

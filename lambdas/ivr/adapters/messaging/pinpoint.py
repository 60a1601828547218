"""Legacy adapter: Amazon Pinpoint SendMessages (end of support 30 October 2026; NOTIFIER=pinpoint).

Kept for accounts that still run a Pinpoint project; new deployments use End User Messaging SMS
and SES v2 (NOTIFIER=aws).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ivr.core.errors import NotificationError
from ivr.notify import Channel, OutgoingMessage


class PinpointNotifier:
    def __init__(
        self, client: Any, application_id: str, origination_number: str, from_address: str
    ) -> None:
        self._client = client
        self._application_id = application_id
        self._origination_number = origination_number
        self._from = from_address

    def _configuration(self, message: OutgoingMessage) -> dict[str, Any]:
        if message.channel is Channel.SMS:
            sms: dict[str, Any] = {"Body": message.text, "MessageType": "TRANSACTIONAL"}
            if self._origination_number:
                sms["OriginationNumber"] = self._origination_number
            return {"SMSMessage": sms}
        simple: dict[str, Any] = {
            "Subject": {"Charset": "UTF-8", "Data": message.subject or ""},
            "TextPart": {"Charset": "UTF-8", "Data": message.text},
        }
        if message.html is not None:
            simple["HtmlPart"] = {"Charset": "UTF-8", "Data": message.html}
        return {"EmailMessage": {"FromAddress": self._from, "SimpleEmail": simple}}

    def send(self, message: OutgoingMessage) -> str:
        channel_type = "SMS" if message.channel is Channel.SMS else "EMAIL"
        request = {
            "Addresses": {message.to: {"ChannelType": channel_type}},
            "MessageConfiguration": self._configuration(message),
            "TraceId": message.idempotency_key[:64],
        }
        try:
            response = self._client.send_messages(
                ApplicationId=self._application_id, MessageRequest=request
            )
        except (BotoCoreError, ClientError) as exc:  # refused, throttled, timed out, unreachable
            raise NotificationError(f"SendMessages failed: {type(exc).__name__}") from exc
        # SendMessages answers 200 even when an address fails: the verdict is per address.
        result = response.get("MessageResponse", {}).get("Result", {}).get(message.to, {})
        if result.get("DeliveryStatus") != "SUCCESSFUL":
            raise NotificationError(
                f"SendMessages: {result.get('DeliveryStatus', 'no result')} "
                f"({result.get('StatusCode', '?')})"
            )
        return str(result.get("MessageId", ""))

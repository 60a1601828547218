"""The sending queue (SQS): Connect-facing functions enqueue, the sender function consumes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ivr.core.errors import NotificationError
from ivr.notify import OutgoingMessage, message_to_json


class SqsMessageQueue:
    """``client`` makes the SQS client; it is called when a message is sent (a step that sends
    nothing does not pay for the client)."""

    def __init__(self, client: Callable[[], Any], queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def enqueue(self, message: OutgoingMessage) -> None:
        try:
            self._client().send_message(
                QueueUrl=self._queue_url,
                MessageBody=json.dumps(message_to_json(message)),
                MessageAttributes={
                    "idempotencyKey": {
                        "DataType": "String",
                        "StringValue": message.idempotency_key,
                    }
                },
            )
        except (BotoCoreError, ClientError) as exc:  # refused, throttled, timed out, unreachable
            raise NotificationError(f"SendMessage failed: {type(exc).__name__}") from exc

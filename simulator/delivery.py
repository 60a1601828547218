"""Delivers the sending queue locally: SQS messages -> the real sender handler -> the outbox.

In AWS an SQS event source mapping invokes SendNotificationFunction; in the local contact center
the runtime calls ``deliver_queued_messages`` after each Lambda invocation, so a message queued by
a Connect-facing function is in the outbox before the flow's next block runs. Records the sender
reports as failed stay on the queue (as with ReportBatchItemFailures) and are tried again on the
next delivery, up to the queue's maxReceiveCount.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

from simulator.context import lambda_context
from simulator.lambda_service import load_handler

SENDER = "SendNotificationFunction"
_MAX_ROUNDS = 20


def _record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of the event an SQS event source mapping sends (Lambda developer guide)."""
    body = message["Body"]
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", "0"),
            "SenderId": attributes.get("SenderId", "local"),
            "ApproximateFirstReceiveTimestamp": attributes.get(
                "ApproximateFirstReceiveTimestamp", "0"
            ),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": os.environ.get("AWS_REGION", "us-east-1"),
    }


#: One delivery at a time: messages are received with no visibility timeout, so two threads
#: (a call's Lambda step and a portal or agent API request) would both get the same message.
_DELIVERING = threading.Lock()


def deliver_queued_messages() -> int:
    """Run the sender over whatever is queued; returns how many messages were delivered."""
    with _DELIVERING:
        return _deliver()


def _deliver() -> int:
    queue_url = os.environ.get("NOTIFICATIONS_QUEUE_URL")
    if not queue_url:
        return 0
    from ivr import wiring

    sqs = wiring.aws_client("sqs")  # made once per local AWS: a new client costs ~0.3 s
    queue_arn = f"arn:aws:sqs:{os.environ.get('AWS_REGION', 'us-east-1')}:000000000000:{queue_url}"
    sender = load_handler(SENDER)
    delivered = 0
    for _ in range(_MAX_ROUNDS):
        received = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            break
        event = {"Records": [_record(m, queue_arn) for m in received]}
        try:
            failures = {
                f["itemIdentifier"]
                for f in sender(event, lambda_context(SENDER))["batchItemFailures"]
            }
        except Exception:  # every record failed: Powertools raises, SQS redelivers them all
            failures = {m["MessageId"] for m in received}
        for message in received:
            if message["MessageId"] not in failures:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                delivered += 1
        if failures:
            break  # tried again on the next delivery, as SQS would after the visibility timeout
    return delivered

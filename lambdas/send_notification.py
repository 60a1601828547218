"""Sends queued SMS and e-mail (SQS -> provider), each message once, failures retried one by one."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from ivr import wiring
from ivr.adapters.messaging.sending import send_once
from ivr.core.observability import logger
from ivr.core.settings import settings
from ivr.notify import message_from_json

#: A batch where every record fails is answered like any other (each id listed) rather than
#: raised: raising makes it a function error, and SQS would retry the whole batch.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def send_record(record: SQSRecord, lambda_context: Any = None) -> str:
    """A record that raises is reported as a batch item failure: SQS redelivers it alone, and
    after maxReceiveCount sends it to the dead-letter queue."""
    message = message_from_json(json.loads(record.body))
    message_id = send_once(
        message,
        notifier=wiring.notifier(),
        persistence=wiring.idempotency_store(),
        lambda_context=lambda_context,
    )
    logger.info("message sent", extra={"channel": message.channel.value})
    return message_id


settings()  # at cold start: a variable the IVR cannot run with fails the init, named


@logger.inject_lambda_context
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if not isinstance(event, dict) or not isinstance(event.get("Records"), list):
        logger.warning("not an SQS event")
        return {"batchItemFailures": []}
    records = [r for r in event["Records"] if _reportable(r)]
    if len(records) < len(event["Records"]):
        # Not from SQS (which gives every record an id): nothing can be retried or reported.
        logger.warning("records without a message id skipped")
    if not records:
        return {"batchItemFailures": []}
    response = process_partial_response(
        event={"Records": records}, record_handler=send_record, processor=processor, context=context
    )
    return dict(response)


def _reportable(record: Any) -> bool:
    """A record SQS could redeliver: it has the id the answer would name it by."""
    return (
        isinstance(record, dict)
        and isinstance(record.get("messageId"), str)
        and bool(record["messageId"])
    )

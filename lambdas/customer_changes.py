"""Change events from the legacy database (AWS DMS -> Kinesis) applied to the customer table.

Each Kinesis record is one DMS change (ivr.customers.changes). A record that can never apply (a
poison record: not DMS JSON, an invalid row) goes to the dead-letter queue and counts as done, so
it does not hold up its shard; a record that fails for a passing reason (DynamoDB unavailable)
is reported in ``batchItemFailures``, and Lambda retries from it (the event source mapping
bisects the batch on error and sends what still fails to its on-failure destination).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamRecord,
)

from ivr import wiring
from ivr.core.observability import logger
from ivr.core.settings import settings
from ivr.customers.changes import PoisonRecordError, apply_change, parse_change

# Every record failing is still a partial-batch answer, never a function error: Lambda then
# retries exactly the failed records (finding of issue 19 for the notification batches too).
processor = BatchProcessor(
    event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False
)


def _to_dead_letters(record: KinesisStreamRecord, reason: str) -> None:
    url = settings().import_dlq_url
    if url:
        wiring.aws_client("sqs").send_message(
            QueueUrl=url,
            MessageBody=json.dumps(
                {
                    "source": "customer-changes",
                    "reason": reason,
                    "sequenceNumber": record.kinesis.sequence_number,
                    "partitionKey": record.kinesis.partition_key,
                    "data": record.kinesis.data,  # base64, as Kinesis delivered it
                }
            ),
        )


def apply_record(record: KinesisStreamRecord) -> str:
    try:
        change = parse_change(record.kinesis.data_as_bytes())
        if change is None:
            return "ignored"
        outcome = apply_change(
            change, store=wiring.customer_change_store(), config=wiring.change_settings()
        )
    except PoisonRecordError as poison:
        logger.warning("poison change record", extra={"reason": str(poison)})
        _to_dead_letters(record, str(poison))
        return "poison"
    return outcome.value


def _valid_records(event: Any) -> bool:
    return isinstance(event, dict) and isinstance(event.get("Records"), list)


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if not _valid_records(event):
        logger.warning("not a Kinesis event")
        return {"batchItemFailures": []}
    records = [r for r in event["Records"] if isinstance(r, dict)]
    with processor(records=records, handler=apply_record):
        processor.process()
    return dict(processor.response())

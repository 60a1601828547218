"""DMS change records on the Kinesis stream, applied to the customer table (moto DynamoDB/SQS)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from ivr.core.errors import StoreUnavailableError
from ivr.core.money import Money

ANA = "+13125550190"


@pytest.fixture
def dlq(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from simulator.local_aws import reset_caches

    url: str = boto3.client("sqs").create_queue(QueueName="ImportDeadLetters")["QueueUrl"]
    monkeypatch.setenv("IMPORT_DLQ_URL", url)
    reset_caches(clients=False)
    yield url
    reset_caches(clients=False)


def _dms(operation: str, at: str, **row: object) -> dict[str, Any]:
    """A DMS record as the JSON message format writes it to Kinesis."""
    return {
        "data": {"phone": ANA, "name": "Ana Lima", "balance": "10.00", **row},
        "metadata": {
            "timestamp": at,
            "record-type": "data",
            "operation": operation,
            "partition-key-type": "primary-key",
            "schema-name": "bank",
            "table-name": "customers",
            "transaction-id": 4711,
        },
    }


def _record(sequence: int, payload: object) -> dict[str, Any]:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": ANA,
            "sequenceNumber": f"4959{sequence:040d}",
            "data": base64.b64encode(raw).decode(),
            "approximateArrivalTimestamp": 1796150000.0,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:4959{sequence:040d}",
        "eventName": "aws:kinesis:record",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/customer-changes",
    }


def _deliver(*payloads: object) -> dict[str, Any]:
    import customer_changes

    from simulator.context import lambda_context

    event = {"Records": [_record(n, p) for n, p in enumerate(payloads, start=1)]}
    answer: dict[str, Any] = customer_changes.lambda_handler(event, lambda_context("changes"))
    return answer


def _ana() -> Any:
    from ivr import wiring

    return wiring.callers().find_by_phone(ANA)


def test_an_insert_then_an_update_give_the_newest_row(dlq: str) -> None:
    answer = _deliver(
        _dms("insert", "2026-12-01T10:00:00.000001Z"),
        _dms("update", "2026-12-01T11:00:00.000000Z", balance="25.50", national_id_last4="1234"),
    )

    assert answer == {"batchItemFailures": []}
    ana = _ana()
    assert ana is not None and ana.balance == Money(2550) and ana.knowledge is not None


def test_an_older_update_arriving_late_is_ignored(dlq: str) -> None:
    _deliver(
        _dms("insert", "2026-12-01T10:00:00Z"),
        _dms("update", "2026-12-01T12:00:00Z", balance="30.00"),
        _dms("update", "2026-12-01T11:00:00Z", balance="99.00"),  # out of order
    )

    assert _ana().balance == Money(3000)


def test_a_change_with_the_same_time_as_the_last_one_still_applies(dlq: str) -> None:
    # S3 times an object to the second: a corrected file dropped in the same second as the first
    # carries the same source time, and must not be taken for an older write.
    _deliver(
        _dms("insert", "2026-12-01T10:00:00Z"),
        _dms("update", "2026-12-01T10:00:00Z", balance="30.00"),
    )

    assert _ana().balance == Money(3000)


def test_a_duplicate_delivery_changes_nothing(dlq: str) -> None:
    change = _dms("update", "2026-12-01T12:00:00Z", balance="30.00")
    _deliver(change)
    item = boto3.client("dynamodb").get_item(TableName="CustomersTable", Key={"phone": {"S": ANA}})

    _deliver(change)

    again = boto3.client("dynamodb").get_item(TableName="CustomersTable", Key={"phone": {"S": ANA}})
    assert again["Item"] == item["Item"]


def test_a_delete_removes_the_customer_keeps_the_payments_and_an_older_change_cannot_revive_it(
    dlq: str,
) -> None:
    from ivr import wiring
    from ivr.payments.transactions import PaymentChannel, Transaction, TransactionStatus

    _deliver(_dms("insert", "2026-12-01T10:00:00Z"))
    at = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    wiring.transactions().open(
        Transaction(
            payment_id="p-1",
            customer_phone=ANA,
            amount=Money(1000),
            channel=PaymentChannel.PORTAL,
            status=TransactionStatus.OPEN,
            created_at=at,
            updated_at=at,
            contact_id="c-1",
        )
    )

    _deliver(
        _dms("delete", "2026-12-01T12:00:00Z"),
        _dms("update", "2026-12-01T11:00:00Z", balance="5.00"),  # older than the delete
    )

    assert _ana() is None
    assert [t.payment_id for t in wiring.transactions().for_customer(ANA)] == ["p-1"]
    item = boto3.client("dynamodb").get_item(TableName="CustomersTable", Key={"phone": {"S": ANA}})
    assert "first_name" not in item["Item"] and "deleted_at" in item["Item"]


def test_a_newer_insert_after_a_delete_brings_the_customer_back(dlq: str) -> None:
    _deliver(_dms("insert", "2026-12-01T10:00:00Z"), _dms("delete", "2026-12-01T11:00:00Z"))

    _deliver(_dms("insert", "2026-12-02T09:00:00Z", name="Ana Lima Costa"))

    ana = _ana()
    assert ana is not None and ana.last_name == "Lima Costa"


def test_poison_records_go_to_the_dead_letter_queue_and_do_not_block_the_shard(dlq: str) -> None:
    answer = _deliver(
        b"not json at all",
        _dms("insert", "2026-12-01T10:00:00Z", phone="12"),
        {"metadata": {"record-type": "control", "operation": "create-table"}},
        _dms("insert", "2026-12-01T10:00:00Z"),
    )

    assert answer == {"batchItemFailures": []}
    assert _ana() is not None
    messages = boto3.client("sqs").receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    reasons = sorted(json.loads(m["Body"])["reason"] for m in messages)
    assert reasons == ["invalid row: phone: not a valid phone number", "not a JSON DMS record"]


def test_a_passing_failure_is_reported_for_retry_and_the_rest_still_apply(
    dlq: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr import wiring

    store = wiring.customer_records()
    real = store.update
    calls = {"n": 0}

    def flaky(profile: Any, *, source_time: datetime) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise StoreUnavailableError("update customer: ProvisionedThroughputExceededException")
        return real(profile, source_time=source_time)

    monkeypatch.setattr(store, "update", flaky)
    answer = _deliver(
        _dms("insert", "2026-12-01T10:00:00Z"),
        _dms("update", "2026-12-01T11:00:00Z", phone="+13125550191", name="Bo Chen"),
    )

    assert answer == {"batchItemFailures": [{"itemIdentifier": f"4959{1:040d}"}]}
    from ivr import wiring as w

    assert w.callers().find_by_phone("+13125550191") is not None


def test_every_record_failing_is_still_a_partial_batch_answer(
    dlq: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr import wiring

    def down(profile: Any, *, source_time: datetime) -> bool:
        raise StoreUnavailableError("update customer: timeout")

    monkeypatch.setattr(wiring.customer_records(), "update", down)
    answer = _deliver(_dms("insert", "2026-12-01T10:00:00Z"))

    assert answer == {"batchItemFailures": [{"itemIdentifier": f"4959{1:040d}"}]}


def test_garbage_events_get_an_empty_batch_answer(dlq: str) -> None:
    import customer_changes

    from simulator.context import lambda_context

    malformed: tuple[Any, ...] = (None, [], {"Records": "x"}, {"Records": [None, 3]})
    for event in malformed:
        answer = customer_changes.lambda_handler(event, lambda_context("changes"))
        assert answer == {"batchItemFailures": []}


def test_records_read_from_the_kinesis_stream_apply_in_order(dlq: str) -> None:
    """The records as the event source mapping reads them from a stream (moto's Kinesis): DMS
    puts each change with the row's key as the partition key."""
    import customer_changes

    from simulator.context import lambda_context

    kinesis = boto3.client("kinesis")
    kinesis.create_stream(StreamName="customer-changes", ShardCount=1)
    for change in (
        _dms("insert", "2026-12-01T10:00:00Z"),
        _dms("update", "2026-12-01T11:00:00Z", balance="42.00"),
        _dms("update", "2026-12-01T11:00:00Z", balance="42.00"),  # DMS retried: a duplicate
    ):
        kinesis.put_record(
            StreamName="customer-changes", Data=json.dumps(change).encode(), PartitionKey=ANA
        )
    shard = kinesis.describe_stream(StreamName="customer-changes")["StreamDescription"]["Shards"][0]
    iterator = kinesis.get_shard_iterator(
        StreamName="customer-changes", ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    read = kinesis.get_records(ShardIterator=iterator)["Records"]
    event = {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": record["PartitionKey"],
                    "sequenceNumber": record["SequenceNumber"],
                    "data": base64.b64encode(record["Data"]).decode(),
                    "approximateArrivalTimestamp": record[
                        "ApproximateArrivalTimestamp"
                    ].timestamp(),
                },
                "eventSource": "aws:kinesis",
                "eventName": "aws:kinesis:record",
                "eventID": f"{shard['ShardId']}:{record['SequenceNumber']}",
                "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/customer-changes",
            }
            for record in read
        ]
    }

    answer = customer_changes.lambda_handler(event, lambda_context("changes"))

    assert len(read) == 3 and answer == {"batchItemFailures": []}
    assert _ana().balance == Money(4200)

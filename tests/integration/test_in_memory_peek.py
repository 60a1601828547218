"""What the simulator reads from the in-memory AWS without a request (simulator/local_aws.py):
an empty queue is not polled and an empty table not scanned, and a message or an item that is
there is never missed."""

from __future__ import annotations

import os

import boto3

from simulator.local_aws import nothing_queued, table_is_empty


def test_an_empty_queue_and_table_are_seen_without_a_request(aws: None) -> None:
    queue = os.environ["NOTIFICATIONS_QUEUE_URL"]
    assert nothing_queued(queue)
    assert table_is_empty("TransactionsTable")


def test_a_queued_message_and_a_stored_item_are_seen(aws: None) -> None:
    queue = os.environ["NOTIFICATIONS_QUEUE_URL"]
    boto3.client("sqs").send_message(QueueUrl=queue, MessageBody="{}", DelaySeconds=5)
    assert not nothing_queued(queue)  # delayed, not yet visible: still a message to deliver
    boto3.client("dynamodb").put_item(
        TableName="TransactionsTable", Item={"payment_id": {"S": "pay-1"}}
    )
    assert not table_is_empty("TransactionsTable")


def test_outside_the_in_memory_aws_nothing_is_assumed() -> None:
    assert not nothing_queued("NotificationsQueue")  # a server's queue is known by asking only
    assert not table_is_empty("TransactionsTable")
    assert not nothing_queued("NoSuchQueue") and not table_is_empty("NoSuchTable")

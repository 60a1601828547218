"""The SMS and e-mail providers failing under the sender function (SQS -> provider): failures are
answered as ``batchItemFailures``, SQS redrives them and, after the template's maxReceiveCount,
keeps them in the dead-letter queue; replayed once the provider is back, each is sent once.

The event source mapping is played by hand against moto's SQS: receive, invoke the sender,
delete what it did not report as failed - what Lambda does with ReportBatchItemFailures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from deploy.template import resources_of_type
from simulator.context import lambda_context
from tests.faults.conftest import ANA_PHONE, Faults, provider_up

pytestmark = pytest.mark.usefixtures("aws_notifier")


@dataclass
class Queues:
    client: Any
    url: str
    dead_letter_url: str
    max_receive_count: int

    def depth(self, url: str) -> int:
        attributes = self.client.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])


@pytest.fixture
def queues(faults: Faults) -> Queues:
    """The sending queue with the template's RedrivePolicy onto its dead-letter queue."""
    import boto3

    sqs = boto3.client("sqs")
    props = resources_of_type("AWS::SQS::Queue")["NotificationsQueue"]["Properties"]
    url = sqs.get_queue_url(QueueName="NotificationsQueue")["QueueUrl"]
    dead = sqs.get_queue_url(QueueName="NotificationsDeadLetterQueue")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])
    count = int(props["RedrivePolicy"]["maxReceiveCount"])
    policy = {"deadLetterTargetArn": dead_arn["Attributes"]["QueueArn"], "maxReceiveCount": count}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(policy)})
    return Queues(sqs, url, dead, count)


def sms(key: str) -> str:
    body = {
        "channel": "sms",
        "to": ANA_PHONE,
        "text": "Your payment was received",
        "idempotencyKey": key,
    }
    return json.dumps(body)


def email(key: str) -> str:
    body = {
        "channel": "email",
        "to": "ana@example.com",
        "text": "Your payment was received",
        "subject": "Payment received",
        "idempotencyKey": key,
    }
    return json.dumps(body)


def deliver(queues: Queues, url: str | None = None) -> dict[str, Any] | None:
    """One poll of the event source mapping: None when the queue gave nothing."""
    from send_notification import lambda_handler

    received = queues.client.receive_message(
        QueueUrl=url or queues.url,
        MaxNumberOfMessages=10,
        VisibilityTimeout=0,  # a failed record is visible again at once (180 s in the template)
        AttributeNames=["ApproximateReceiveCount"],
    ).get("Messages", [])
    if not received:
        return None
    records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": {},
            "eventSource": "aws:sqs",
        }
        for m in received
    ]
    answer: dict[str, Any] = lambda_handler({"Records": records}, lambda_context("sender"))
    failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
    for message in received:
        if message["MessageId"] not in failed:
            queues.client.delete_message(
                QueueUrl=url or queues.url, ReceiptHandle=message["ReceiptHandle"]
            )
    return answer


@pytest.mark.parametrize(
    ("body", "service", "operation", "code"),
    [
        (
            sms("confirmation-sms#p-1"),
            "pinpoint-sms-voice-v2",
            "SendTextMessage",
            "ServiceQuotaExceededException",
        ),
        (email("confirmation-email#p-1"), "sesv2", "SendEmail", "SendingPausedException"),
    ],
    ids=["sms", "email"],
)
def test_a_message_the_provider_keeps_refusing_ends_in_the_dead_letter_queue_and_replays_once(
    faults: Faults, queues: Queues, body: str, service: str, operation: str, code: str
) -> None:
    faults.add(service, operation, code=code, status=400)
    queues.client.send_message(QueueUrl=queues.url, MessageBody=body)
    answers = []
    while (answer := deliver(queues)) is not None:
        answers.append(answer)
        assert len(answers) <= queues.max_receive_count, "SQS never gave up on it"
    assert len(answers) == queues.max_receive_count
    assert all(len(a["batchItemFailures"]) == 1 for a in answers)
    assert queues.depth(queues.url) == 0
    assert queues.depth(queues.dead_letter_url) == 1  # nothing lost

    faults.clear()
    provider_up(faults)
    sent_before = faults.count(service, operation)
    replayed = queues.client.receive_message(QueueUrl=queues.dead_letter_url)["Messages"]
    for message in replayed + replayed:  # the operator's replay, done twice by mistake
        queues.client.send_message(QueueUrl=queues.url, MessageBody=message["Body"])
    while deliver(queues) is not None:
        pass
    assert faults.count(service, operation) - sent_before == 1
    assert queues.depth(queues.url) == 0


def test_a_provider_that_recovers_on_the_redelivery_sends_once(
    faults: Faults, queues: Queues
) -> None:
    faults.add("pinpoint-sms-voice-v2", "SendTextMessage", hang=True, times=3)  # one delivery
    provider_up(faults)
    queues.client.send_message(QueueUrl=queues.url, MessageBody=sms("portal-link#s-1"))
    queues.client.send_message(QueueUrl=queues.url, MessageBody=sms("portal-link#s-1"))  # twice
    first = deliver(queues)
    assert first is not None and first["batchItemFailures"]
    while deliver(queues) is not None:
        pass
    delivered = [f for f in faults.active if f.answer is not None and f.fired]
    assert sum(f.fired for f in delivered) == 1
    assert queues.depth(queues.url) == 0 and queues.depth(queues.dead_letter_url) == 0

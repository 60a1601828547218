"""Review finding: the sender answers SQS with batchItemFailures whatever the batch holds - every
record failing, records without a usable id or body - and never raises (moto, local outbox)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ivr.core.errors import NotificationError
from ivr.notify import OutgoingMessage
from simulator.context import lambda_context as make_context


def sqs_record(message_id: Any, body: Any) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": "handle",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


def sms(key: str) -> str:
    message = {"channel": "sms", "to": "+13125550142", "text": "Hello", "idempotencyKey": key}
    return json.dumps(message)


@pytest.fixture
def provider_down(monkeypatch: pytest.MonkeyPatch, aws: None) -> None:
    from ivr import wiring

    def refuse(message: OutgoingMessage) -> str:
        raise NotificationError("provider down")

    monkeypatch.setattr(wiring.local_outbox(), "send", refuse)


def send(event: Any) -> Any:
    from send_notification import lambda_handler

    return lambda_handler(event, make_context("SendNotificationFunction"))


@pytest.mark.usefixtures("provider_down")
def test_a_batch_where_every_record_fails_answers_each_failure() -> None:
    answer = send({"Records": [sqs_record("m-1", sms("k-1")), sqs_record("m-2", sms("k-2"))]})
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}


@pytest.mark.usefixtures("aws")
def test_records_without_a_usable_id_or_body_do_not_break_the_answer() -> None:
    from ivr import wiring

    event = {
        "Records": [
            sqs_record("m-1", sms("k-1")),
            sqs_record(None, sms("k-2")),
            {"body": sms("k-3")},
            "not a record",
            sqs_record("m-4", None),
            sqs_record("m-5", "{not json"),
        ]
    }
    answer = send(event)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-4"}, {"itemIdentifier": "m-5"}]}
    assert [m["idempotency_key"] for m in wiring.local_outbox().messages()] == ["k-1"]

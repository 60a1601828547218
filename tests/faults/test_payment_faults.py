"""Pay by phone when the processor times out or the sending queue fails: the caller gets an answer
inside 8 s, a charge is made once whatever Connect retries, and a confirmation is never lost."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from ivr.core.money import Money
from ivr.payments.cards import CardDetails, CardToken, ChargeResult, ProcessorUnavailableError
from tests.faults.conftest import (
    CONNECT_BUDGET_SECONDS,
    Faults,
    assert_connect_answer,
    connect_event,
    invoke,
    timed,
)

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)


def _encrypted(digits: str) -> str:
    from simulator.flows.encryption import encrypt_stored_input

    key = {"EncryptionKeyId": "${InputEncryptionKeyId}", "Key": "${InputEncryptionCertificate}"}
    return encrypt_stored_input(digits, key)


@dataclass
class TimingOutProcessor:
    """The sandbox behind a connection that drops the answer: the first ``lost`` charges reach
    the processor (and are made) but their answers never come back - a gateway adapter's read
    timeout, raised as the port's ProcessorUnavailableError."""

    inner: Any
    lost: int = 1
    timeouts: list[str] = field(default_factory=list)

    def tokenize(self, card: CardDetails) -> CardToken:
        token: CardToken = self.inner.tokenize(card)
        return token

    def card_of(self, token: str) -> CardToken | None:
        card: CardToken | None = self.inner.card_of(token)
        return card

    def charge(self, token: str, amount: Money, idempotency_key: str) -> ChargeResult:
        result: ChargeResult = self.inner.charge(token, amount, idempotency_key)
        if len(self.timeouts) < self.lost:
            self.timeouts.append(idempotency_key)
            raise ProcessorUnavailableError("the processor did not answer in time")
        return result


@pytest.fixture
def paying(faults: Faults, monkeypatch: pytest.MonkeyPatch) -> Iterator[TimingOutProcessor]:
    from ivr import wiring
    from ivr.core import clock

    processor = TimingOutProcessor(wiring.sandbox_processor())
    monkeypatch.setattr(wiring, "payment_processor", lambda: processor)
    with clock.installed(lambda: NOW):
        yield processor


def _pay_event(contact_id: str, payment_id: str) -> dict[str, Any]:
    from ivr.adapters.connect.ciphertext import carried

    return connect_event(
        {"paymentId": payment_id, "intent": "MakePayment"},
        contact_id=contact_id,
        step="pay",
        cardNumber=carried(_encrypted("4242424242424242")),
        expiry=carried(_encrypted("1230")),
        cvv=_encrypted("123"),
    )


def _status(payment_id: str) -> str:
    from ivr import wiring

    transaction = wiring.transactions().get(payment_id)
    assert transaction is not None
    return transaction.status.value


def _start(contact_id: str) -> str:
    answer = invoke("phone_payment", connect_event(contact_id=contact_id, step="start"))
    assert answer["status"] == "ok", answer
    return str(answer["paymentId"])


def _queued_keys() -> list[str]:
    import json

    import boto3

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="NotificationsQueue")["QueueUrl"]
    keys = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            keys.append(json.loads(message["Body"])["idempotencyKey"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return keys


def test_a_charge_whose_answer_timed_out_is_made_once_when_the_step_runs_again(
    faults: Faults, paying: TimingOutProcessor
) -> None:
    from ivr import wiring

    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact)
    first = timed(faults, lambda: invoke("phone_payment", _pay_event(contact, payment_id)))
    assert first.seconds < CONNECT_BUDGET_SECONDS
    assert_connect_answer(first.answer)
    # Not "declined": the caller hears the payment is not confirmed yet (issue 19).
    assert first.answer["result"] == "unconfirmed", first.answer
    # Charged at the processor, unknown to us: in doubt, never open for a charge with a new key.
    assert _status(payment_id) == "in_doubt"

    again = invoke("phone_payment", _pay_event(contact, payment_id))  # Connect's retry
    assert again["result"] == "approved", again
    assert len(wiring.sandbox_processor().charges) == 1
    assert _status(payment_id) == "complete"
    assert sorted(_queued_keys()) == [
        f"confirmation-email#{payment_id}",
        f"confirmation-sms#{payment_id}",
    ]


def test_a_sending_queue_down_after_the_charge_still_tells_the_caller_it_is_paid(
    faults: Faults, paying: TimingOutProcessor, log_lines: io.StringIO
) -> None:
    from ivr import wiring

    paying.lost = 0
    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact)
    faults.add("sqs", "SendMessage", hang=True)
    result = timed(faults, lambda: invoke("phone_payment", _pay_event(contact, payment_id)))
    assert result.seconds < CONNECT_BUDGET_SECONDS
    assert result.answer["result"] == "approved", result.answer
    assert _status(payment_id) == "complete"
    assert len(wiring.sandbox_processor().charges) == 1
    # Not lost in silence: the error log names the payment whose confirmations are owed.
    logged = [line for line in log_lines.getvalue().splitlines() if payment_id in line]
    assert any("payment confirmations not queued" in line for line in logged)


def test_a_link_the_queue_refused_is_sent_once_when_the_step_runs_again(
    faults: Faults, paying: TimingOutProcessor
) -> None:
    contact = f"contact-{uuid.uuid4()}"
    event = connect_event({"paymentAmount": "20.00"}, contact_id=contact, step="portal")
    faults.add("sqs", "SendMessage", code="ThrottlingException", times=3)  # all three tries
    refused = timed(faults, lambda: invoke("portal_session", event))
    assert refused.seconds < CONNECT_BUDGET_SECONDS
    assert refused.answer == {"status": "error", "errorCode": "NotificationFailed"}, faults.calls
    assert _queued_keys() == []

    again = invoke("portal_session", event)  # the flow's "try again", or Connect's retry
    assert again["status"] == "ok", again
    assert _queued_keys() == [f"portal-link#{again['portalSessionId']}"]
    assert invoke("portal_session", event)["portalSessionId"] == again["portalSessionId"]
    assert _queued_keys() == []  # a retry after the link went out sends no second one


def _hang_up(contact_id: str, payment_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = invoke(
        "abandon_payment", connect_event({"paymentId": payment_id}, contact_id=contact_id)
    )
    assert_connect_answer(answer)
    return answer


def _follow_up() -> dict[str, Any]:
    summary: dict[str, Any] = invoke("follow_up_payments", {})
    assert summary["status"] == "ok", summary
    return summary


def _balance() -> str:
    from ivr import wiring
    from tests.faults.conftest import ANA_PHONE

    customer = wiring.callers().find_by_phone(ANA_PHONE)
    assert customer is not None
    return str(customer.balance)


def test_a_hang_up_after_an_unanswered_charge_settles_it_paid_instead_of_abandoning_it(
    faults: Faults, paying: TimingOutProcessor
) -> None:
    from ivr import wiring

    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact)
    assert invoke("phone_payment", _pay_event(contact, payment_id))["result"] == "unconfirmed"
    assert _queued_keys() == []  # nothing claims a payment that is not confirmed

    hung_up = timed(faults, lambda: _hang_up(contact, payment_id))
    assert hung_up.seconds < CONNECT_BUDGET_SECONDS
    assert hung_up.answer["payment"] == "paid", hung_up.answer
    assert _status(payment_id) == "complete"  # the real charge is not behind an abandoned record
    assert len(wiring.sandbox_processor().charges) == 1
    assert _balance() == "0.00"
    assert sorted(_queued_keys()) == [
        f"confirmation-email#{payment_id}",
        f"confirmation-sms#{payment_id}",
    ]


def test_a_charge_the_processor_still_does_not_answer_is_left_in_doubt_then_swept(
    faults: Faults, paying: TimingOutProcessor
) -> None:
    from ivr import wiring

    paying.lost = 2  # the pay step's charge and the hang-up's second ask
    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact)
    assert invoke("phone_payment", _pay_event(contact, payment_id))["result"] == "unconfirmed"
    assert _hang_up(contact, payment_id)["payment"] == "inDoubt"
    assert _status(payment_id) == "in_doubt"  # not abandoned: the next call cannot charge again
    again = invoke(
        "phone_payment", connect_event(contact_id=f"contact-{uuid.uuid4()}", step="start")
    )
    assert again == {"status": "error", "errorCode": "PaymentInDoubt"}, again

    swept = _follow_up()
    assert (swept["read"], swept["paid"]) == (1, 1), swept
    assert _status(payment_id) == "complete"
    assert len(wiring.sandbox_processor().charges) == 1
    assert sorted(_queued_keys()) == [
        f"confirmation-email#{payment_id}",
        f"confirmation-sms#{payment_id}",
    ]
    assert _follow_up()["read"] == 0  # settled: the sweep reads nothing more


def test_a_charge_in_doubt_that_was_declined_is_failed_and_the_customer_texted(
    faults: Faults, paying: TimingOutProcessor
) -> None:
    paying.lost = 2
    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact)
    declined = _pay_event(contact, payment_id)
    declined["Details"]["Parameters"]["cardNumber"] = _carried("4000000000000002")
    assert invoke("phone_payment", declined)["result"] == "unconfirmed"
    assert _hang_up(contact, payment_id)["payment"] == "inDoubt"

    assert _follow_up()["notTaken"] == 1
    assert _status(payment_id) == "failed"
    assert _balance() == "120.50"
    assert _queued_keys() == [f"payment-not-taken-sms#{payment_id}"]


def _carried(digits: str) -> str:
    from ivr.adapters.connect.ciphertext import carried

    return carried(_encrypted(digits))


def test_confirmations_the_queue_refused_are_owed_and_sent_once_by_the_retry_and_the_sweep(
    faults: Faults, paying: TimingOutProcessor
) -> None:
    from ivr import wiring

    paying.lost = 0
    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact)
    down = faults.add("sqs", "SendMessage", code="ServiceUnavailable", status=503)
    paid = timed(faults, lambda: invoke("phone_payment", _pay_event(contact, payment_id)))
    assert paid.seconds < CONNECT_BUDGET_SECONDS
    assert paid.answer["result"] == "approved", paid.answer
    transaction = wiring.transactions().get(payment_id)
    assert transaction is not None and transaction.confirmations_owed  # owed, not only logged
    assert _queued_keys() == []

    faults.active.remove(down)  # the queue is back
    again = invoke("phone_payment", _pay_event(contact, payment_id))  # Connect's retry
    assert again["result"] == "approved", again
    assert _follow_up()["read"] == 0  # the retry paid what was owed: nothing left to sweep
    assert sorted(_queued_keys()) == [
        f"confirmation-email#{payment_id}",
        f"confirmation-sms#{payment_id}",
    ]
    assert invoke("phone_payment", _pay_event(contact, payment_id))["result"] == "approved"
    assert _queued_keys() == []  # a later retry queues nothing more
    assert len(wiring.sandbox_processor().charges) == 1


def test_owed_confirmations_are_sent_by_the_sweep_once_the_queue_is_back(
    faults: Faults, paying: TimingOutProcessor
) -> None:
    paying.lost = 0
    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact)
    down = faults.add("sqs", "SendMessage", hang=True)
    assert invoke("phone_payment", _pay_event(contact, payment_id))["result"] == "approved"
    still_down = _follow_up()
    assert (still_down["read"], still_down["messagesOwed"]) == (1, 1), still_down

    faults.active.remove(down)
    assert _follow_up()["messagesQueued"] == 1
    assert sorted(_queued_keys()) == [
        f"confirmation-email#{payment_id}",
        f"confirmation-sms#{payment_id}",
    ]
    assert _follow_up()["read"] == 0

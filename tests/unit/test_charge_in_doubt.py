"""A charge the processor leaves unanswered, and confirmations the queue refused (issue 19), in the
domain against fakes: the charge is on record before it is sent, the caller hears "not confirmed
yet", nothing abandons it or charges it again, and asking again with its key settles it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from ivr.adapters.messaging.render import TemplatedPaymentMessages
from ivr.adapters.processors.sandbox import SandboxProcessor
from ivr.callers import Customer
from ivr.core.errors import NotificationError
from ivr.core.money import Money
from ivr.notify import OutgoingMessage
from ivr.payments.cards import CardDetails, CardToken, ChargeResult
from ivr.payments.checkout import (
    AbandonOutcome,
    PaymentInDoubtError,
    PaymentServices,
    abandon_unfinished_payment,
    take_up_payment,
)
from ivr.payments.follow_up import follow_up_payments
from ivr.payments.keypad import EncryptedCard, KeypadAnswer, KeypadOutcome, pay_by_phone
from ivr.payments.transactions import (
    ChargeAttempt,
    PaymentChannel,
    Transaction,
    TransactionStatus,
)
from tests import fakes

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
PHONE = "+13125550142"
PAYMENT = "5f1c2a9e-0000-4000-8000-000000000001"
CONTACT = "call-1"


class FakeDecrypter:
    def decrypt(self, stored_input: str) -> str:
        return stored_input.removeprefix("enc:")


@dataclass
class Queue:
    """The sending queue; ``down`` refuses every message like an unreachable SQS."""

    messages: list[OutgoingMessage] = field(default_factory=list)
    down: bool = False

    def enqueue(self, message: OutgoingMessage) -> None:
        if self.down:
            raise NotificationError("queue unreachable")
        self.messages.append(message)

    def keys(self) -> list[str]:
        return sorted(m.idempotency_key for m in self.messages)


@dataclass
class WatchedProcessor:
    """The sandbox, noting what the store held for the payment each time a charge was sent."""

    inner: SandboxProcessor
    transactions: fakes.FakeTransactionStore
    seen: list[Transaction | None] = field(default_factory=list)

    def tokenize(self, card: CardDetails) -> CardToken:
        return self.inner.tokenize(card)

    def card_of(self, token: str) -> CardToken | None:
        return self.inner.card_of(token)

    def charge(self, token: str, amount: Money, idempotency_key: str) -> ChargeResult:
        self.seen.append(self.transactions.get(PAYMENT))
        return self.inner.charge(token, amount, idempotency_key)


class Shop:
    def __init__(self) -> None:
        self.callers = fakes.FakeCallerStore()
        self.sessions = fakes.FakePortalSessionStore()
        self.transactions = fakes.FakeTransactionStore(self.callers, self.sessions)
        self.sandbox = SandboxProcessor()
        self.processor = WatchedProcessor(self.sandbox, self.transactions)
        self.queue = Queue()
        self.callers.save(
            Customer(
                phone=PHONE,
                first_name="Ana",
                last_name="Souza",
                email="ana.souza@example.com",
                account_number="100200301",
                balance=Money(12050),
                timezone="America/Chicago",
            )
        )
        self.transactions.open(
            Transaction(
                payment_id=PAYMENT,
                customer_phone=PHONE,
                amount=Money(12050),
                channel=PaymentChannel.IVR,
                status=TransactionStatus.OPEN,
                created_at=NOW,
                updated_at=NOW,
                contact_id=CONTACT,
            )
        )

    @property
    def services(self) -> PaymentServices:
        return PaymentServices(self.processor, self.callers, self.queue, TemplatedPaymentMessages())

    def pay(self, number: str = "4242424242424242") -> KeypadAnswer:
        return pay_by_phone(
            EncryptedCard(f"enc:{number}", "enc:1230", "enc:123"),
            PAYMENT,
            caller_phone=PHONE,
            decrypter=FakeDecrypter(),
            today=date(2026, 12, 1),
            now=NOW,
            transactions=self.transactions,
            callers=self.callers,
            processor=self.processor,
            queue=self.queue,
            messages=TemplatedPaymentMessages(),
        )

    def hang_up(self) -> AbandonOutcome:
        return abandon_unfinished_payment(
            PAYMENT,
            contact_id=CONTACT,
            portal_session_id=None,
            now=NOW + timedelta(minutes=1),
            transactions=self.transactions,
            sessions=self.sessions,
            services=lambda: self.services,
        )

    def status(self) -> TransactionStatus:
        txn = self.transactions.get(PAYMENT)
        assert txn is not None
        return txn.status


def test_the_charge_is_on_record_with_its_key_before_the_processor_is_asked() -> None:
    shop = Shop()
    assert shop.pay().outcome is KeypadOutcome.APPROVED
    before = shop.processor.seen[0]
    assert before is not None and before.charge is not None
    assert before.charge.key == f"{PAYMENT}#ivr"
    assert before.charge.card_token.startswith("tok_")  # the processor's token, no card data


def test_an_unanswered_charge_is_unconfirmed_for_the_caller_and_in_doubt_on_record() -> None:
    shop = Shop()
    shop.sandbox.unanswered = 1
    answer = shop.pay()
    assert answer.outcome is KeypadOutcome.UNCONFIRMED  # not "declined"
    assert shop.status() is TransactionStatus.IN_DOUBT
    assert len(shop.sandbox.charges) == 1  # it was made
    assert shop.queue.messages == []  # nothing claims it yet


def test_a_hang_up_asks_the_processor_again_and_settles_the_charge_it_made() -> None:
    shop = Shop()
    shop.sandbox.unanswered = 1
    shop.pay()
    assert shop.hang_up() is AbandonOutcome.PAID
    assert shop.status() is TransactionStatus.COMPLETE
    assert len(shop.sandbox.charges) == 1
    assert shop.queue.keys() == [f"confirmation-email#{PAYMENT}", f"confirmation-sms#{PAYMENT}"]
    customer = shop.callers.find_by_phone(PHONE)
    assert customer is not None and customer.balance == Money(0)


def test_a_hang_up_the_processor_still_does_not_answer_leaves_it_in_doubt_not_abandoned() -> None:
    shop = Shop()
    shop.sandbox.unanswered = 2
    shop.pay()
    assert shop.hang_up() is AbandonOutcome.IN_DOUBT
    assert shop.status() is TransactionStatus.IN_DOUBT
    customer = shop.callers.find_by_phone(PHONE)
    assert customer is not None
    with pytest.raises(PaymentInDoubtError):  # the next call cannot start a second charge
        take_up_payment(
            customer,
            contact_id="call-2",
            channel=PaymentChannel.IVR,
            requested_amount=None,
            now=NOW,
            transactions=shop.transactions,
            callers=shop.callers,
        )


def test_a_later_attempt_hears_what_the_first_charge_did_and_charges_nothing_new() -> None:
    shop = Shop()
    shop.sandbox.unanswered = 1
    shop.pay()
    again = shop.pay()  # Connect's retry of the pay step
    assert again.outcome is KeypadOutcome.APPROVED
    assert len(shop.sandbox.charges) == 1
    assert shop.status() is TransactionStatus.COMPLETE


def test_a_hang_up_with_a_live_processor_but_no_charge_sent_still_abandons() -> None:
    shop = Shop()
    assert shop.hang_up() is AbandonOutcome.ABANDONED
    assert shop.sandbox.charges == []  # asking again is only for a charge that was sent


def test_the_sweep_settles_a_declined_charge_in_doubt_failed_and_texts_the_customer() -> None:
    shop = Shop()
    shop.sandbox.unanswered = 2
    shop.pay("4000000000000002")
    shop.hang_up()
    report = follow_up_payments(now=NOW, transactions=shop.transactions, services=shop.services)
    assert report.settled == {"notTaken": [PAYMENT]}
    assert shop.status() is TransactionStatus.FAILED
    assert shop.queue.keys() == [f"payment-not-taken-sms#{PAYMENT}"]
    assert "no money was taken" in shop.queue.messages[0].text
    customer = shop.callers.find_by_phone(PHONE)
    assert customer is not None and customer.open_transaction is None  # free to pay again


def test_confirmations_the_queue_refused_are_owed_then_sent_by_the_sweep_once() -> None:
    shop = Shop()
    shop.queue.down = True
    assert shop.pay().outcome is KeypadOutcome.APPROVED  # the payment stands
    txn = shop.transactions.get(PAYMENT)
    assert txn is not None and txn.confirmations_owed

    shop.queue.down = False
    report = follow_up_payments(now=NOW, transactions=shop.transactions, services=shop.services)
    assert report.messages_queued == [PAYMENT]
    assert shop.queue.keys() == [f"confirmation-email#{PAYMENT}", f"confirmation-sms#{PAYMENT}"]
    again = follow_up_payments(now=NOW, transactions=shop.transactions, services=shop.services)
    assert again.read == 0
    assert len(shop.queue.messages) == 2


def test_owed_confirmations_say_when_the_payment_was_made_not_when_they_were_sent() -> None:
    shop = Shop()
    shop.queue.down = True
    shop.pay()
    shop.queue.down = False
    later = NOW + timedelta(hours=3)
    follow_up_payments(now=later, transactions=shop.transactions, services=shop.services)
    sms = next(m for m in shop.queue.messages if m.channel.value == "sms")
    assert "9:30 AM" in sms.text, sms.text  # 15:30 UTC on the customer's Chicago clock


def test_a_step_that_died_after_sending_its_charge_is_answered_by_the_next_with_one_charge() -> (
    None
):
    shop = Shop()
    # The first run recorded the charge and sent it, then died before hearing back.
    token = shop.sandbox.tokenize(CardDetails("4242424242424242", 12, 2030, "123"))
    shop.transactions.record_charge(PAYMENT, ChargeAttempt(f"{PAYMENT}#ivr", token.token, NOW))
    shop.sandbox.charge(token.token, Money(12050), f"{PAYMENT}#ivr")
    assert shop.pay().outcome is KeypadOutcome.APPROVED  # Connect's retry, same key
    assert len(shop.sandbox.charges) == 1
    assert shop.status() is TransactionStatus.COMPLETE


def test_a_step_that_died_before_the_in_doubt_mark_does_not_let_the_hang_up_abandon_it() -> None:
    shop = Shop()
    token = shop.sandbox.tokenize(CardDetails("4242424242424242", 12, 2030, "123"))
    shop.transactions.record_charge(PAYMENT, ChargeAttempt(f"{PAYMENT}#ivr", token.token, NOW))
    shop.sandbox.charge(token.token, Money(12050), f"{PAYMENT}#ivr")
    assert shop.hang_up() is AbandonOutcome.PAID
    assert shop.status() is TransactionStatus.COMPLETE
    assert len(shop.sandbox.charges) == 1


def test_twenty_concurrent_retries_and_hang_ups_of_a_charge_in_doubt_charge_once() -> None:
    shop = Shop()
    shop.sandbox.unanswered = 1
    shop.pay()
    with ThreadPoolExecutor(max_workers=8) as pool:
        runs = [pool.submit(shop.pay if i % 2 else shop.hang_up) for i in range(20)]
        for run in runs:
            run.result()
    assert len(shop.sandbox.charges) == 1
    assert shop.status() is TransactionStatus.COMPLETE
    customer = shop.callers.find_by_phone(PHONE)
    assert customer is not None and customer.balance == Money(0)  # lowered once
    assert set(shop.queue.keys()) == {
        f"confirmation-email#{PAYMENT}",
        f"confirmation-sms#{PAYMENT}",
    }

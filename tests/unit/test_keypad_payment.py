"""Pay by phone in the domain: field checks, what the flow carries, one charge per payment."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ivr.adapters.messaging.render import TemplatedPaymentMessages
from ivr.adapters.processors.sandbox import SandboxProcessor
from ivr.callers import Customer
from ivr.core.keypad_input import UnreadableInputError
from ivr.core.money import Money
from ivr.notify import OutgoingMessage
from ivr.payments.cards import CardField
from ivr.payments.keypad import (
    EncryptedCard,
    KeypadAnswer,
    KeypadOutcome,
    check_card_number,
    check_expiry,
    pay_by_phone,
)
from ivr.payments.transactions import PaymentChannel, Transaction, TransactionStatus
from tests import fakes

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
TODAY = date(2026, 12, 1)
PHONE = "+13125550142"


class FakeDecrypter:
    """Stands in for Connect's encryption: ``enc:<digits>`` decrypts to the digits."""

    def decrypt(self, stored_input: str) -> str:
        if not stored_input.startswith("enc:"):
            raise UnreadableInputError("not ours")
        return stored_input.removeprefix("enc:")


class ListQueue:
    def __init__(self) -> None:
        self.messages: list[OutgoingMessage] = []

    def enqueue(self, message: OutgoingMessage) -> None:
        self.messages.append(message)


def card(number: str = "4242424242424242", expiry: str = "1230", cvv: str = "123") -> EncryptedCard:
    return EncryptedCard(f"enc:{number}", f"enc:{expiry}", f"enc:{cvv}")


def test_a_luhn_valid_number_is_carried_on_still_encrypted() -> None:
    answer = check_card_number(card(), decrypter=FakeDecrypter())
    assert answer.outcome is KeypadOutcome.NEXT
    assert answer.keep == EncryptedCard(card_number="enc:4242424242424242")


@pytest.mark.parametrize("typed", ["4242424242424241", "4242", "Timeout"])
def test_a_bad_or_missing_card_number_is_asked_again(typed: str) -> None:
    entry = EncryptedCard(card_number=typed if typed == "Timeout" else f"enc:{typed}")
    answer = check_card_number(entry, decrypter=FakeDecrypter())
    assert (answer.outcome, answer.field, answer.keep) == (
        KeypadOutcome.INVALID,
        CardField.NUMBER,
        EncryptedCard(),
    )


@pytest.mark.parametrize(("expiry", "ok"), [("1126", False), ("1226", True), ("1326", False)])
def test_an_expiry_is_good_through_its_month(expiry: str, ok: bool) -> None:
    answer = check_expiry(card(expiry=expiry), decrypter=FakeDecrypter(), today=TODAY)
    assert (answer.outcome is KeypadOutcome.NEXT) is ok
    assert answer.keep.card_number == "enc:4242424242424242"
    assert answer.keep.cvv == ""


class Shop:
    def __init__(self) -> None:
        self.callers = fakes.FakeCallerStore()
        self.transactions = fakes.FakeTransactionStore(self.callers)
        self.processor = SandboxProcessor()
        self.queue = ListQueue()
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
                payment_id="5f1c2a9e-0000-4000-8000-000000000001",
                customer_phone=PHONE,
                amount=Money(12050),
                channel=PaymentChannel.IVR,
                status=TransactionStatus.OPEN,
                created_at=NOW,
                updated_at=NOW,
                contact_id="call-1",
            )
        )

    def pay(self, entry: EncryptedCard) -> KeypadAnswer:
        return pay_by_phone(
            entry,
            "5f1c2a9e-0000-4000-8000-000000000001",
            caller_phone=PHONE,
            decrypter=FakeDecrypter(),
            today=TODAY,
            now=NOW,
            transactions=self.transactions,
            callers=self.callers,
            processor=self.processor,
            queue=self.queue,
            messages=TemplatedPaymentMessages(),
        )


def test_paying_charges_once_and_a_retry_hears_the_same_approval() -> None:
    shop = Shop()
    first, retry = shop.pay(card()), shop.pay(card())
    assert first == retry
    assert first.outcome is KeypadOutcome.APPROVED
    assert first.payment is not None and first.payment.last4 == "4242"
    assert len(shop.processor.charges) == 1
    assert {m.channel.value for m in shop.queue.messages} == {"sms", "email"}


def test_a_short_security_code_keeps_card_and_expiry_and_charges_nothing() -> None:
    shop = Shop()
    answer = shop.pay(card(cvv="12"))
    assert answer.outcome is KeypadOutcome.INVALID
    assert answer.field is CardField.CVV
    assert answer.keep == EncryptedCard("enc:4242424242424242", "enc:1230")
    assert shop.processor.charges == []


def test_the_encrypted_card_never_shows_its_ciphertext_in_a_repr() -> None:
    assert "enc:" not in repr(card())

"""Paying over the phone: card details typed on the keypad, charged like a portal payment.

Connect captures each field with an encrypted "store customer input" block (the flow names our
certificate), so card number, expiry and CVV reach us only as ciphertext; they are decrypted
here, in memory, for one invocation, and never stored or logged in clear (PCI DSS 3.3, 3.5).
Connect keeps one stored input at a time, so the flow carries the fields already checked from
step to step as the ciphertext it got them in, and the last step receives all three.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.callers import CallerStore
from ivr.core.errors import NotFoundError
from ivr.core.keypad_input import StoredInputDecrypter, UnreadableInputError
from ivr.notify import MessageQueue
from ivr.payments.cards import (
    CardField,
    ChargeStatus,
    InvalidCardError,
    PaymentProcessor,
    card_number_of,
    expiry_of,
    parse_card,
)
from ivr.payments.checkout import (
    ChargeInDoubtError,
    JointReads,
    NoCustomerError,
    PaymentMessages,
    PaymentOutcome,
    PaymentServices,
    ReplayError,
    SeparateReads,
    charge_transaction,
    queue_payment_messages,
)
from ivr.payments.portal_link import payment_reference
from ivr.payments.transactions import PaymentChannel, TransactionStatus, TransactionStore


@dataclass(frozen=True, repr=False)
class EncryptedCard:
    """What the caller typed, still encrypted as Connect stored it; empty for a field not yet
    entered (or not yet found valid)."""

    card_number: str = ""
    expiry: str = ""
    cvv: str = ""

    def __repr__(self) -> str:
        entered = [f.value for f, v in self._fields() if v]
        return f"EncryptedCard(entered={entered})"

    def _fields(self) -> list[tuple[CardField, str]]:
        return [
            (CardField.NUMBER, self.card_number),
            (CardField.EXPIRY, self.expiry),
            (CardField.CVV, self.cvv),
        ]

    def before(self, field: CardField) -> EncryptedCard:
        """The fields entered before ``field`` (the ones the caller need not type again)."""
        if field is CardField.NUMBER:
            return EncryptedCard()
        if field is CardField.EXPIRY:
            return EncryptedCard(card_number=self.card_number)
        return replace(self, cvv="")


class KeypadOutcome(StrEnum):
    """What the flow branches on (``result``)."""

    NEXT = "next"  # this field is fine: ask for the next one
    INVALID = "invalid"  # ask for ``field`` again
    APPROVED = "approved"
    DECLINED = "declined"
    #: The processor did not answer: the charge may be made. Not "declined": the caller hears it
    #: is not confirmed yet and that a text will follow (the follow-up sweep sends it).
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class KeypadAnswer:
    outcome: KeypadOutcome
    keep: EncryptedCard  # the ciphertexts the flow carries to the next step
    field: CardField | None = None  # with INVALID: the field to ask again
    payment: PaymentOutcome | None = None  # with APPROVED and DECLINED


def _invalid(entry: EncryptedCard, field: CardField) -> KeypadAnswer:
    return KeypadAnswer(KeypadOutcome.INVALID, entry.before(field), field)


def _read(decrypter: StoredInputDecrypter, stored: str, field: CardField) -> str:
    try:
        return decrypter.decrypt(stored)
    except UnreadableInputError as unreadable:
        raise InvalidCardError(f"{field.value} unreadable", field) from unreadable


def check_card_number(entry: EncryptedCard, *, decrypter: StoredInputDecrypter) -> KeypadAnswer:
    """The card number alone: 13-19 digits that pass the Luhn check."""
    try:
        card_number_of(_read(decrypter, entry.card_number, CardField.NUMBER))
    except InvalidCardError:
        return _invalid(entry, CardField.NUMBER)
    return KeypadAnswer(KeypadOutcome.NEXT, EncryptedCard(card_number=entry.card_number))


def check_expiry(
    entry: EncryptedCard, *, decrypter: StoredInputDecrypter, today: date
) -> KeypadAnswer:
    """The expiry alone (MMYY), not past in the card holder's zone (``today`` is their date)."""
    try:
        expiry_of(_read(decrypter, entry.expiry, CardField.EXPIRY), today=today)
    except InvalidCardError:
        return _invalid(entry, CardField.EXPIRY)
    return KeypadAnswer(KeypadOutcome.NEXT, replace(entry, cvv=""))


class NotThisCallersPaymentError(NotFoundError):
    """The payment the contact attributes name is not an open payment of this call's caller."""

    code = "PaymentNotFound"


def local_date(now: datetime, zone_name: str, fallback_zone: str) -> date:
    """The caller's date in their own zone: a card is valid through its month's end there."""
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(fallback_zone)
    return now.astimezone(zone).date()


def pay_by_phone(
    entry: EncryptedCard,
    payment_id: str,
    *,
    caller_phone: str,
    decrypter: StoredInputDecrypter,
    now: datetime,
    transactions: TransactionStore,
    callers: CallerStore,
    processor: PaymentProcessor,
    queue: MessageQueue,
    messages: PaymentMessages,
    reads: JointReads | None = None,
    today: date | None = None,
    fallback_zone: str = "UTC",
) -> KeypadAnswer:
    """Decrypt the three fields, check them together, tokenise the card and charge the
    transaction once (the processor's idempotency key is ``<payment id>#ivr``); settling and the
    confirmations are the portal's (``charge_transaction``). A retried invocation after the
    charge finds the transaction settled and answers what the first one did.

    The payment must be the caller's (``caller_phone``, the number on record): contact
    attributes are only what the flow wrote, so they are checked, as the abandon step does.
    The caller and the payment are read together (``reads``: one round trip); ``today`` is the
    caller's date in their zone unless given."""
    joint = reads or SeparateReads(transactions, callers=callers)
    customer, txn = joint.caller_and_payment(caller_phone, payment_id)
    if customer is None:
        raise NoCustomerError("pay by phone needs a known caller")
    if txn is None or txn.customer_phone != caller_phone:
        raise NotThisCallersPaymentError("no such payment for this caller")
    if today is None:
        today = local_date(now, customer.timezone, fallback_zone)
    try:
        card = parse_card(
            _read(decrypter, entry.card_number, CardField.NUMBER),
            _read(decrypter, entry.expiry, CardField.EXPIRY),
            _read(decrypter, entry.cvv, CardField.CVV),
            today=today,
        )
    except InvalidCardError as invalid:
        return _invalid(entry, invalid.field or CardField.NUMBER)
    token = processor.tokenize(card)  # the clear digits go no further than this call
    try:
        outcome = charge_transaction(
            payment_id,
            token.token,
            channel=PaymentChannel.IVR,
            now=now,
            transactions=transactions,
            callers=callers,
            processor=processor,
            queue=queue,
            messages=messages,
            read=(txn, customer),
        )
    except ChargeInDoubtError:
        return KeypadAnswer(KeypadOutcome.UNCONFIRMED, EncryptedCard())
    except ReplayError:
        services = PaymentServices(processor, callers, queue, messages)
        return _settled_before(
            entry, payment_id, token.last4, transactions=transactions, services=services
        )
    approved = outcome.status is ChargeStatus.APPROVED
    result = KeypadOutcome.APPROVED if approved else KeypadOutcome.DECLINED
    return KeypadAnswer(result, EncryptedCard(), payment=outcome)


def _settled_before(
    entry: EncryptedCard,
    payment_id: str,
    last4: str,
    *,
    transactions: TransactionStore,
    services: PaymentServices,
) -> KeypadAnswer:
    """Connect retried the step after the charge: answer the settled result again (the same
    card only; anything else is a replay the caller must not hear as a success), and queue the
    confirmations the first run owed (the queue was down then; the sender sends each once)."""
    txn = transactions.get(payment_id)
    if txn is None or txn.card is None or txn.card.last4 != last4:
        raise ReplayError("the transaction was settled another way")
    statuses: dict[TransactionStatus, tuple[KeypadOutcome, ChargeStatus]] = {
        TransactionStatus.COMPLETE: (KeypadOutcome.APPROVED, ChargeStatus.APPROVED),
        TransactionStatus.FAILED: (KeypadOutcome.DECLINED, ChargeStatus.DECLINED),
    }
    if txn.status not in statuses:
        raise ReplayError(f"transaction is {txn.status.value}")
    result, charge = statuses[txn.status]
    if txn.confirmations_owed:
        customer = services.callers.find_by_phone(txn.customer_phone)
        if customer is not None:
            queue_payment_messages(txn, customer, transactions=transactions, services=services)
    reference = payment_reference(payment_id)
    payment = PaymentOutcome(
        charge, payment_id, txn.amount, txn.card.last4, reference, brand=txn.card.brand
    )
    return KeypadAnswer(result, EncryptedCard(), payment=payment)

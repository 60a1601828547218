"""Paying a transaction: on the portal (session, link, PIN, charge) or by phone, then confirming.

Every function here is safe to run again with the same contact and step: Connect retries a
Lambda up to 3 times within 8 s, the portal page may post twice, SQS redelivers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ivr.callers import CallerStore, Customer
from ivr.core.errors import (
    ConflictError,
    IvrError,
    NotFoundError,
    NotificationError,
    RefusedError,
)
from ivr.core.hashing import keyed_hash, new_salt
from ivr.core.money import Money
from ivr.core.observability import logger
from ivr.notify import MessageQueue, OutgoingMessage
from ivr.payments.cards import (
    MAX_PAYMENT,
    ChargeStatus,
    InvalidAmountError,
    PaymentProcessor,
    check_amount,
)
from ivr.payments.portal import (
    MAX_CARD_ATTEMPTS,
    PortalNotice,
    PortalSession,
    PortalSessionStatus,
    PortalSessionStore,
    link_for,
    new_pin,
    new_session,
)
from ivr.payments.portal_link import payment_reference
from ivr.payments.transactions import (
    CardSummary,
    PaymentChannel,
    Transaction,
    TransactionStatus,
    TransactionStore,
)
from ivr.steps import StepClaims


class PaymentMessages(Protocol):
    """The texts a payment sends, worded by an adapter (the templates in templates/)."""

    def portal_link_sms(
        self, *, session_id: str, phone: str, link: str, amount: Money
    ) -> OutgoingMessage: ...

    def payment_confirmations(
        self,
        *,
        payment_id: str,
        first_name: str,
        phone: str,
        email: str,
        amount: Money,
        last4: str,
        at: datetime,
        timezone: str,
    ) -> list[OutgoingMessage]: ...


class StepInProgressError(IvrError):
    """Another invocation of the same contact step is still at work; the flow's error branch."""

    code = "StepInProgress"


class NoCustomerError(NotFoundError):
    code = "NoCustomer"


@dataclass(frozen=True)
class PortalStart:
    session_id: str
    payment_id: str
    amount: Money
    pin: str  # handed to the flow once, read to the caller, never stored in clear


class AmountStatus(StrEnum):
    """What the IVR does with the amount a caller asked for (AccountBalance's ``amountStatus``)."""

    OK = "ok"  # confirm it and take the payment
    ASK = "ask"  # none given: ask "the full balance of X, or another amount?"
    REFUSED = "refused"  # say ``reason`` and ask again


@dataclass(frozen=True)
class AmountCheck:
    status: AmountStatus
    balance: Money
    default: Money  # what "the full balance" / "yes" means: an unfinished payment's, else all
    amount: Money | None = None  # the amount to pay, when OK
    reason: str = ""  # why a refused amount cannot be paid, as the caller hears it
    unfinished: bool = False  # ``default`` is the amount of a payment left unfinished

    def question(self) -> str:
        """The amount question, with the keypad equivalent the bot understands."""
        keys = (
            "To pay another amount, say it, or key it in dollars and cents, then press pound: "
            "for $75.00, key 7 5 0 0 pound."
        )
        if self.unfinished:
            return (
                f"Your unfinished payment is for {self.default.spoken()}, and your balance is "
                f"{self.balance.spoken()}. To pay {self.default.spoken()}, say yes, or press 1. "
                + keys
            )
        return (
            f"Your balance is {self.balance.spoken()}. To pay all of it, say the full balance, "
            "or press 1. " + keys
        )


def check_payment_amount(
    customer: Customer,
    requested: str | None,
    *,
    chosen: bool = False,
    allow_overpayment: bool = False,
) -> AmountCheck:
    """The amount a caller asked for, against the rules: positive, whole minor units, at most
    the balance (unless the operator allows over-payment, ALLOW_OVERPAYMENT) and the limit.
    No amount is a question, unless the caller ``chosen`` the one offered ("the full balance")."""
    balance = customer.balance
    mark = customer.open_transaction
    default = mark.amount if mark is not None else balance
    if not (requested or "").strip():
        status = AmountStatus.OK if chosen else AmountStatus.ASK
        amount = default if chosen else None
        return AmountCheck(status, balance, default, amount, unfinished=mark is not None)
    try:
        amount = Money.parse(str(requested), balance.currency)
    except ValueError:
        reason = "Sorry, I didn't get that amount."
        return AmountCheck(AmountStatus.REFUSED, balance, default, reason=reason)
    if amount.minor <= 0:
        reason = "The amount needs to be more than zero."
        return AmountCheck(AmountStatus.REFUSED, balance, default, reason=reason)
    if amount > balance and not allow_overpayment:
        reason = f"That's more than your balance of {balance.spoken()}, so I can't take it."
        return AmountCheck(AmountStatus.REFUSED, balance, default, reason=reason)
    if amount > MAX_PAYMENT:
        reason = f"I can take at most {MAX_PAYMENT.spoken()} in one payment."
        return AmountCheck(AmountStatus.REFUSED, balance, default, reason=reason)
    return AmountCheck(AmountStatus.OK, balance, default, amount)


def _amount_to_pay(customer: Customer, requested: str | None, allow_overpayment: bool) -> Money:
    """The amount asked for; none asked, an unfinished payment's amount or the full balance.
    An amount the rules refuse raises (the flow checked it first: this is the last guard)."""
    check = check_payment_amount(customer, requested, allow_overpayment=allow_overpayment)
    amount = check.amount if check.status is AmountStatus.OK else None
    if check.status is AmountStatus.ASK:
        amount = check.default
    if amount is None:
        raise InvalidAmountError(f"cannot charge the requested amount: {check.reason}")
    check_amount(amount)
    return amount


# --- which transaction a payment works on ---------------------------------------------------------


@dataclass(frozen=True)
class PaymentPlan:
    """The transaction a payment step works on: this call's own open one, or a new one (fresh,
    or in place of an abandoned payment, ``replaces``) that ``open_planned`` stores."""

    transaction: Transaction
    is_new: bool
    replaces: str | None = None


def plan_payment(
    customer: Customer,
    *,
    contact_id: str,
    channel: PaymentChannel,
    requested_amount: str | None,
    now: datetime,
    transactions: TransactionStore,
    allow_overpayment: bool = False,
) -> PaymentPlan:
    """Decide the transaction, writing nothing but this: a payment another (earlier) call left
    open is marked abandoned, since that call is over and its link must not pay any more."""
    amount = _amount_to_pay(customer, requested_amount, allow_overpayment)
    fresh = Transaction(
        payment_id=str(uuid.uuid4()),
        customer_phone=customer.phone,
        amount=amount,
        channel=channel,
        status=TransactionStatus.OPEN,
        created_at=now,
        updated_at=now,
        contact_id=contact_id,
    )
    mark = customer.open_transaction
    if mark is None:
        return PaymentPlan(fresh, is_new=True)
    current = transactions.get(mark.payment_id)
    if current is not None and current.status is TransactionStatus.OPEN:
        if current.contact_id == contact_id and current.amount == amount:
            return PaymentPlan(current, is_new=False)  # this call's own payment, again
        abandon_payment(current.payment_id, now=now, transactions=transactions)
    return PaymentPlan(fresh, is_new=True, replaces=mark.payment_id)


def open_planned(plan: PaymentPlan, *, transactions: TransactionStore) -> None:
    """Store a planned new transaction; ConflictError when another invocation got there first."""
    if not plan.is_new:
        return
    if plan.replaces is None:
        transactions.open(plan.transaction)
    else:
        transactions.resume(plan.replaces, plan.transaction)


def take_up_payment(
    customer: Customer,
    *,
    contact_id: str,
    channel: PaymentChannel,
    requested_amount: str | None,
    now: datetime,
    transactions: TransactionStore,
    callers: CallerStore,
    allow_overpayment: bool = False,
) -> Transaction:
    """Open the caller's payment, pick up their unfinished one, or find the one this call opened
    (Connect may run the step up to four times, concurrently too: the loser re-reads)."""
    for attempt in range(2):
        plan = plan_payment(
            customer,
            contact_id=contact_id,
            channel=channel,
            requested_amount=requested_amount,
            now=now,
            transactions=transactions,
            allow_overpayment=allow_overpayment,
        )
        try:
            open_planned(plan, transactions=transactions)
            return plan.transaction
        except ConflictError:
            again = callers.find_by_phone(customer.phone)
            if attempt or again is None:
                raise
            customer = again
    raise AssertionError("unreachable")  # pragma: no cover


def abandon_payment(payment_id: str, *, now: datetime, transactions: TransactionStore) -> bool:
    """open -> abandoned; False when it is not open (paid, failed or abandoned meanwhile)."""
    try:
        transactions.settle(payment_id, TransactionStatus.ABANDONED, now)
    except ConflictError:
        return False
    return True


class AbandonOutcome(StrEnum):
    ABANDONED = "abandoned"
    LINK_LIVE = "linkLive"  # the portal link still works: the customer may pay on the page
    NOTHING = "nothing"  # settled already, or taken over by a later call


def abandon_unfinished_payment(
    payment_id: str,
    *,
    contact_id: str,
    portal_session_id: str | None,
    now: datetime,
    transactions: TransactionStore,
    sessions: PortalSessionStore,
) -> AbandonOutcome:
    """The caller hung up (the disconnect flow): an open payment of this call is abandoned,
    unless its portal link is still live - the page may still pay it, and the next call, the
    status poll or the next resume offer marks it once the link has expired."""
    txn = transactions.get(payment_id)
    if txn is None or txn.status is not TransactionStatus.OPEN or txn.contact_id != contact_id:
        return AbandonOutcome.NOTHING
    session = sessions.get(portal_session_id) if portal_session_id else None
    live = {PortalSessionStatus.ISSUED, PortalSessionStatus.VERIFIED}
    if (
        session is not None
        and session.payment_id == payment_id
        and session.status in live
        and now < session.expires_at
    ):
        return AbandonOutcome.LINK_LIVE
    if abandon_payment(payment_id, now=now, transactions=transactions):
        return AbandonOutcome.ABANDONED
    return AbandonOutcome.NOTHING


def start_portal_payment(
    *,
    customer: Customer | None,
    contact_id: str,
    step: str,
    requested_amount: str | None,
    now: datetime,
    pepper: bytes,
    portal_base_url: str,
    transactions: TransactionStore,
    sessions: PortalSessionStore,
    claims: StepClaims,
    queue: MessageQueue,
    messages: PaymentMessages,
    after_session: str = "",
    allow_overpayment: bool = False,
) -> PortalStart:
    """Open (or resume) the caller's transaction, create a portal session, queue the link SMS
    to the number on record, and return the PIN for the IVR to read.

    The first invocation of (contact, step) does all of it; a retry finds the same session and
    issues a fresh PIN (the earlier answer never reached the caller), with no second session,
    transaction or SMS. ``after_session`` names the link this call sent before (declined,
    locked or expired): a new link in the same call is a new step, so it gets a new session.
    """
    if customer is None:
        raise NoCustomerError("portal payment needs a known caller")
    plan = plan_payment(
        customer,
        contact_id=contact_id,
        channel=PaymentChannel.PORTAL,
        requested_amount=requested_amount,
        now=now,
        transactions=transactions,
        allow_overpayment=allow_overpayment,
    )
    amount, payment_id = plan.transaction.amount, plan.transaction.payment_id
    issued = new_session(
        customer_phone=customer.phone,
        payment_id=payment_id,
        contact_id=contact_id,
        pepper=pepper,
        now=now,
    )
    key = f"{contact_id}#{step}#{after_session}" if after_session else f"{contact_id}#{step}"
    winner = claims.claim(key, issued.session.session_id)
    if winner != issued.session.session_id:
        return _repeat_start(winner, pepper=pepper, sessions=sessions, amount=amount)
    try:
        open_planned(plan, transactions=transactions)
        sessions.create(issued.session)
    except IvrError:
        claims.release(key, issued.session.session_id)
        raise
    link = link_for(portal_base_url, issued.session.session_id, issued.link_token)
    try:
        queue.enqueue(
            messages.portal_link_sms(
                session_id=issued.session.session_id, phone=customer.phone, link=link, amount=amount
            )
        )
    except IvrError:
        # The link never went out: give the step up, so running it again (the flow's retry,
        # Connect's) sends a new link instead of answering StepInProgress for the whole call.
        # The transaction stays open for it; the unsent session expires unused.
        claims.release(key, issued.session.session_id)
        raise
    sessions.mark_link_queued(issued.session.session_id)
    return PortalStart(issued.session.session_id, payment_id, amount, issued.pin)


def _repeat_start(
    session_id: str, *, pepper: bytes, sessions: PortalSessionStore, amount: Money
) -> PortalStart:
    session = sessions.get(session_id)
    if session is None or not session.link_queued:
        raise StepInProgressError("the first invocation of this step has not finished")
    pin, salt = new_pin(), new_salt()
    try:
        sessions.reissue_pin(session_id, keyed_hash(pepper, salt, pin), salt)
    except ConflictError as exc:
        raise StepInProgressError("the session is already in use") from exc
    return PortalStart(session_id, session.payment_id, amount, pin)


class PaymentState(StrEnum):
    """What the waiting IVR hears about (the status Lambda's ``paymentStatus``)."""

    WAITING = "waiting"  # link sent, nothing done yet (or PIN entered, no payment yet)
    INCOMPLETE = "incomplete"  # the customer submitted with fields missing
    TRY_ANOTHER_CARD = "tryAnotherCard"  # a card was declined; the page takes another
    COMPLETE = "complete"
    DECLINED = "declined"
    EXPIRED = "expired"
    LOCKED = "locked"
    UNKNOWN = "unknown"


def payment_state(
    session_id: str,
    *,
    now: datetime,
    sessions: PortalSessionStore,
    transactions: TransactionStore,
    consume_notice: bool = True,
) -> PaymentState:
    """What the waiting IVR hears. The IVR consumes an "incomplete" notice (it prompts once per
    submit); a reader that only looks (the agent's timeline) passes ``consume_notice=False``."""
    session = sessions.get(session_id)
    if session is None:
        return PaymentState.UNKNOWN
    txn = transactions.get(session.payment_id)
    if txn is not None and txn.status is TransactionStatus.COMPLETE:
        return PaymentState.COMPLETE
    if txn is not None and txn.status is TransactionStatus.FAILED:
        return PaymentState.DECLINED
    # A locked or expired link cannot pay any more: the payment is abandoned (once; the caller
    # is offered to pick it up on the next call).
    if session.status is PortalSessionStatus.LOCKED:
        abandon_payment(session.payment_id, now=now, transactions=transactions)
        return PaymentState.LOCKED
    if now >= session.expires_at:
        abandon_payment(session.payment_id, now=now, transactions=transactions)
        return PaymentState.EXPIRED
    for notice, state in _NOTICE_STATES.items():
        if session.notice is notice and (
            not consume_notice or sessions.take_notice(session_id, notice)
        ):
            return state
    return PaymentState.WAITING


#: A notice the IVR hears once (it prompts the caller), then the state is waiting again.
_NOTICE_STATES = {
    PortalNotice.INCOMPLETE: PaymentState.INCOMPLETE,
    PortalNotice.DECLINED: PaymentState.TRY_ANOTHER_CARD,
}


class ReplayError(ConflictError):
    """The session was used already (paid, or its transaction settled): the API's 409."""

    code = "Replay"


class SessionRefusedError(RefusedError):
    """Unknown, expired, locked or not verified: the one answer that is no oracle."""

    code = "SessionRefused"


@dataclass(frozen=True)
class PaymentOutcome:
    status: ChargeStatus
    payment_id: str
    amount: Money
    last4: str
    reference: str
    card_tries_left: int = 0  # after a decline: cards the page may still try
    brand: str = ""


def submit_portal_payment(
    session: PortalSession,
    card_token: str,
    *,
    now: datetime,
    sessions: PortalSessionStore,
    transactions: TransactionStore,
    callers: CallerStore,
    processor: PaymentProcessor,
    queue: MessageQueue,
    messages: PaymentMessages,
) -> PaymentOutcome:
    """Charge the session's transaction once. A double submit reaches the processor with the
    same idempotency key (one charge) and the conditional writes let one request settle."""
    if session.status is PortalSessionStatus.PAID:
        raise ReplayError("this payment link was used already")
    if session.status is not PortalSessionStatus.VERIFIED or now >= session.expires_at:
        raise SessionRefusedError("session not verified or expired")
    attempt = session.declines + 1
    if attempt > MAX_CARD_ATTEMPTS:
        raise ReplayError("this link tried all the cards it may")
    return charge_transaction(
        session.payment_id,
        card_token,
        channel=PaymentChannel.PORTAL,
        now=now,
        transactions=transactions,
        callers=callers,
        processor=processor,
        queue=queue,
        messages=messages,
        after_approval=lambda: _mark_paid(sessions, session.session_id),
        attempt=attempt,
        max_attempts=MAX_CARD_ATTEMPTS,
        after_retryable_decline=lambda: _count_decline(sessions, session),
    )


def _mark_paid(sessions: PortalSessionStore, session_id: str) -> None:
    with suppress(ConflictError):  # a concurrent submit of the same payment marked it
        sessions.mark_paid(session_id)


def _count_decline(sessions: PortalSessionStore, session: PortalSession) -> None:
    with suppress(ConflictError):  # a doubled submit of the same card counted it already
        sessions.count_decline(session.session_id, session.declines)


def charge_transaction(
    payment_id: str,
    card_token: str,
    *,
    channel: PaymentChannel,
    now: datetime,
    transactions: TransactionStore,
    callers: CallerStore,
    processor: PaymentProcessor,
    queue: MessageQueue,
    messages: PaymentMessages,
    after_approval: Callable[[], None] | None = None,
    attempt: int = 1,
    max_attempts: int = 1,
    after_retryable_decline: Callable[[], None] | None = None,
) -> PaymentOutcome:
    """Charge an open transaction with card ``attempt`` of ``max_attempts``: a decline before
    the last leaves it open for another card (``after_retryable_decline``), the last fails it."""
    txn = transactions.get(payment_id)
    if txn is None:
        raise SessionRefusedError("no such transaction")
    if txn.status is not TransactionStatus.OPEN:
        raise ReplayError(f"transaction is {txn.status.value}")
    # One key per transaction, channel and card attempt: a retried or doubled request charges
    # once, and another card after a decline is a new charge.
    key = f"{payment_id}#{channel}" + (f"#{attempt}" if attempt > 1 else "")
    result = processor.charge(card_token, txn.amount, idempotency_key=key)
    card = CardSummary(result.card.brand, result.card.last4, result.card.token)
    reference = payment_reference(payment_id)
    if result.status is ChargeStatus.DECLINED:
        left = max_attempts - attempt
        if left > 0 and after_retryable_decline is not None:
            after_retryable_decline()
        else:
            left = 0
            _settle(transactions, payment_id, TransactionStatus.FAILED, now, card)
        return PaymentOutcome(
            result.status, payment_id, txn.amount, card.last4, reference, left, card.brand
        )
    _settle(transactions, payment_id, TransactionStatus.COMPLETE, now, card)
    if after_approval is not None:
        after_approval()
    customer = callers.find_by_phone(txn.customer_phone)
    if customer is not None:
        _queue_confirmations(payment_id, customer, txn.amount, card, now, queue, messages)
    return PaymentOutcome(
        result.status, payment_id, txn.amount, card.last4, reference, brand=card.brand
    )


def _queue_confirmations(
    payment_id: str,
    customer: Customer,
    amount: Money,
    card: CardSummary,
    now: datetime,
    queue: MessageQueue,
    messages: PaymentMessages,
) -> None:
    """Queue the SMS and e-mail of a payment that is made. A queue that cannot be reached does
    not unmake it: the caller still hears it is paid, and the error log names the payment whose
    confirmations an operator sends again (tests/faults/test_payment_faults.py)."""
    try:
        for message in messages.payment_confirmations(
            payment_id=payment_id,
            first_name=customer.first_name,
            phone=customer.phone,
            email=customer.email,
            amount=amount,
            last4=card.last4,
            at=now,
            timezone=customer.timezone,
        ):
            queue.enqueue(message)  # the sender sends each key once, however often it is queued
    except NotificationError as error:
        logger.error(
            "payment confirmations not queued",
            extra={"paymentId": payment_id, "errorCode": error.code},
        )


def _settle(
    transactions: TransactionStore,
    payment_id: str,
    status: TransactionStatus,
    now: datetime,
    card: CardSummary,
) -> None:
    try:
        transactions.settle(payment_id, status, now, card)
    except ConflictError:
        current = transactions.get(payment_id)
        if current is None or current.status is not status:
            raise  # settled another way meanwhile: not ours to overwrite

"""Paying a transaction: on the portal (session, link, PIN, charge) or by phone, then confirming.

Every function here is safe to run again with the same contact and step: Connect retries a
Lambda up to 3 times within 8 s, the portal page may post twice, SQS redelivers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ivr.activity import ActivityEvent, ActivityLog
from ivr.callers import CallerStore, Customer
from ivr.core.errors import (
    ConflictError,
    IvrError,
    NotFoundError,
    NotificationError,
    RefusedError,
    StoreUnavailableError,
)
from ivr.core.hashing import keyed_hash, new_salt
from ivr.core.money import Money
from ivr.core.observability import logger
from ivr.notify import MessageQueue, OutgoingMessage
from ivr.payments.cards import (
    MAX_PAYMENT,
    ChargeResult,
    ChargeStatus,
    InvalidAmountError,
    PaymentProcessor,
    ProcessorUnavailableError,
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
    shown_name,
)
from ivr.payments.portal_link import payment_reference
from ivr.payments.transactions import (
    CardSummary,
    ChargeAttempt,
    PaymentChannel,
    SettleAlong,
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

    def payment_not_taken_sms(
        self, *, payment_id: str, first_name: str, phone: str, amount: Money
    ) -> OutgoingMessage:
        """The text for a charge in doubt that turned out not to be made."""


class JointReads(Protocol):
    """Items a step needs together, read in one round trip (a transactional read) where the
    store allows; the flow already knows both keys."""

    def session_and_payment(
        self, session_id: str, payment_id: str
    ) -> tuple[PortalSession | None, Transaction | None]: ...

    def caller_and_payment(
        self, phone: str, payment_id: str
    ) -> tuple[Customer | None, Transaction | None]: ...


@dataclass(frozen=True)
class SeparateReads:
    """JointReads from each store's own read: the fakes, and any store without a joint read."""

    transactions: TransactionStore
    callers: CallerStore | None = None
    sessions: PortalSessionStore | None = None

    def session_and_payment(
        self, session_id: str, payment_id: str
    ) -> tuple[PortalSession | None, Transaction | None]:
        if self.sessions is None:
            raise TypeError("SeparateReads without sessions")
        return self.sessions.get(session_id), self.transactions.get(payment_id)

    def caller_and_payment(
        self, phone: str, payment_id: str
    ) -> tuple[Customer | None, Transaction | None]:
        if self.callers is None:
            raise TypeError("SeparateReads without callers")
        return self.callers.find_by_phone(phone), self.transactions.get(payment_id)


class StepInProgressError(IvrError):
    """Another invocation of the same contact step is still at work; the flow's error branch."""

    code = "StepInProgress"


class NoCustomerError(NotFoundError):
    code = "NoCustomer"


class ChargeInDoubtError(ProcessorUnavailableError):
    """The processor did not answer a charge it may have made: the transaction is in doubt (never
    abandoned, never charged afresh) until its answer to the same key settles it, and the
    customer gets the result by text. What the caller hears: not confirmed yet, not declined."""

    code = "ChargeInDoubt"


class PaymentInDoubtError(ConflictError):
    """A new payment while the customer's last charge is still in doubt: it would pay twice."""

    code = "PaymentInDoubt"


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
    if current is not None and current.status is TransactionStatus.IN_DOUBT:
        raise PaymentInDoubtError("the customer's last charge is not confirmed yet")
    if current is not None and current.status is TransactionStatus.OPEN:
        if current.contact_id == contact_id and current.amount == amount:
            return PaymentPlan(current, is_new=False)  # this call's own payment, again
        abandon_payment(current.payment_id, now=now, transactions=transactions)
    return PaymentPlan(fresh, is_new=True, replaces=mark.payment_id)


def open_planned(
    plan: PaymentPlan, *, transactions: TransactionStore, session: PortalSession | None = None
) -> bool:
    """Store a planned new transaction (with ``session``, in the same write); ConflictError
    when another invocation got there first. True when ``session`` was stored with it."""
    if not plan.is_new:
        return False
    if plan.replaces is None:
        transactions.open(plan.transaction, session=session)
    else:
        transactions.resume(plan.replaces, plan.transaction, session=session)
    return session is not None


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
    PAID = "paid"  # its charge, unanswered in the call, was made: settled and confirmed
    NOT_TAKEN = "notTaken"  # its charge in doubt was not made: failed, and the customer told
    IN_DOUBT = "inDoubt"  # the processor still does not answer: left for the follow-up sweep


@dataclass(frozen=True)
class PaymentServices:
    """What settling a charge from the processor's answer needs, off the call's own path (the
    abandon step, the follow-up sweep): the processor, the customer, the queue, the wording."""

    processor: PaymentProcessor
    callers: CallerStore
    queue: MessageQueue
    messages: PaymentMessages


def abandon_unfinished_payment(
    payment_id: str,
    *,
    contact_id: str,
    portal_session_id: str | None,
    now: datetime,
    transactions: TransactionStore,
    sessions: PortalSessionStore,
    services: Callable[[], PaymentServices] | None = None,
) -> AbandonOutcome:
    """The caller hung up (the disconnect flow): an open payment of this call is abandoned,
    unless its portal link is still live - the page may still pay it, and the next call, the
    status poll or the next resume offer marks it once the link has expired.

    A payment whose charge was sent first asks the processor again with the same key
    (``services``): made -> paid (and confirmed), not made -> abandoned as before (in doubt:
    failed, and the customer told), no answer -> in doubt, for the follow-up sweep. ``services``
    is called only then (a hang-up with nothing to settle builds no clients)."""
    txn = transactions.get(payment_id)
    if txn is None or txn.contact_id != contact_id:
        return AbandonOutcome.NOTHING
    if txn.status is TransactionStatus.IN_DOUBT and services is not None:
        settled = settle_charge_in_doubt(
            txn, now=now, transactions=transactions, services=services()
        )
        return _abandon_outcome(settled)
    if txn.status is not TransactionStatus.OPEN:
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
    if txn.charge is not None and services is not None:
        settled = settle_charge_in_doubt(
            txn, now=now, transactions=transactions, services=services()
        )
        if settled is not Settlement.NOT_MADE:
            return _abandon_outcome(settled)
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
        amount=amount,
        customer_name=shown_name(customer.first_name, customer.last_name),
    )
    key = f"{contact_id}#{step}#{after_session}" if after_session else f"{contact_id}#{step}"
    winner = claims.claim(key, issued.session.session_id)
    if winner != issued.session.session_id:
        return _repeat_start(winner, pepper=pepper, sessions=sessions, amount=amount)
    try:
        # The payment and the session that pays it in one write when the payment is new.
        if not open_planned(plan, transactions=transactions, session=issued.session):
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
    UNCONFIRMED = "unconfirmed"  # the processor did not answer the charge: in doubt, texted later
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
    payment_id: str = "",
    reads: JointReads | None = None,
    session: PortalSession | None = None,
) -> PaymentState:
    """What the waiting IVR hears. The IVR consumes an "incomplete" notice (it prompts once per
    submit); a reader that only looks (the agent's timeline) passes ``consume_notice=False``.

    The waiting flow knows the payment too (``payment_id``, its attribute): with ``reads`` the
    session and the transaction come in one round trip; a payment id that is not the session's
    (an attribute from an earlier link) costs a second read of the right one. ``session`` is
    the session as the caller just read it (no second read)."""
    session, txn = _session_and_payment(
        session_id, payment_id, session, sessions=sessions, transactions=transactions, reads=reads
    )
    if session is None:
        return PaymentState.UNKNOWN
    if txn is not None and txn.status is TransactionStatus.COMPLETE:
        return PaymentState.COMPLETE
    if txn is not None and txn.status is TransactionStatus.FAILED:
        return PaymentState.DECLINED
    if txn is not None and txn.status is TransactionStatus.IN_DOUBT:
        return PaymentState.UNCONFIRMED
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


def _session_and_payment(
    session_id: str,
    payment_id: str,
    known: PortalSession | None,
    *,
    sessions: PortalSessionStore,
    transactions: TransactionStore,
    reads: JointReads | None,
) -> tuple[PortalSession | None, Transaction | None]:
    """The session (``known``, or read) and its payment, in as few reads as the keys allow."""
    txn: Transaction | None = None
    session = known if known is not None and known.session_id == session_id else None
    if session is None and reads is not None and payment_id:
        session, txn = reads.session_and_payment(session_id, payment_id)
    elif session is None:
        session = sessions.get(session_id)
    if session is not None and (txn is None or txn.payment_id != session.payment_id):
        txn = transactions.get(session.payment_id)
    return session, txn


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
    reads: JointReads | None = None,
    activity: ActivityLog | None = None,
) -> PaymentOutcome:
    """Charge the session's transaction once. A double submit reaches the processor with the
    same idempotency key (one charge) and the conditional writes let one request settle.

    With ``reads`` the payment and its customer come in one round trip; with ``activity`` an
    approval settles, marks the session paid and tells the agent in one write."""
    if session.status is PortalSessionStatus.PAID:
        raise ReplayError("this payment link was used already")
    if session.status is not PortalSessionStatus.VERIFIED or now >= session.expires_at:
        raise SessionRefusedError("session not verified or expired")
    attempt = session.declines + 1
    if attempt > MAX_CARD_ATTEMPTS:
        raise ReplayError("this link tried all the cards it may")
    read = None
    if reads is not None:
        customer, txn = reads.caller_and_payment(session.customer_phone, session.payment_id)
        read = (txn, customer) if txn is not None else None

    def approval(outcome: PaymentOutcome) -> SettleAlong:
        note = ActivityEvent(session.contact_id, now, "portal", approved_note(outcome))
        return SettleAlong(session.session_id, note, activity)

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
        after_approval=None if activity else lambda: _mark_paid(sessions, session.session_id),
        attempt=attempt,
        max_attempts=MAX_CARD_ATTEMPTS,
        after_retryable_decline=lambda: _count_decline(sessions, session),
        read=read,
        approval=approval if activity else None,
    )


def approved_note(outcome: PaymentOutcome) -> str:
    """The agent's timeline line for an approved portal payment."""
    shown = f"{outcome.amount.spoken()} with the card ending {outcome.last4}"
    return f"portal: payment of {shown} approved, reference {outcome.reference}"


def _mark_paid(sessions: PortalSessionStore, session_id: str) -> None:
    with suppress(ConflictError):  # a concurrent submit of the same payment marked it
        sessions.mark_paid(session_id)


def _count_decline(sessions: PortalSessionStore, session: PortalSession) -> None:
    with suppress(ConflictError):  # a doubled submit of the same card counted it already
        sessions.count_decline(session.session_id, session.declines)


def charge_key(payment_id: str, channel: PaymentChannel, attempt: int = 1) -> str:
    """One key per transaction, channel and card attempt: a retried or doubled request charges
    once, and another card after a decline is a new charge."""
    return f"{payment_id}#{channel}" + (f"#{attempt}" if attempt > 1 else "")


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
    read: tuple[Transaction, Customer | None] | None = None,
    approval: Callable[[PaymentOutcome], SettleAlong] | None = None,
) -> PaymentOutcome:
    """Charge an open transaction with card ``attempt`` of ``max_attempts``: a decline before
    the last leaves it open for another card (``after_retryable_decline``), the last fails it.
    ``read`` is the transaction and its customer as the step just read them: no second read;
    ``approval`` says what an approving settle writes with it.

    The charge is recorded on the transaction before the processor is asked; when no answer
    comes, the transaction is in doubt and ChargeInDoubtError is raised. A transaction already
    in doubt (or with an earlier charge never answered) asks again with that charge's key first:
    what it did is the answer, never a second charge."""
    txn = read[0] if read is not None else transactions.get(payment_id)
    if txn is None:
        raise SessionRefusedError("no such transaction")
    customer = read[1] if read is not None else None
    services = PaymentServices(processor, callers, queue, messages)
    key = charge_key(payment_id, channel, attempt)
    if txn.status is TransactionStatus.IN_DOUBT or _unanswered_before(txn, key, attempt):
        earlier = _charged_before(
            txn, customer, now=now, transactions=transactions, services=services
        )
        if earlier is not None:
            return earlier
    if txn.status is not TransactionStatus.OPEN:
        raise ReplayError(f"transaction is {txn.status.value}")
    replaces = txn.charge.key if txn.charge is not None else None
    result = _charge_recorded(
        txn, card_token, key, replaces, now=now, transactions=transactions, processor=processor
    )
    card = CardSummary(result.card.brand, result.card.last4, result.card.token)
    reference = payment_reference(payment_id)
    if result.status is ChargeStatus.DECLINED:
        left = max_attempts - attempt
        if left > 0 and after_retryable_decline is not None:
            after_retryable_decline()
        else:
            left = 0
            _settle(transactions, txn, TransactionStatus.FAILED, now, card)
        return PaymentOutcome(
            result.status, payment_id, txn.amount, card.last4, reference, left, card.brand
        )
    approved = PaymentOutcome(
        result.status, payment_id, txn.amount, card.last4, reference, brand=card.brand
    )
    along = approval(approved) if approval is not None else None
    _settle(transactions, txn, TransactionStatus.COMPLETE, now, card, along)
    if after_approval is not None:
        after_approval()
    _confirm(txn, customer, card, now=now, transactions=transactions, services=services)
    return approved


def _unanswered_before(txn: Transaction, key: str, attempt: int) -> bool:
    """Whether the transaction's recorded charge is another key whose answer may never have come
    back (its step died). The page counts a decline before it offers another card, so the
    previous attempt's key is a known decline."""
    if txn.charge is None or txn.charge.key == key:
        return False
    previous = charge_key(txn.payment_id, txn.channel, attempt - 1) if attempt > 1 else None
    return txn.charge.key != previous


def _charge_recorded(
    txn: Transaction,
    card_token: str,
    key: str,
    replaces: str | None,
    *,
    now: datetime,
    transactions: TransactionStore,
    processor: PaymentProcessor,
) -> ChargeResult:
    """Record the charge on the transaction, then ask the processor: no answer leaves the
    transaction in doubt (ChargeInDoubtError), never open for a charge with another key."""
    try:
        transactions.record_charge(
            txn.payment_id, ChargeAttempt(key, card_token, now), replaces=replaces
        )
    except ConflictError as exc:
        raise ReplayError("the transaction changed meanwhile") from exc
    try:
        return processor.charge(card_token, txn.amount, idempotency_key=key)
    except ProcessorUnavailableError as unanswered:
        _hold_in_doubt(transactions, txn.payment_id, now)
        raise ChargeInDoubtError("the processor did not answer: charge in doubt") from unanswered


def _confirm(
    txn: Transaction,
    customer: Customer | None,
    card: CardSummary,
    *,
    now: datetime,
    transactions: TransactionStore,
    services: PaymentServices,
) -> None:
    """Queue (or owe) the confirmations of ``txn``, just settled complete with ``card``."""
    if customer is None or customer.phone != txn.customer_phone:
        customer = services.callers.find_by_phone(txn.customer_phone)
    if customer is not None:
        paid = replace(txn, status=TransactionStatus.COMPLETE, updated_at=now, card=card)
        queue_payment_messages(paid, customer, transactions=transactions, services=services)


def _charged_before(
    txn: Transaction,
    customer: Customer | None,
    *,
    now: datetime,
    transactions: TransactionStore,
    services: PaymentServices,
) -> PaymentOutcome | None:
    """A later attempt on a transaction whose last charge went unanswered: the processor's answer
    to that charge's key is the outcome (the caller hears it; an SMS is for those who hung up).
    None when the transaction is open and that charge was declined: the new one may go."""
    attempt = txn.charge
    if attempt is None:
        raise ChargeInDoubtError("a transaction in doubt without its charge: an agent settles it")
    result = _ask_again(txn, attempt, now=now, transactions=transactions, services=services)
    if result is None:
        raise ChargeInDoubtError("the processor still does not answer")
    card = CardSummary(result.card.brand, result.card.last4, result.card.token)
    outcome = PaymentOutcome(
        result.status,
        txn.payment_id,
        txn.amount,
        card.last4,
        payment_reference(txn.payment_id),
        brand=card.brand,
    )
    if result.status is ChargeStatus.APPROVED:
        _settle(transactions, txn, TransactionStatus.COMPLETE, now, card)
        _confirm(txn, customer, card, now=now, transactions=transactions, services=services)
    elif txn.status is TransactionStatus.OPEN:
        return None
    else:
        _settle(transactions, txn, TransactionStatus.FAILED, now, card)
    return outcome


def _ask_again(
    txn: Transaction,
    attempt: ChargeAttempt,
    *,
    now: datetime,
    transactions: TransactionStore,
    services: PaymentServices,
) -> ChargeResult | None:
    """The processor's answer to the recorded charge (same token, amount and key: the first
    result again, or the charge made now if it never arrived); None when it still does not
    answer, and the transaction is then in doubt."""
    try:
        return services.processor.charge(
            attempt.card_token, txn.amount, idempotency_key=attempt.key
        )
    except ProcessorUnavailableError:
        if txn.status is TransactionStatus.OPEN:
            _hold_in_doubt(transactions, txn.payment_id, now)
        return None


def _hold_in_doubt(transactions: TransactionStore, payment_id: str, at: datetime) -> None:
    """open -> in_doubt after an unanswered charge. The charge is already recorded, so a write
    that fails here loses nothing: the next step, the abandon step or the sweep asks again."""
    try:
        transactions.mark_in_doubt(payment_id, at)
    except (ConflictError, StoreUnavailableError) as error:
        logger.warning(
            "charge in doubt not marked", extra={"paymentId": payment_id, "errorCode": error.code}
        )


class Settlement(StrEnum):
    """What asking the processor again about a recorded charge settled."""

    PAID = "paid"  # made: complete, and the confirmations queued (or owed)
    NOT_TAKEN = "notTaken"  # in doubt and not made: failed, and the customer texted
    NOT_MADE = "notMade"  # open and not made (declined): nothing settled
    IN_DOUBT = "inDoubt"  # still no answer: in doubt
    SETTLED = "settled"  # settled another way meanwhile


def settle_charge_in_doubt(
    txn: Transaction, *, now: datetime, transactions: TransactionStore, services: PaymentServices
) -> Settlement:
    """Settle a transaction whose recorded charge went unanswered from the processor's answer to
    the same key, and tell the customer (nobody is on the line to hear it): the confirmations
    when made, a text saying no money was taken when not."""
    attempt = txn.charge
    if attempt is None or txn.status not in {TransactionStatus.OPEN, TransactionStatus.IN_DOUBT}:
        return Settlement.SETTLED
    result = _ask_again(txn, attempt, now=now, transactions=transactions, services=services)
    if result is None:
        return Settlement.IN_DOUBT
    approved = result.status is ChargeStatus.APPROVED
    if not approved and txn.status is TransactionStatus.OPEN:
        return Settlement.NOT_MADE
    card = CardSummary(result.card.brand, result.card.last4, result.card.token)
    status = TransactionStatus.COMPLETE if approved else TransactionStatus.FAILED
    try:
        _settle(transactions, txn, status, now, card)
    except ConflictError:
        return Settlement.SETTLED
    customer = services.callers.find_by_phone(txn.customer_phone)
    if customer is not None:
        settled = replace(txn, status=status, updated_at=now, card=card)
        queue_payment_messages(settled, customer, transactions=transactions, services=services)
    return Settlement.PAID if approved else Settlement.NOT_TAKEN


def _abandon_outcome(settled: Settlement) -> AbandonOutcome:
    return {
        Settlement.PAID: AbandonOutcome.PAID,
        Settlement.NOT_TAKEN: AbandonOutcome.NOT_TAKEN,
        Settlement.IN_DOUBT: AbandonOutcome.IN_DOUBT,
    }.get(settled, AbandonOutcome.NOTHING)


def _payment_messages(
    txn: Transaction, customer: Customer, messages: PaymentMessages
) -> list[OutgoingMessage]:
    """What a settled payment tells its customer: the confirmations (complete), or that no money
    was taken (failed). Worded from the transaction, so a message sent later is the same one."""
    if txn.status is not TransactionStatus.COMPLETE:
        return [
            messages.payment_not_taken_sms(
                payment_id=txn.payment_id,
                first_name=customer.first_name,
                phone=customer.phone,
                amount=txn.amount,
            )
        ]
    return messages.payment_confirmations(
        payment_id=txn.payment_id,
        first_name=customer.first_name,
        phone=customer.phone,
        email=customer.email,
        amount=txn.amount,
        last4=txn.card.last4 if txn.card else "",
        at=txn.updated_at,
        timezone=customer.timezone,
    )


def queue_payment_messages(
    txn: Transaction,
    customer: Customer,
    *,
    transactions: TransactionStore,
    services: PaymentServices,
) -> bool:
    """Queue what a settled payment tells its customer; True when queued. A queue that cannot be
    reached does not unmake the payment: the messages are owed on the transaction, and the next
    retry of the step or the follow-up sweep queues them. The sender sends each key once, so
    queueing them again (a retry, the sweep, both) never texts twice. Queued messages that
    were owed are cleared (``txn.confirmations_owed``)."""
    try:
        for message in _payment_messages(txn, customer, services.messages):
            services.queue.enqueue(message)
    except NotificationError as error:
        logger.error(
            "payment confirmations not queued",
            extra={"paymentId": txn.payment_id, "errorCode": error.code},
        )
        if not txn.confirmations_owed:
            _owe(transactions, txn.payment_id, owed=True)
        return False
    if txn.confirmations_owed:
        _owe(transactions, txn.payment_id, owed=False)
    return True


def _owe(transactions: TransactionStore, payment_id: str, *, owed: bool) -> None:
    try:
        transactions.owe_confirmations(payment_id, owed)
    except (ConflictError, StoreUnavailableError) as error:
        # Owing not recorded: the error log above names the payment. Clearing lost to a
        # concurrent clearer: it queued them too, and the sender sends each key once.
        logger.warning(
            "owed confirmations not recorded",
            extra={"paymentId": payment_id, "owed": owed, "errorCode": error.code},
        )


def _settle(
    transactions: TransactionStore,
    txn: Transaction,
    status: TransactionStatus,
    now: datetime,
    card: CardSummary,
    along: SettleAlong | None = None,
) -> None:
    payment_id = txn.payment_id
    try:
        transactions.settle(payment_id, status, now, card, current=txn, along=along)
    except ConflictError:
        current = transactions.get(payment_id)
        if current is None or current.status is not status:
            raise  # settled another way meanwhile: not ours to overwrite

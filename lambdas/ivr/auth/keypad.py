"""Keypad (DTMF) authentication: knowledge answers, lockout counters, SMS codes for enrolment.

Keypad answers (last four of the national ID, the postal code) are low assurance: NIST SP
800-63A 5.3.2 forbids relying on data that is sold or public, which these are. On their own they
unlock balance and payment only; voice enrolment also needs a one-time code sent by SMS to the
number on record; anything else goes to an agent.

Counters (NIST 800-63A: at most 3 attempts, a 2-minute inactivity timeout):
  * 3 wrong answers in a call -> an agent, with the whisper "authentication failed";
  * 5 wrong answers for a customer within 24 hours -> the keypad is locked for that customer
    until an agent unlocks it (it escalates, never resets itself: at 5 tries a day a 4-digit
    answer falls in about a year);
  * no input in 2 minutes counts as a wrong answer.
Every change is a conditional write on a versioned record, so parallel calls cannot race past a
limit, and each attempt carries an id (contact + try number) so Connect's retries of the same
invocation count once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ivr.activity import ActivityLog
from ivr.auth.voice import record
from ivr.callers import CallerStore, Customer
from ivr.core.errors import ConflictError, IvrError, StoreUnavailableError
from ivr.core.hashing import keyed_hash, matches, new_salt
from ivr.core.keypad_input import StoredInputDecrypter, UnreadableInputError
from ivr.notify import Channel, Notifier, OutgoingMessage

#: Connect stores this word in $.StoredCustomerInput when the caller pressed nothing in time.
NO_INPUT = "Timeout"
WINDOW = timedelta(hours=24)
#: The per-call record outlives the call; the TTL only cleans up.
CONTACT_RECORD_LIFETIME = timedelta(days=1)

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)  # NIST SP 800-63B 5.1.3.2, ASVS 6.5.5
CODE_ATTEMPTS = 3
CODE_SENDS = 3
#: A code sent this recently is not sent again: that is Connect retrying the same step.
RESEND_AFTER = timedelta(seconds=30)


#: Account numbers are digits; anything longer than this is not one (and is not looked up).
MAX_ACCOUNT_DIGITS = 16


class KnowledgeQuestion(StrEnum):
    NATIONAL_ID = "nationalId"
    POSTAL_CODE = "postalCode"
    NONE = "none"  # nothing on record: the keypad cannot authenticate this customer


def keypad_question(customer: Customer | None) -> KnowledgeQuestion:
    """What the IVR asks for: the national ID's last four when on record, else the postal code."""
    knowledge = customer.knowledge if customer else None
    if knowledge and knowledge.national_id_last4:
        return KnowledgeQuestion.NATIONAL_ID
    if knowledge and knowledge.postal_code:
        return KnowledgeQuestion.POSTAL_CODE
    return KnowledgeQuestion.NONE


@dataclass(frozen=True)
class KeypadLimits:
    per_call: int = 3
    per_day: int = 5


# --- state -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerFailures:
    """Wrong keypad answers for one customer: attempt id -> when. Locked at the daily limit."""

    phone: str
    failures: Mapping[str, datetime] = field(default_factory=dict)
    locked_at: datetime | None = None
    version: int = 0  # 0: not stored yet

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


@dataclass(frozen=True)
class ContactAuth:
    """One call's authentication: its wrong answers, what it proved, the account it claimed."""

    contact_id: str
    failures: Mapping[str, datetime] = field(default_factory=dict)
    keypad_passed: bool = False
    code_confirmed: bool = False
    claimed_phone: str | None = None  # unknown callers: the account they typed ("" = none)
    version: int = 0


class CodeStatus(StrEnum):
    ISSUED = "issued"
    CONFIRMED = "confirmed"
    LOCKED = "locked"


@dataclass(frozen=True)
class OneTimeCode:
    """An SMS code bound to one contact and the number on record; only its keyed hash is kept."""

    contact_id: str
    phone: str
    salt: str
    code_hash: str
    issued_at: datetime
    expires_at: datetime
    status: CodeStatus = CodeStatus.ISSUED
    sent: bool = False
    sends: int = 1
    wrong_tries: frozenset[str] = frozenset()
    version: int = 0


class AuthStore(Protocol):
    """Versioned records: ``save_*`` writes only if the stored version is ``expected_version``
    (0: no record yet), else raises ConflictError."""

    def customer_failures(self, phone: str) -> CustomerFailures | None: ...

    def save_customer_failures(self, state: CustomerFailures, expected_version: int) -> None: ...

    def contact(self, contact_id: str) -> ContactAuth | None: ...

    def save_contact(self, state: ContactAuth, expected_version: int) -> None: ...

    def one_time_code(self, contact_id: str) -> OneTimeCode | None: ...

    def save_one_time_code(self, code: OneTimeCode, expected_version: int) -> None: ...


# --- keypad answers --------------------------------------------------------------------------


class KeypadResult(StrEnum):
    AUTHENTICATED = "authenticated"
    WRONG = "wrong"  # try again
    AGENT = "agent"  # the call's limit is reached
    LOCKED = "locked"  # the customer's keypad is locked until an agent unlocks it
    NO_ANSWER_ON_RECORD = "noAnswerOnRecord"


@dataclass(frozen=True)
class KeypadVerdict:
    result: KeypadResult
    failures_in_call: int = 0
    timed_out: bool = False

    @property
    def next_try(self) -> int:
        return self.failures_in_call + 1


@dataclass(frozen=True)
class KeypadAttempt:
    contact_id: str
    try_number: int  # from the flow: Connect retries the same invocation with the same number
    answer: str | None  # the digits; None when nothing was entered (Connect's "Timeout")

    @property
    def attempt_id(self) -> str:
        return f"{self.contact_id}#{self.try_number}"

    @classmethod
    def from_input(cls, contact_id: str, try_number: str, digits: str | None) -> KeypadAttempt:
        """``digits`` as ``typed_digits`` read them (None: nothing pressed in time)."""
        number = int(try_number) if try_number.isdigit() and 0 < int(try_number) < 100 else 1
        return cls(contact_id, number, digits)


def typed_digits(stored_input: str, *, decrypter: StoredInputDecrypter) -> str | None:
    """What the caller pressed, from ``$.StoredCustomerInput``: None for Connect's "Timeout"
    (nothing pressed in time), else the digits the decrypter recovers from Connect's ciphertext.
    Anything else is UnreadableInputError, answered as an error: never counted as a wrong answer
    that could lock a customer out."""
    text = stored_input.strip()
    if text in ("", NO_INPUT):
        return None
    digits = decrypter.decrypt(text).rstrip("#")
    if not digits.isdigit() or not digits.isascii():
        raise UnreadableInputError("stored customer input is not keypad digits")
    return digits


@dataclass(frozen=True)
class KeypadServices:
    store: AuthStore
    activity: ActivityLog
    pepper: bytes
    limits: KeypadLimits = KeypadLimits()


def _expected_hash(customer: Customer | None, question: KnowledgeQuestion) -> tuple[str, str]:
    knowledge = customer.knowledge if customer else None
    if knowledge is None:
        return "", ""
    if question is KnowledgeQuestion.NATIONAL_ID:
        return knowledge.salt, knowledge.national_id_last4 or ""
    if question is KnowledgeQuestion.POSTAL_CODE:
        return knowledge.salt, knowledge.postal_code or ""
    return "", ""


def _answer_matches(pepper: bytes, salt: str, expected: str, answer: str | None) -> bool:
    """Constant time (ASVS 11.2.4), and the same work whether or not there is an answer."""
    candidate = answer if answer is not None and answer.isdigit() else ""
    same = matches(pepper, salt or "no-salt", candidate, expected or "0" * 64)
    return same and bool(expected) and bool(candidate)


def check_keypad_answer(
    attempt: KeypadAttempt,
    customer: Customer | None,
    question: KnowledgeQuestion,
    *,
    services: KeypadServices,
    now: datetime,
) -> KeypadVerdict:
    """Check a known caller's digits against the keyed hash on record and count a wrong answer
    for the call and for the customer (their number on record)."""
    counter_key = customer.phone if customer else None
    return _check(attempt, customer, question, counter_key, services=services, now=now)


def check_account_answer(
    attempt: KeypadAttempt,
    customer: Customer | None,
    *,
    services: KeypadServices,
    now: datetime,
) -> KeypadVerdict:
    """The postal code of a caller who typed an account number (``customer`` None: no such
    account). The answer sounds the same whether the account exists, is locked or not: a lock
    is never announced (it would tell a stranger the account exists), a locked account just never
    matches. Failures here count on a counter of their own (``account#<phone>``), so a stranger
    typing someone's account number cannot lock the owner out of their own number's check; a lock
    on either counter closes this path."""
    counter_key = f"account#{customer.phone}" if customer else None
    verdict = _check(
        attempt,
        customer,
        KnowledgeQuestion.POSTAL_CODE,
        counter_key,
        services=services,
        now=now,
        silent_lock=True,
        also_locked_by=customer.phone if customer else None,
    )
    if verdict.result in (KeypadResult.NO_ANSWER_ON_RECORD, KeypadResult.LOCKED):
        return replace(verdict, result=KeypadResult.WRONG)  # never reached: belt and braces
    return verdict


def _check(
    attempt: KeypadAttempt,
    customer: Customer | None,
    question: KnowledgeQuestion,
    counter_key: str | None,
    *,
    services: KeypadServices,
    now: datetime,
    silent_lock: bool = False,
    also_locked_by: str | None = None,
) -> KeypadVerdict:
    contact = services.store.contact(attempt.contact_id) or ContactAuth(attempt.contact_id)
    if contact.keypad_passed:  # Connect retried an invocation that had succeeded
        return KeypadVerdict(KeypadResult.AUTHENTICATED, len(contact.failures))
    counter = services.store.customer_failures(counter_key) if counter_key else None
    if attempt.attempt_id in contact.failures:  # ... or one that had already been counted
        return _after_failure(contact, counter, services, silent_lock)
    locked = _locked(counter) or (
        also_locked_by is not None and _locked(services.store.customer_failures(also_locked_by))
    )
    if locked and not silent_lock:
        record(services.activity, attempt.contact_id, now, "keypad: locked")
        return KeypadVerdict(KeypadResult.LOCKED, len(contact.failures))
    if len(contact.failures) >= services.limits.per_call:
        return KeypadVerdict(KeypadResult.AGENT, len(contact.failures))
    salt, expected = _expected_hash(customer, question)
    if customer is not None and not expected and not silent_lock:
        record(services.activity, attempt.contact_id, now, "keypad: no answer on record")
        return KeypadVerdict(KeypadResult.NO_ANSWER_ON_RECORD)
    if _answer_matches(services.pepper, salt, expected, attempt.answer) and not locked:
        return _passed(attempt, contact, services, now)
    return _failed(
        attempt, contact, counter_key, counter, services=services, now=now, silent=silent_lock
    )


def _locked(counter: CustomerFailures | None) -> bool:
    return counter is not None and counter.locked


def _passed(
    attempt: KeypadAttempt, read: ContactAuth, services: KeypadServices, now: datetime
) -> KeypadVerdict:
    limit = services.limits.per_call
    contact = _update_contact(
        services.store,
        attempt.contact_id,
        lambda c: replace(c, keypad_passed=True) if len(c.failures) < limit else c,
        read,
    )
    if not contact.keypad_passed:  # concurrent wrong tries used up the call's limit first
        return KeypadVerdict(KeypadResult.AGENT, len(contact.failures))
    record(services.activity, attempt.contact_id, now, "authenticated by keypad")
    return KeypadVerdict(KeypadResult.AUTHENTICATED, len(contact.failures))


def _failed(
    attempt: KeypadAttempt,
    read: ContactAuth,
    counter_key: str | None,
    counter: CustomerFailures | None,
    *,
    services: KeypadServices,
    now: datetime,
    silent: bool,
) -> KeypadVerdict:
    """Count the wrong answer in the call - conditionally, so concurrent tries cannot pass the
    call's limit - and, if it was counted there, for the customer."""
    limit, key = services.limits.per_call, attempt.attempt_id
    contact = _update_contact(
        services.store,
        attempt.contact_id,
        lambda c: (
            replace(c, failures={**c.failures, key: now})
            if len(c.failures) < limit and key not in c.failures
            else c
        ),
        read,
    )
    if key not in contact.failures:
        return KeypadVerdict(KeypadResult.AGENT, len(contact.failures))
    if counter_key is not None and not (counter is not None and counter.locked):
        counter = count_customer_failure(counter_key, key, services, now)
    verdict = _after_failure(contact, counter, services, silent)
    text = "no input" if attempt.answer is None else "failed"
    text = f"keypad: {text} {verdict.failures_in_call}/{limit}"
    if verdict.result is KeypadResult.LOCKED:
        text += f", locked after {services.limits.per_day} in 24 h"
    record(services.activity, attempt.contact_id, now, text)
    return replace(verdict, timed_out=attempt.answer is None)


def _after_failure(
    contact: ContactAuth,
    counter: CustomerFailures | None,
    services: KeypadServices,
    silent_lock: bool = False,
) -> KeypadVerdict:
    failures = len(contact.failures)
    if counter is not None and counter.locked and not silent_lock:
        return KeypadVerdict(KeypadResult.LOCKED, failures)
    if failures >= services.limits.per_call:
        return KeypadVerdict(KeypadResult.AGENT, failures)
    return KeypadVerdict(KeypadResult.WRONG, failures)


def count_customer_failure(
    phone: str, attempt_id: str, services: KeypadServices, now: datetime
) -> CustomerFailures:
    """Count one wrong answer for the customer; lock at the daily limit.

    Optimistic concurrency: read, decide, write if the version is unchanged, else read again.
    Every lost round is another caller's counted failure, so a caller retries at most ``per_day``
    times before it finds the lock.
    """
    limit = services.limits.per_day
    for _ in range(limit + 2):
        current = services.store.customer_failures(phone) or CustomerFailures(phone)
        if current.locked or attempt_id in current.failures:
            return current
        recent = {key: at for key, at in current.failures.items() if at > now - WINDOW}
        recent[attempt_id] = now
        updated = CustomerFailures(
            phone,
            recent,
            locked_at=now if len(recent) >= limit else None,
            version=current.version + 1,
        )
        try:
            services.store.save_customer_failures(updated, expected_version=current.version)
        except ConflictError:
            continue
        return updated
    raise StoreUnavailableError("keypad counter: too many concurrent changes")


def unlock_keypad(phone: str, *, store: AuthStore) -> None:
    """An agent, having identified the customer, unlocks their keypad (failures forgotten)."""
    for _ in range(5):
        current = store.customer_failures(phone)
        if current is None or (not current.locked and not current.failures):
            return
        try:
            store.save_customer_failures(
                CustomerFailures(phone, version=current.version + 1), current.version
            )
        except ConflictError:
            continue
        return
    raise StoreUnavailableError("keypad unlock: too many concurrent changes")


def unlock_keypad_for_agent(
    phone: str,
    *,
    contact_id: str,
    agent: str,
    store: AuthStore,
    activity: ActivityLog,
    now: datetime,
) -> None:
    """The agent on ``contact_id`` identified its customer: lift the lock, and say who did it in
    the contact's activity log."""
    unlock_keypad(phone, store=store)
    record(activity, contact_id, now, f"keypad unlocked by agent {agent}")


def _update_contact(
    store: AuthStore,
    contact_id: str,
    change: Callable[[ContactAuth], ContactAuth],
    read: ContactAuth | None = None,
) -> ContactAuth:
    """Change the call's record; ``read`` is the record as just read (saves reading it again)."""
    for _ in range(5):  # only this call writes its record; a conflict is Connect's own retry
        current, read = read or store.contact(contact_id) or ContactAuth(contact_id), None
        changed = change(current)
        if changed == current:  # nothing to write (a limit reached, an attempt already counted)
            return current
        updated = replace(changed, version=current.version + 1)
        try:
            store.save_contact(updated, expected_version=current.version)
        except ConflictError:
            continue
        return updated
    raise StoreUnavailableError("contact authentication record: too many concurrent changes")


def contact_state(contact_id: str, *, store: AuthStore) -> ContactAuth:
    return store.contact(contact_id) or ContactAuth(contact_id)


# --- unknown callers: account number + postal code -------------------------------------------


def claim_account(contact_id: str, customer: Customer | None, *, store: AuthStore) -> None:
    """Remember which account the caller typed (or that none matched), for the postal-code
    check that follows. The caller hears the same whether or not the account exists."""
    claimed = customer.phone if customer else ""
    _update_contact(store, contact_id, lambda c: replace(c, claimed_phone=claimed))


def claim_account_number(
    contact_id: str, digits: str | None, *, callers: CallerStore, store: AuthStore
) -> None:
    """The account number an unknown caller typed: looked up only when it can be one (digits,
    at most MAX_ACCOUNT_DIGITS), then claimed for the call (claim_account)."""
    customer = None
    if digits and len(digits) <= MAX_ACCOUNT_DIGITS:
        customer = callers.find_by_account(digits)
    claim_account(contact_id, customer, store=store)


def check_claimed_account(
    attempt: KeypadAttempt, *, callers: CallerStore, services: KeypadServices, now: datetime
) -> tuple[KeypadVerdict, Customer | None]:
    """An unknown caller's postal code for the account they claimed; the customer when it
    authenticates them. A missing, locked or answerless account sounds and branches as a wrong
    code does (check_account_answer), so the caller cannot tell which account numbers exist."""
    claimed = contact_state(attempt.contact_id, store=services.store).claimed_phone
    customer = callers.find_by_phone(claimed) if claimed else None
    verdict = check_account_answer(attempt, customer, services=services, now=now)
    return verdict, customer if verdict.result is KeypadResult.AUTHENTICATED else None


# --- one-time codes by SMS -------------------------------------------------------------------


class CodeResult(StrEnum):
    SENT = "sent"
    CONFIRMED = "confirmed"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"
    NOT_ALLOWED = "notAllowed"  # no keypad answer yet in this call
    TOO_MANY = "tooMany"  # codes sent in this call


@dataclass(frozen=True)
class CodeVerdict:
    result: CodeResult
    tries_left: int = 0


@dataclass(frozen=True)
class CodeServices:
    store: AuthStore
    notifier: Notifier
    activity: ActivityLog
    pepper: bytes


class CodeNotSentError(IvrError):
    code = "CodeNotSent"


def send_enrolment_code(
    contact_id: str, customer: Customer, *, services: CodeServices, now: datetime
) -> CodeVerdict:
    """Text a fresh 6-digit code to the number on record (never to a number given in the call).

    Connect may run this step up to four times, a retry possibly while the first run still waits
    on the provider: a code issued moments ago is not issued again, and the SMS goes through the
    step's idempotent sender (one message per contact and send).
    """
    if not contact_state(contact_id, store=services.store).keypad_passed:
        return CodeVerdict(CodeResult.NOT_ALLOWED)
    existing = services.store.one_time_code(contact_id)
    if existing is not None and existing.status is CodeStatus.CONFIRMED:
        return CodeVerdict(CodeResult.CONFIRMED)
    if existing is not None and now - existing.issued_at < RESEND_AFTER:
        # Sent moments ago, or being sent by a run still waiting on the provider: Connect's
        # retry. A run that died before sending leaves the caller to ask again after 30 s.
        return CodeVerdict(CodeResult.SENT, CODE_ATTEMPTS - len(existing.wrong_tries))
    sends = existing.sends + 1 if existing is not None else 1
    if sends > CODE_SENDS:
        return CodeVerdict(CodeResult.TOO_MANY)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"  # CSPRNG, ASVS 6.5.3
    salt = new_salt()
    issued = OneTimeCode(
        contact_id=contact_id,
        phone=customer.phone,
        salt=salt,
        code_hash=keyed_hash(services.pepper, salt, code),
        issued_at=now,
        expires_at=now + CODE_LIFETIME,
        sends=sends,
        version=(existing.version if existing else 0) + 1,
    )
    services.store.save_one_time_code(issued, expected_version=existing.version if existing else 0)
    services.notifier.send(
        OutgoingMessage(
            channel=Channel.SMS,
            to=customer.phone,
            text=(
                f"Example Bank: your voice registration code is {code}. It expires in 10 minutes."
                " We will never ask you for it outside this call."
            ),
            idempotency_key=f"enrolment-code#{contact_id}#{sends}",
        )
    )
    services.store.save_one_time_code(
        replace(issued, sent=True, version=issued.version + 1), expected_version=issued.version
    )
    record(services.activity, contact_id, now, "enrolment code sent by SMS")
    return CodeVerdict(CodeResult.SENT, CODE_ATTEMPTS)


def check_enrolment_code(
    contact_id: str,
    try_number: str,
    entered: str | None,
    *,
    services: CodeServices,
    now: datetime,
) -> CodeVerdict:
    """Check the code the caller typed: single use, 10 minutes, 3 tries, constant time."""
    code = services.store.one_time_code(contact_id)
    if code is None or not code.sent:
        return CodeVerdict(CodeResult.EXPIRED)
    if code.status is CodeStatus.CONFIRMED:
        return CodeVerdict(CodeResult.CONFIRMED)
    tries_left = CODE_ATTEMPTS - len(code.wrong_tries)
    if code.status is CodeStatus.LOCKED or tries_left <= 0:
        return CodeVerdict(CodeResult.LOCKED)
    if now >= code.expires_at:
        record(services.activity, contact_id, now, "enrolment code: expired")
        return CodeVerdict(CodeResult.EXPIRED)
    attempt = f"{contact_id}#{try_number}"
    if attempt in code.wrong_tries:  # Connect retried a check already counted
        return CodeVerdict(CodeResult.WRONG, tries_left)
    digits = entered or ""
    if matches(services.pepper, code.salt, digits, code.code_hash) and digits:
        confirmed = replace(code, status=CodeStatus.CONFIRMED, version=code.version + 1)
        services.store.save_one_time_code(confirmed, expected_version=code.version)
        _update_contact(services.store, contact_id, lambda c: replace(c, code_confirmed=True))
        record(services.activity, contact_id, now, "enrolment code confirmed")
        return CodeVerdict(CodeResult.CONFIRMED)
    tries = code.wrong_tries | {attempt}
    status = CodeStatus.LOCKED if len(tries) >= CODE_ATTEMPTS else CodeStatus.ISSUED
    wrong = replace(code, wrong_tries=tries, status=status, version=code.version + 1)
    services.store.save_one_time_code(wrong, expected_version=code.version)
    record(
        services.activity, contact_id, now, f"enrolment code: wrong {len(tries)}/{CODE_ATTEMPTS}"
    )
    if status is CodeStatus.LOCKED:
        return CodeVerdict(CodeResult.LOCKED)
    return CodeVerdict(CodeResult.WRONG, CODE_ATTEMPTS - len(tries))


def proven_for_enrolment(contact_id: str, *, store: AuthStore) -> bool:
    """Has this call proven both the keypad answer and possession of the number on record?"""
    state = contact_state(contact_id, store=store)
    return state.keypad_passed and state.code_confirmed

"""Callers: who is on the line, found from their number in one store round trip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ivr.activity import ActivityEvent, ActivityLog
from ivr.core.errors import InvalidPhoneNumberError, NotFoundError
from ivr.core.money import Money
from ivr.core.phone import is_withheld, normalise_e164


class VoiceEnrolment(StrEnum):
    NOT_ENROLLED = "NotEnrolled"
    ENROLLED = "Enrolled"
    OPTED_OUT = "OptedOut"


@dataclass(frozen=True)
class OpenTransaction:
    """The payment a caller left unfinished; kept on the customer so lookup needs no second read."""

    payment_id: str
    amount: Money
    channel: str
    opened_at: datetime


@dataclass(frozen=True)
class PendingCallbackMark:
    """The customer's pending scheduled callback; kept on the customer, like the open
    transaction, so lookup can offer to cancel or move it without a second read."""

    callback_id: str
    queue: str
    call_at: datetime  # aware, UTC
    timezone: str  # the caller's IANA zone, to speak the time back


@dataclass(frozen=True)
class KnowledgeHashes:
    """Keyed hashes (HMAC-SHA256 with a pepper, per-customer salt) of the keypad answers."""

    salt: str
    national_id_last4: str | None
    postal_code: str | None


@dataclass(frozen=True)
class Customer:
    phone: str
    first_name: str
    last_name: str
    email: str
    account_number: str
    balance: Money
    timezone: str
    language: str = "en-US"
    voice_enrolment: VoiceEnrolment = VoiceEnrolment.NOT_ENROLLED
    knowledge: KnowledgeHashes | None = None
    open_transaction: OpenTransaction | None = None
    pending_callback: PendingCallbackMark | None = None


class CallerStore(Protocol):
    def find_by_phone(self, phone: str) -> Customer | None:
        """The customer whose number on record is ``phone`` (E.164), with their open transaction."""

    def find_by_account(self, account_number: str) -> Customer | None:
        """The customer holding ``account_number`` (for callers who withhold their number)."""

    def save(self, customer: Customer) -> None:
        """Create or replace the customer record (the open transaction and the pending
        callback mark are left to their stores)."""

    def set_voice_enrolment(
        self,
        phone: str,
        status: VoiceEnrolment,
        *,
        note: ActivityEvent | None = None,
        activity: ActivityLog | None = None,
    ) -> None:
        """Record the customer's voice enrolment alone (no other field is rewritten);
        NotFoundError when there is no such customer. ``note`` goes to ``activity`` with it
        (in the same write where the store can; a failing timeline never costs the record)."""


class LookupStatus(StrEnum):
    FOUND = "found"
    UNKNOWN = "unknown"  # a valid number with no customer
    WITHHELD = "withheld"  # no number delivered
    INVALID = "invalid"  # a number that is not a valid E.164 number


@dataclass(frozen=True)
class CallerLookup:
    status: LookupStatus
    phone: str | None = None
    customer: Customer | None = None


def caller_phone(raw_number: str | None, *, region: str) -> str | None:
    """The caller's number in E.164, read from nothing; None when withheld or invalid."""
    if raw_number is None or is_withheld(raw_number):
        return None
    try:
        return normalise_e164(raw_number, region)
    except InvalidPhoneNumberError:
        return None


def look_up_caller(raw_number: str | None, *, callers: CallerStore, region: str) -> CallerLookup:
    """Find the customer calling from ``raw_number``, in any network format."""
    if raw_number is None or is_withheld(raw_number):
        return CallerLookup(LookupStatus.WITHHELD)
    try:
        phone = normalise_e164(raw_number, region)
    except InvalidPhoneNumberError:
        return CallerLookup(LookupStatus.INVALID)
    customer = callers.find_by_phone(phone)
    if customer is None:
        return CallerLookup(LookupStatus.UNKNOWN, phone=phone)
    return CallerLookup(LookupStatus.FOUND, phone=phone, customer=customer)


def customer_on_record(number: str | None, *, callers: CallerStore) -> Customer | None:
    """The customer whose number on record is ``number``, read only when it is E.164 (as caller
    lookup normalised it); a number in any other form finds no one."""
    return callers.find_by_phone(number) if number and number.startswith("+") else None


def balance_of(raw_number: str | None, *, callers: CallerStore, region: str) -> Money:
    """The balance of the customer calling from ``raw_number``; NotFoundError if there is none."""
    lookup = look_up_caller(raw_number, callers=callers, region=region)
    if lookup.customer is None:
        raise NotFoundError(f"no customer ({lookup.status.value})")
    return lookup.customer.balance

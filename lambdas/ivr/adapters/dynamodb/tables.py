"""PynamoDB models. Keys and indexes are declared in template.yaml; a test checks they agree.

Access patterns, and the key or index that serves each:

Customers (hash key ``phone``, E.164)
  * caller lookup: the customer AND their open transaction by phone number — one GetItem, because
    the open transaction is denormalised onto the customer (``open_transaction``) by the same
    TransactWriteItems that opens or settles it.  Likewise a pending scheduled callback
    (``pending_callback``: id, queue, due time, zone), set and removed by the TransactWriteItems
    that books, moves, cancels, dials or fails it, each conditional on the mark naming it.
  * identify a caller who withholds their number: by account number — GSI ``by_account``.
Transactions (hash key ``payment_id``)
  * a payment by id (portal, status polling) — GetItem.
  * a customer's payments, newest first — GSI ``by_customer`` (customer_phone, created_at).
PortalSessions (hash key ``session_id``, a UUID)
  * the session behind a link — GetItem; ``expires_at`` is checked in code, ``ttl`` only cleans up.
    It keeps what the page shows (amount, "First L."), so a right PIN reads only the session,
    and a new payment's session is created in the payment's own TransactWriteItems.
Callbacks (hash key ``callback_id``)
  * a callback by id — GetItem.
  * due callbacks: GSI ``by_due`` (due_shard, due_at) queried with ``due_at <= now``. ``due_shard``
    is set only while a callback is scheduled (a sparse index), so a sweep reads what is due,
    not the table, and a late sweep still finds everything it missed. ``due_at`` is when the
    sweeper next acts: the time the caller chose (``call_at``), then a lease's end or a retry's.
  * the one pending callback per number and queue: a guard item (``CallbackGuardItem``, id
    "pending#<phone>#<queue>") written in the same TransactWriteItems as the callback, with a
    condition; it also answers "does this caller have a pending callback?" in one GetItem.
  * free capacity per queue and 15-minute slot: counter items (``CallbackSlotItem``, id
    "slot#<queue>#<UTC start>") changed in the same transactions, conditional on the capacity;
    a BatchGetItem reads the slots around a proposed time.
Activity (hash key ``contact_id``, range key ``seq``: ISO time + counter)
  * a contact's events in order — Query on the partition. A step's event is a Put in the step's
    own TransactWriteItems where it has one (``note_along``): one round trip, not two.
IdempotencyTable (hash key ``id``; Powertools idempotency records and step claims)
  * has this message / this contact step been done? — conditional PutItem, GetItem on retry.
Authentication (hash key ``pk``; versioned items, every write conditional on the version)
  * a customer's wrong keypad answers in the last 24 hours and their lock: "customer#<phone>"
    (``AuthStateItem``) — GetItem, then a PutItem conditional on the version read.
  * one call's authentication (wrong answers, keypad passed, SMS code confirmed, claimed
    account): "contact#<contact id>" (``AuthStateItem``) — same.
  * the SMS code of a call: "code#<contact id>" (``OneTimeCodeItem``), only its keyed hash.
  ``ttl`` cleans up; a locked customer's item has none, so the lock waits for an agent.
CircuitBreakers (hash key ``name``)
  * a dependency's consecutive failures and open-until time — GetItem; UpdateItem ADD counts.
"""

from __future__ import annotations

import os

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from ivr.adapters.dynamodb.connection import Deadlines, Model

# PynamoDB reads Meta at import time; this is the one place the environment is read outside
# settings(). An unset region falls through to botocore's own resolution.
_REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def _table(env_var: str, default: str) -> str:
    return os.environ.get(env_var, default)


class _Deadlines(Deadlines):
    region = _REGION


class OpenTransactionAttribute(MapAttribute[str, object]):
    payment_id = UnicodeAttribute()
    amount_minor = NumberAttribute()
    currency = UnicodeAttribute()
    channel = UnicodeAttribute()
    opened_at = UTCDateTimeAttribute()


class PendingCallbackAttribute(MapAttribute[str, object]):
    """The customer's pending scheduled callback, so caller lookup can offer to cancel or move it
    without a second read. Written and removed in the callback's own TransactWriteItems."""

    callback_id = UnicodeAttribute()
    queue = UnicodeAttribute()
    call_at = UTCDateTimeAttribute()  # the due time, UTC
    timezone = UnicodeAttribute()


class AccountIndex(GlobalSecondaryIndex["CustomerItem"]):
    class Meta:
        index_name = "by_account"
        projection = AllProjection()

    account_number = UnicodeAttribute(hash_key=True)


class CustomerItem(Model):
    class Meta(_Deadlines):
        table_name = _table("CUSTOMERS_TABLE", "Customers")

    phone = UnicodeAttribute(hash_key=True)
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    email = UnicodeAttribute()
    account_number = UnicodeAttribute()
    balance_minor = NumberAttribute()
    currency = UnicodeAttribute(default="USD")
    timezone = UnicodeAttribute()
    language = UnicodeAttribute(default="en-US")
    voice_enrolment = UnicodeAttribute(default="NotEnrolled")
    knowledge_salt = UnicodeAttribute(null=True)
    national_id_hash = UnicodeAttribute(null=True)
    postal_code_hash = UnicodeAttribute(null=True)
    open_transaction = OpenTransactionAttribute(null=True)
    pending_callback = PendingCallbackAttribute(null=True)
    # Written by the system of record's imports and change events (ivr.customers): the source
    # time of the last change applied, which orders every later write, and a deletion's
    # tombstone with the TTL that removes it.
    source_updated_at = UnicodeAttribute(null=True)
    deleted_at = UnicodeAttribute(null=True)
    purge_at = TTLAttribute(null=True)

    by_account = AccountIndex()


class CustomerTransactionsIndex(GlobalSecondaryIndex["TransactionItem"]):
    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_phone = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class FollowUpIndex(GlobalSecondaryIndex["TransactionItem"]):
    """Payments the follow-up sweep must finish, oldest first: a sparse index (only an item with
    ``follow_up`` is in it), so the sweep reads those and nothing else, at any table size."""

    class Meta:
        index_name = "by_follow_up"
        projection = AllProjection()

    follow_up = UnicodeAttribute(hash_key=True)  # "charge" (in doubt) or "messages" (owed)
    updated_at = UTCDateTimeAttribute(range_key=True)


class TransactionItem(Model):
    class Meta(_Deadlines):
        table_name = _table("TRANSACTIONS_TABLE", "Transactions")

    payment_id = UnicodeAttribute(hash_key=True)
    customer_phone = UnicodeAttribute()
    amount_minor = NumberAttribute()
    currency = UnicodeAttribute()
    channel = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    contact_id = UnicodeAttribute()
    card_brand = UnicodeAttribute(null=True)
    card_last4 = UnicodeAttribute(null=True)
    processor_token = UnicodeAttribute(null=True)
    # The charge sent for it, recorded before the processor is asked (the processor's token and
    # the idempotency key only: no card data), so an unanswered charge can be asked about again.
    charge_key = UnicodeAttribute(null=True)
    charge_token = UnicodeAttribute(null=True)
    charge_at = UTCDateTimeAttribute(null=True)
    confirmations_owed = BooleanAttribute(null=True)
    follow_up = UnicodeAttribute(null=True)

    by_customer = CustomerTransactionsIndex()
    by_follow_up = FollowUpIndex()


class PortalSessionItem(Model):
    class Meta(_Deadlines):
        table_name = _table("PORTAL_SESSIONS_TABLE", "PortalSessions")

    session_id = UnicodeAttribute(hash_key=True)
    token_hash = UnicodeAttribute()
    pin_hash = UnicodeAttribute()
    pin_salt = UnicodeAttribute()
    customer_phone = UnicodeAttribute()
    payment_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    status = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    expires_at = UTCDateTimeAttribute()
    ttl = TTLAttribute()
    link_queued = BooleanAttribute(default=False)
    notice = UnicodeAttribute(null=True)  # "incomplete": the portal saw a submit missing fields
    declines = NumberAttribute(default=0)  # cards declined; another may be tried up to a bound
    # What the page shows (amount, "First L."), so opening the link reads only the session.
    amount_minor = NumberAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    customer_name = UnicodeAttribute(null=True)


class DueCallbacksIndex(GlobalSecondaryIndex["CallbackItem"]):
    class Meta:
        index_name = "by_due"
        projection = AllProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = UTCDateTimeAttribute(range_key=True)


class CallbackItem(Model):
    class Meta(_Deadlines):
        table_name = _table("CALLBACKS_TABLE", "Callbacks")

    callback_id = UnicodeAttribute(hash_key=True)
    phone = UnicodeAttribute()
    queue = UnicodeAttribute()
    due_at = UTCDateTimeAttribute()
    timezone = UnicodeAttribute()
    status = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    lease_until = UTCDateTimeAttribute(null=True)
    contact_id = UnicodeAttribute(default="")
    due_shard = UnicodeAttribute(null=True)  # set only while scheduled: the sparse due index
    call_at = UTCDateTimeAttribute(null=True)  # the time the caller chose
    kind = UnicodeAttribute(default="scheduled")  # scheduled | immediate
    claims = NumberAttribute(default=0)  # the claim's version: a sweep's conditional writes
    created_at = UTCDateTimeAttribute(null=True)
    outbound_contact_id = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    confirmed = BooleanAttribute(default=False)
    marked = BooleanAttribute(default=False)  # the customer item carries its pending_callback

    by_due = DueCallbacksIndex()


class CallbackGuardItem(Model):
    """The one pending callback of a number for a queue (same table as CallbackItem)."""

    class Meta(_Deadlines):
        table_name = _table("CALLBACKS_TABLE", "Callbacks")

    callback_id = UnicodeAttribute(hash_key=True)  # "pending#<phone>#<queue>"
    holder = UnicodeAttribute()  # the pending callback's id
    phone = UnicodeAttribute()
    queue = UnicodeAttribute()
    call_at = UTCDateTimeAttribute()
    timezone = UnicodeAttribute()
    kind = UnicodeAttribute()
    #: An immediate callback stops blocking a new one once Connect is done trying it.
    pending_until = UTCDateTimeAttribute(null=True)


class CallbackSlotItem(Model):
    """How many callbacks a queue's 15-minute slot holds (same table as CallbackItem)."""

    class Meta(_Deadlines):
        table_name = _table("CALLBACKS_TABLE", "Callbacks")

    callback_id = UnicodeAttribute(hash_key=True)  # "slot#<queue>#<UTC start>"
    booked = NumberAttribute(default=0)


class ActivityItem(Model):
    class Meta(_Deadlines):
        table_name = _table("ACTIVITY_TABLE", "Activity")

    contact_id = UnicodeAttribute(hash_key=True)
    seq = UnicodeAttribute(range_key=True)  # "<ISO UTC time>#<counter>": sorts in time order
    kind = UnicodeAttribute()
    text = UnicodeAttribute()
    data = MapAttribute[str, str](default=dict)
    ttl = TTLAttribute(null=True)


class StepClaimItem(Model):
    """A contact step's claim (``id`` = "step#<contact id>#<step>"), kept in the Powertools
    idempotency table beside its records (whose ids start "notification#..." etc.)."""

    class Meta(_Deadlines):
        table_name = _table("IDEMPOTENCY_TABLE", "IdempotencyTable")

    id = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute()
    expiration = TTLAttribute()


class AuthStateItem(Model):
    """A customer's keypad lockout ("customer#<phone>") or one call's authentication
    ("contact#<contact id>"): the same shape, a failures map keyed by attempt id."""

    class Meta(_Deadlines):
        table_name = _table("AUTHENTICATION_TABLE", "Authentication")

    pk = UnicodeAttribute(hash_key=True)
    version = NumberAttribute()
    failures = MapAttribute[str, str](default=dict)  # attempt id -> ISO UTC time
    locked_at = UTCDateTimeAttribute(null=True)
    keypad_passed = BooleanAttribute(default=False)
    code_confirmed = BooleanAttribute(default=False)
    claimed_phone = UnicodeAttribute(null=True)
    ttl = TTLAttribute(null=True)


class OneTimeCodeItem(Model):
    """A call's SMS code ("code#<contact id>", same table as AuthStateItem): a keyed hash only."""

    class Meta(_Deadlines):
        table_name = _table("AUTHENTICATION_TABLE", "Authentication")

    pk = UnicodeAttribute(hash_key=True)
    version = NumberAttribute()
    phone = UnicodeAttribute()
    salt = UnicodeAttribute()
    code_hash = UnicodeAttribute()
    issued_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    sent = BooleanAttribute(default=False)
    sends = NumberAttribute(default=1)
    wrong_tries = UnicodeSetAttribute(null=True)
    ttl = TTLAttribute(null=True)


class CircuitItem(Model):
    """A circuit breaker's state; its TTL closes a circuit nobody touches again."""

    class Meta(_Deadlines):
        table_name = _table("CIRCUIT_BREAKERS_TABLE", "CircuitBreakers")
        # The breaker guards a provider that has its own deadline: one short try, so a slow
        # breaker table never adds seconds to the provider's (it lets calls through instead).
        read_timeout_seconds = 0.5
        max_retry_attempts = 0

    name = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute(default=0)
    open_until = UTCDateTimeAttribute(null=True)
    ttl = TTLAttribute(null=True)


ALL_MODELS: tuple[type[Model], ...] = (
    CustomerItem,
    TransactionItem,
    PortalSessionItem,
    CallbackItem,
    ActivityItem,
    StepClaimItem,
    AuthStateItem,
    CircuitItem,
)

"""PynamoDB models. Keys and indexes are declared in template.yaml; a test checks they agree.

Access patterns, and the key or index that serves each:

Customers (hash key ``phone``, E.164)
  * caller lookup: the customer AND their open transaction by phone number — one GetItem, because
    the open transaction is denormalised onto the customer (``open_transaction``) by the same
    TransactWriteItems that opens or settles it.
  * identify a caller who withholds their number: by account number — GSI ``by_account``.
Transactions (hash key ``payment_id``)
  * a payment by id (portal, status polling) — GetItem.
  * a customer's payments, newest first — GSI ``by_customer`` (customer_phone, created_at).
PortalSessions (hash key ``session_id``, a UUID)
  * the session behind a link — GetItem; ``expires_at`` is checked in code, ``ttl`` only cleans up.
Callbacks (hash key ``callback_id``)
  * a callback by id — GetItem.
  * due callbacks: GSI ``by_due`` (due_shard, due_at) queried with ``due_at <= now``. ``due_shard``
    is set only while a callback is scheduled (a sparse index), so a sweep reads what is due,
    not the table, and a late sweep still finds everything it missed.
Activity (hash key ``contact_id``, range key ``seq``: ISO time + counter)
  * a contact's events in order — Query on the partition.
"""

from __future__ import annotations

import os

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

# PynamoDB reads Meta at import time; this is the one place the environment is read outside
# settings(). An unset region falls through to botocore's own resolution.
_REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def _table(env_var: str, default: str) -> str:
    return os.environ.get(env_var, default)


class _Deadlines:
    """Connect gives a Lambda block 8 s at most: a slow or unreachable table must fail fast."""

    region = _REGION
    connect_timeout_seconds = 1
    read_timeout_seconds = 2
    max_retry_attempts = 2


class OpenTransactionAttribute(MapAttribute[str, object]):
    payment_id = UnicodeAttribute()
    amount_minor = NumberAttribute()
    currency = UnicodeAttribute()
    channel = UnicodeAttribute()
    opened_at = UTCDateTimeAttribute()


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

    by_account = AccountIndex()


class CustomerTransactionsIndex(GlobalSecondaryIndex["TransactionItem"]):
    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_phone = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


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

    by_customer = CustomerTransactionsIndex()


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

    by_due = DueCallbacksIndex()


class ActivityItem(Model):
    class Meta(_Deadlines):
        table_name = _table("ACTIVITY_TABLE", "Activity")

    contact_id = UnicodeAttribute(hash_key=True)
    seq = UnicodeAttribute(range_key=True)  # "<ISO UTC time>#<counter>": sorts in time order
    kind = UnicodeAttribute()
    text = UnicodeAttribute()
    data = MapAttribute[str, str](default=dict)
    ttl = TTLAttribute(null=True)


ALL_MODELS: tuple[type[Model], ...] = (
    CustomerItem,
    TransactionItem,
    PortalSessionItem,
    CallbackItem,
    ActivityItem,
)

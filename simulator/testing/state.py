"""What the tables hold at the end of a call: transactions and callbacks, for the record."""

from __future__ import annotations

from typing import Any

from simulator.callbacks import stored_callbacks
from simulator.local_aws import table_is_empty


def stored_transactions() -> list[dict[str, Any]]:
    """Every transaction in the local table (a scan: the local stack only), oldest first.
    The record keeps what an auditor may read: never a card number, only brand and last four."""
    from ivr.adapters.dynamodb.tables import TransactionItem

    if table_is_empty(TransactionItem.Meta.table_name):
        return []  # seen in the in-memory backend: no Scan needed to know
    items = sorted(TransactionItem.scan(), key=lambda i: (i.created_at, i.payment_id))
    return [
        {
            "payment_id": item.payment_id,
            "customer_phone": item.customer_phone,
            "amount_minor": int(item.amount_minor),
            "currency": item.currency,
            "channel": item.channel,
            "status": item.status,
            "created_at": item.created_at.isoformat(),
            "updated_at": item.updated_at.isoformat(),
            "card_brand": item.card_brand,
            "card_last4": item.card_last4,
        }
        for item in items
    ]


def callbacks_as_json() -> list[dict[str, Any]]:
    from ivr.adapters.dynamodb.tables import CallbackItem

    if table_is_empty(CallbackItem.Meta.table_name):
        return []
    return [
        {
            "callback_id": c.callback_id,
            "phone": c.phone,
            "queue": c.queue,
            "call_at": c.call_at.isoformat(),
            "timezone": c.timezone,
            "status": getattr(c.status, "value", str(c.status)),
            "kind": getattr(c.kind, "value", str(c.kind)),
        }
        for c in stored_callbacks()
    ]


def stored_state() -> dict[str, Any]:
    return {"transactions": stored_transactions(), "callbacks": callbacks_as_json()}

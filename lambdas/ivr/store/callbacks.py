"""Callbacks in DynamoDB, found by the sparse due-time index."""

from __future__ import annotations

from datetime import datetime

from ivr.callbacks import Callback, CallbackStatus
from ivr.store.errors import translated
from ivr.store.tables import CallbackItem

#: The one partition of the due index. At the contact-center scale (well under 1,000 writes a
#: second) one partition is enough; sharding would only add queries to every sweep.
SCHEDULED_SHARD = "scheduled"


def callback_from_item(item: CallbackItem) -> Callback:
    return Callback(
        callback_id=item.callback_id,
        phone=item.phone,
        queue=item.queue,
        due_at=item.due_at,
        timezone=item.timezone,
        status=CallbackStatus(item.status),
        attempts=int(item.attempts),
        lease_until=item.lease_until,
        contact_id=item.contact_id,
    )


class DynamoCallbackStore:
    def schedule(self, callback: Callback) -> None:
        item = CallbackItem(
            callback.callback_id,
            phone=callback.phone,
            queue=callback.queue,
            due_at=callback.due_at,
            timezone=callback.timezone,
            status=CallbackStatus.SCHEDULED.value,
            attempts=callback.attempts,
            contact_id=callback.contact_id,
            due_shard=SCHEDULED_SHARD,
        )
        with translated("schedule callback"):
            item.save(condition=CallbackItem.callback_id.does_not_exist())

    def get(self, callback_id: str) -> Callback | None:
        with translated("get callback"):
            try:
                return callback_from_item(CallbackItem.get(callback_id))
            except CallbackItem.DoesNotExist:
                return None

    def due(self, now: datetime, limit: int = 100) -> list[Callback]:
        with translated("query due callbacks"):
            items = CallbackItem.by_due.query(
                SCHEDULED_SHARD, CallbackItem.due_at <= now, scan_index_forward=True, limit=limit
            )
            return [callback_from_item(item) for item in items]

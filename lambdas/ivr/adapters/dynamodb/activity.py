"""The activity log in DynamoDB: one partition per contact, events sorted by time."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import MapAttribute
from pynamodb.transactions import TransactWrite

from ivr.activity import ActivityEvent, ActivityLog
from ivr.adapters.dynamodb.errors import translated
from ivr.adapters.dynamodb.tables import ActivityItem

#: Contact records are kept 24 months by Connect; the IVR transcript needs far less.
RETENTION = timedelta(days=90)

_counter = itertools.count()


def activity_item(event: ActivityEvent) -> ActivityItem:
    at = event.at.astimezone(UTC)
    # Events in the same millisecond keep their order through the counter.
    seq = f"{at.isoformat(timespec='microseconds')}#{next(_counter) % 1_000_000:06d}"
    return ActivityItem(
        event.contact_id,
        seq,
        kind=event.kind,
        text=event.text,
        data=dict(event.data),
        ttl=at + RETENTION,
    )


def note_along(write: TransactWrite, note: ActivityEvent, activity: ActivityLog) -> bool:
    """Put ``note`` in the step's own transaction when the activity log is this table (one
    round trip for the change and its timeline event); False when the log is another kind,
    which the store then appends to once its write succeeded."""
    if not isinstance(activity, DynamoActivityLog):
        return False
    write.save(activity_item(note))
    return True


class DynamoActivityLog:
    def append(self, event: ActivityEvent) -> None:
        with translated("append activity"):
            activity_item(event).save()

    def for_contact(self, contact_id: str) -> list[ActivityEvent]:
        with translated("read activity"):
            items = ActivityItem.query(contact_id, scan_index_forward=True)
            return [_event_from_item(item) for item in items]


def _event_from_item(item: ActivityItem) -> ActivityEvent:
    at = datetime.fromisoformat(item.seq.split("#", 1)[0])
    raw = item.data
    data = raw.as_dict() if isinstance(raw, MapAttribute) else dict(raw or {})
    return ActivityEvent(
        item.contact_id, at, item.kind, item.text, {k: str(v) for k, v in data.items()}
    )

"""The local contact center's contact attributes: the latest snapshot in the activity log.

The local contact center records each attribute update in the activity log
(``CONTACT_ATTRIBUTES=activity``), so a contact's attributes are the latest ones found there.
"""

from __future__ import annotations

from ivr.activity import ActivityLog
from ivr.agent.timeline import latest_attributes


class LoggedContactAttributes:
    """The local contact center's attributes: the "attributes" events of the activity log."""

    def __init__(self, activity: ActivityLog) -> None:
        self._activity = activity

    def attributes(self, contact_id: str) -> dict[str, str] | None:
        events = self._activity.for_contact(contact_id)
        return latest_attributes(events) if events else None

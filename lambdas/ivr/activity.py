"""The activity log: what happened during a contact, in order, for the agent's transcript."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ActivityEvent:
    contact_id: str
    at: datetime
    kind: str  # e.g. "prompt", "caller", "intent", "lambda", "auth", "portal", "transfer"
    text: str  # never holds digits the caller pressed; those are masked before they get here
    data: dict[str, str] = field(default_factory=dict)


class ActivityLog(Protocol):
    def append(self, event: ActivityEvent) -> None: ...

    def for_contact(self, contact_id: str) -> list[ActivityEvent]:
        """The contact's events in the order they happened."""

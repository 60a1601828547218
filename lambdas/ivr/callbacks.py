"""Callbacks: a caller asks to be called back now or at a time they choose, dialled exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class CallbackStatus(StrEnum):
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    DIALLED = "dialled"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Callback:
    callback_id: str
    phone: str
    queue: str
    due_at: datetime  # aware, UTC
    timezone: str  # the caller's IANA zone, to speak and text the time back in their local time
    status: CallbackStatus
    attempts: int = 0
    lease_until: datetime | None = None
    contact_id: str = ""


class CallbackStore(Protocol):
    def schedule(self, callback: Callback) -> None:
        """Store a new scheduled callback; ConflictError if the id is taken."""

    def get(self, callback_id: str) -> Callback | None: ...

    def due(self, now: datetime, limit: int = 100) -> list[Callback]:
        """Scheduled callbacks with due_at <= now, oldest first: a late sweep still finds them."""

"""Portal sessions: the link + PIN that lets a caller pay on the visual portal while on the line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class PortalSessionStatus(StrEnum):
    ISSUED = "issued"
    VERIFIED = "verified"
    PAID = "paid"
    LOCKED = "locked"


@dataclass(frozen=True)
class PortalSession:
    session_id: str  # UUID v4, the path of the link
    token_hash: str  # SHA-256 of the 256-bit link token; the token itself is never stored
    pin_hash: str  # HMAC-SHA256(pepper, salt || pin)
    pin_salt: str
    customer_phone: str
    payment_id: str
    contact_id: str
    status: PortalSessionStatus
    attempts: int
    expires_at: datetime  # checked in code on every read; the TTL only cleans up


class PortalSessionStore(Protocol):
    def create(self, session: PortalSession) -> None:
        """Store a new session; ConflictError if the id is taken."""

    def get(self, session_id: str) -> PortalSession | None: ...

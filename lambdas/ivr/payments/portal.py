"""Portal sessions: the link + PIN that lets a caller pay on the visual portal while on the line.

A session is a random UUID (the link's path) plus a 256-bit link token (the link's fragment, so it
reaches neither server logs nor Referer headers; stored only as its SHA-256) and a 6-digit PIN the
IVR reads out (stored as HMAC-SHA256 with the pepper and a per-session salt). It lives 10 minutes
(NIST SP 800-63B / ASVS cap for out-of-band secrets), checked in code on every read, allows five
wrong PINs, and moves issued -> verified -> paid only by conditional writes. A verified session
may try up to three cards: a decline before the last leaves the payment open for another card.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ivr.activity import ActivityEvent, ActivityLog
from ivr.core.hashing import keyed_hash, matches, new_salt
from ivr.core.money import Money

SESSION_LIFETIME = timedelta(minutes=10)
MAX_PIN_ATTEMPTS = 5
PIN_DIGITS = 6
#: Cards one link may try: declines before the last leave the payment open for another card.
MAX_CARD_ATTEMPTS = 3


class PortalSessionStatus(StrEnum):
    ISSUED = "issued"
    VERIFIED = "verified"
    PAID = "paid"
    LOCKED = "locked"


class PortalNotice(StrEnum):
    """What the portal tells the waiting IVR besides the session's status."""

    INCOMPLETE = "incomplete"  # a submit with missing fields: prompt the caller
    DECLINED = "declined"  # a card was declined and another may be tried: tell the caller


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
    link_queued: bool = False  # the SMS with the link is on the sending queue
    notice: PortalNotice | None = None
    declines: int = 0  # cards declined so far (MAX_CARD_ATTEMPTS at most)
    # What the page shows, kept with the session so opening the link reads nothing else
    # (None / "" on a session stored before they were: the page reads them then).
    amount: Money | None = None
    customer_name: str = ""  # "First L."

    def usable(self, now: datetime) -> bool:
        return now < self.expires_at and self.status is not PortalSessionStatus.LOCKED


class PortalSessionStore(Protocol):
    def create(self, session: PortalSession) -> None:
        """Store a new session; ConflictError if the id is taken."""

    def get(self, session_id: str) -> PortalSession | None: ...

    def count_failed_attempt(self, session_id: str, max_attempts: int) -> int:
        """attempts + 1 while issued (or verified: a reopened page) and attempts < max
        (ConflictError otherwise); at max the session is locked. Returns the new count."""

    def mark_verified(
        self,
        session_id: str,
        max_attempts: int,
        now: datetime,
        *,
        while_open: str | None = None,
        note: ActivityEvent | None = None,
        activity: ActivityLog | None = None,
    ) -> None:
        """issued -> verified while attempts < max and not expired - and, with ``while_open``,
        while that payment is still open -; ConflictError otherwise. ``note`` goes to
        ``activity`` with the change (in the same write where the store can)."""

    def mark_paid(self, session_id: str) -> None:
        """verified -> paid, once; ConflictError otherwise (a replay)."""

    def reissue_pin(self, session_id: str, pin_hash: str, pin_salt: str) -> None:
        """Replace the PIN of an issued session with no wrong tries; ConflictError otherwise."""

    def mark_link_queued(self, session_id: str) -> None: ...

    def count_decline(self, session_id: str, declines_seen: int) -> None:
        """declines + 1 and the DECLINED notice, while verified and declines == declines_seen
        (a doubled submit of the same card counts once); ConflictError otherwise."""

    def set_notice(self, session_id: str, notice: PortalNotice) -> None: ...

    def take_notice(self, session_id: str, notice: PortalNotice) -> bool:
        """Remove ``notice`` if set; True for the one caller that removed it."""


@dataclass(frozen=True)
class IssuedSession:
    """A new session and the two secrets that exist in clear only until they are handed out."""

    session: PortalSession
    link_token: str
    pin: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def shown_name(first_name: str, last_name: str) -> str:
    """The name the page greets the customer with: first name and last initial."""
    return f"{first_name} {last_name[:1]}." if first_name else ""


def new_session(
    *,
    customer_phone: str,
    payment_id: str,
    contact_id: str,
    pepper: bytes,
    now: datetime,
    amount: Money | None = None,
    customer_name: str = "",
) -> IssuedSession:
    token = secrets.token_urlsafe(32)  # 256 bits (ASVS 5.0: at least 128 for such tokens)
    pin = new_pin()
    salt = new_salt()
    session = PortalSession(
        session_id=str(uuid.uuid4()),
        token_hash=token_hash(token),
        pin_hash=keyed_hash(pepper, salt, pin),
        pin_salt=salt,
        customer_phone=customer_phone,
        payment_id=payment_id,
        contact_id=contact_id,
        status=PortalSessionStatus.ISSUED,
        attempts=0,
        expires_at=now + SESSION_LIFETIME,
        amount=amount,
        customer_name=customer_name,
    )
    return IssuedSession(session, token, pin)


def link_for(base_url: str, session_id: str, token: str) -> str:
    """The token rides in the fragment: browsers send neither it nor it in a Referer."""
    return f"{base_url}/pay/{session_id}#{token}"


def verify_pin(
    session_id: str,
    link_token: str,
    pin: str,
    *,
    sessions: PortalSessionStore,
    pepper: bytes,
    now: datetime,
) -> PortalSession | None:
    """The verified session, or None - the same None for an unknown, expired, locked, already
    used or wrong-PIN session, so the answer is no oracle. A wrong PIN with the right link token
    counts an attempt (a wrong token does not: it would let anyone lock a link by its id)."""
    session = sessions.get(session_id)
    if session is None:
        keyed_hash(pepper, new_salt(), pin)  # same work as a real check
        return None
    token_ok = hmac.compare_digest(token_hash(link_token), session.token_hash)
    pin_ok = matches(pepper, session.pin_salt, pin, session.pin_hash)
    if not session.usable(now) or session.status is not PortalSessionStatus.ISSUED:
        return None
    if not token_ok:
        return None
    if not pin_ok:
        _count_attempt(sessions, session_id)
        return None
    from ivr.core.errors import ConflictError

    try:
        sessions.mark_verified(session_id, MAX_PIN_ATTEMPTS, now)
    except ConflictError:
        return None  # locked, expired or verified by a concurrent request meanwhile
    # The conditional write changed the status alone: no second read to learn what it wrote.
    return replace(session, status=PortalSessionStatus.VERIFIED)


def _count_attempt(sessions: PortalSessionStore, session_id: str) -> None:
    from ivr.core.errors import ConflictError

    with suppress(ConflictError):  # already locked or no longer issued: nothing left to count
        sessions.count_failed_attempt(session_id, MAX_PIN_ATTEMPTS)


# --- the short-lived API token a verified page uses -----------------------------------------------


def api_token(session: PortalSession, pepper: bytes) -> str:
    """Bound to the session and its expiry; needs no storage (HMAC with the pepper)."""
    expiry = str(int(session.expires_at.timestamp()))
    return f"{expiry}.{_api_mac(session.session_id, expiry, pepper)}"


def api_token_valid(session_id: str, token: str, pepper: bytes, now: datetime) -> bool:
    expiry, _, mac = token.partition(".")
    if not expiry.isdigit() or int(expiry) <= now.timestamp():
        return False
    return hmac.compare_digest(_api_mac(session_id, expiry, pepper), mac)


def _api_mac(session_id: str, expiry: str, pepper: bytes) -> str:
    message = f"portal-api\x00{session_id}\x00{expiry}".encode()
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()

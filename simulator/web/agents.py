"""The local agents: a sign-in that stands in for the Cognito user pool, and the local queue.

Two agents, ``agent`` and ``agent2``, and a supervisor, ``supervisor`` (in the ``supervisors``
group), all with the password ``make run`` prints (``LOCAL_AGENT_PASSWORD``, default
``local-agent``); each has a Connect user id, as the pool's ``custom:connect_user_id`` attribute
would hold. Signing in gives a token signed with a secret made at start-up, valid for a shift
(8 hours, like the pool's ID tokens); the server turns a valid token into the claims a Cognito
authorizer would pass to the agent API's functions.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

AGENT_USERNAME = "agent"
DEFAULT_PASSWORD = "local-agent"
TOKEN_SECONDS = 8 * 3600
SUPERVISORS = "supervisors"


@dataclass(frozen=True)
class LocalUser:
    username: str
    connect_user_id: str  # what DescribeContact's AgentInfo.Id would say for this user
    groups: tuple[str, ...] = ()


USERS = {
    user.username: user
    for user in (
        LocalUser("agent", "7d3c1a52-0001-4e6f-9a41-5b2c8e0d1001"),
        LocalUser("agent2", "7d3c1a52-0002-4e6f-9a41-5b2c8e0d1002"),
        LocalUser("supervisor", "7d3c1a52-0003-4e6f-9a41-5b2c8e0d1003", (SUPERVISORS,)),
    )
}


class LocalAgents:
    def __init__(self, password: str | None = None) -> None:
        self.username = AGENT_USERNAME  # the one the banner offers
        self.users = USERS
        self.password = password or os.environ.get("LOCAL_AGENT_PASSWORD") or DEFAULT_PASSWORD
        self._secret = secrets.token_bytes(32)

    def sign_in(self, username: str, password: str) -> str | None:
        name = username.strip().lower()
        known = next(
            (u for u in self.users if hmac.compare_digest(name.encode(), u.encode())), None
        )
        password_ok = hmac.compare_digest(password.encode(), self.password.encode())
        if known is None or not password_ok:
            return None
        expiry = str(int(time.time()) + TOKEN_SECONDS)
        return f"{known}.{expiry}.{self._mac(known, expiry)}"

    def user(self, claims: dict[str, str]) -> LocalUser | None:
        return self.users.get(claims.get("cognito:username", ""))

    def claims(self, token: str) -> dict[str, str] | None:
        """The ID-token claims of a valid local token; None for anything else."""
        username, _, rest = token.partition(".")
        expiry, _, mac = rest.partition(".")
        if not expiry.isdigit() or int(expiry) <= time.time():
            return None
        if not hmac.compare_digest(self._mac(username, expiry), mac):
            return None
        user = self.users.get(username)
        if user is None:
            return None
        claims = {
            "sub": f"local-{username}",
            "cognito:username": username,
            "custom:connect_user_id": user.connect_user_id,
            "token_use": "id",
            "exp": expiry,
        }
        if user.groups:
            claims["cognito:groups"] = ",".join(user.groups)  # as API Gateway passes a list
        return claims

    def _mac(self, username: str, expiry: str) -> str:
        message = f"local-agent\x00{username}\x00{expiry}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


@dataclass
class QueuedContact:
    contact_id: str
    number: str
    queue: str
    whisper: list[str]
    queued_at: datetime
    status: str = "waiting"  # waiting, connected
    agent: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "contactId": self.contact_id,
            "number": self.number,
            "queue": self.queue,
            "whisper": " ".join(self.whisper),
            "queuedAt": self.queued_at.isoformat(),
            "status": self.status,
            "agent": self.agent,
        }


@dataclass
class LocalQueue:
    """Calls the IVR transferred to a queue, until an agent ends them."""

    contacts: dict[str, QueuedContact] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, contact: QueuedContact) -> None:
        with self._lock:
            self.contacts[contact.contact_id] = contact

    def accept(self, contact_id: str, agent: str) -> QueuedContact | None:
        with self._lock:
            contact = self.contacts.get(contact_id)
            if contact is None or contact.status != "waiting":
                return None
            contact.status, contact.agent = "connected", agent
            return contact

    def end(self, contact_id: str) -> QueuedContact | None:
        with self._lock:
            return self.contacts.pop(contact_id, None)

    def as_json(self) -> list[dict[str, Any]]:
        with self._lock:
            ordered = sorted(self.contacts.values(), key=lambda c: c.queued_at)
            return [c.as_json() for c in ordered]

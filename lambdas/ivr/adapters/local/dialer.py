"""The local contact center's dialer: records each call instead of placing it."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

from ivr.adapters.connect.dialer import callback_attributes
from ivr.callbacks.service import Callback


class LocalDialer:
    """The local contact center's dialer: records each call; a repeated token, one call."""

    def __init__(self) -> None:
        self._calls: list[dict[str, str]] = []
        self._by_token: dict[str, str] = {}
        self._lock = threading.Lock()

    def dial(self, callback: Callback, client_token: str) -> str:
        with self._lock:
            if client_token in self._by_token:
                return self._by_token[client_token]
            contact_id = str(uuid.uuid4())
            self._by_token[client_token] = contact_id
            self._calls.append(
                {
                    "contactId": contact_id,
                    "to": callback.phone,
                    "callbackId": callback.callback_id,
                    "clientToken": client_token,
                    **callback_attributes(callback),
                }
            )
            return contact_id

    def find_call(self, callback: Callback, *, since: datetime, until: datetime) -> str | None:
        with self._lock:
            placed = [c for c in self._calls if c["callbackId"] == callback.callback_id]
        return placed[0]["contactId"] if placed else None

    def calls(self) -> list[dict[str, str]]:
        with self._lock:
            return list(self._calls)

"""The local outbox: messages the local contact center "sends", kept for the web phone and tests.

Selected with ``NOTIFIER=local``. With ``LOCAL_OUTBOX_PATH`` set, each message is one JSON line in
that file (so another process, the web phone, can read it); otherwise messages stay in memory.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ivr.core import clock
from ivr.notify import Channel, OutgoingMessage


class LocalOutbox:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._memory: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> str:
        message_id = str(uuid.uuid4())
        entry = {
            "id": message_id,
            **asdict(message),
            "channel": message.channel.value,
            "sentAt": clock.now().isoformat(),  # the web phone shows when each message came
        }
        with self._lock:
            if self.path is None:
                self._memory.append(entry)
            else:
                with self.path.open("a", encoding="utf-8") as file:
                    file.write(json.dumps(entry) + "\n")
        return message_id

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            if self.path is None:
                return list(self._memory)
            if not self.path.exists():
                return []
            lines = self.path.read_text(encoding="utf-8").splitlines()
            return [json.loads(line) for line in lines if line.strip()]

    def to(self, recipient: str, channel: Channel | None = None) -> list[dict[str, Any]]:
        return [
            m
            for m in self.messages()
            if m["to"] == recipient and (channel is None or m["channel"] == channel.value)
        ]

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
            if self.path is not None and self.path.exists():
                self.path.unlink()

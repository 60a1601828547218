"""Server-sent events: topics that pages subscribe to, and the text/event-stream framing.

Each subscriber has its own queue. A page that reconnects (EventSource does so by itself) first
gets a snapshot of the state it shows, then the events that follow, so nothing is lost in the
gap and no event id bookkeeping is needed.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

#: A comment line this often keeps proxies and the browser from closing an idle stream.
KEEPALIVE_SECONDS = 15.0


@dataclass(frozen=True)
class Message:
    event: str
    data: dict[str, Any]


class EventHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, list[queue.Queue[Message | None]]] = {}

    def publish(self, topic: str, event: str, data: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subscribers.get(topic, ()))
        for target in targets:
            target.put(Message(event, data))

    @contextmanager
    def subscribe(self, *topics: str) -> Iterator[queue.Queue[Message | None]]:
        inbox: queue.Queue[Message | None] = queue.Queue()
        with self._lock:
            for topic in topics:
                self._subscribers.setdefault(topic, []).append(inbox)
        try:
            yield inbox
        finally:
            with self._lock:
                for topic in topics:
                    self._subscribers[topic].remove(inbox)

    def close_all(self) -> None:
        """Wake every stream so it ends (the server is stopping)."""
        with self._lock:
            targets = [q for subscribers in self._subscribers.values() for q in subscribers]
        for target in targets:
            target.put(None)


def frame(message: Message) -> bytes:
    """One event in text/event-stream framing (the data is one JSON line)."""
    return f"event: {message.event}\ndata: {json.dumps(message.data)}\n\n".encode()


KEEPALIVE = b": keepalive\n\n"

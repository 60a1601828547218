"""Virtual time for a simulated call: timeouts and Wait blocks advance it, nothing sleeps."""

from __future__ import annotations

from datetime import datetime, timedelta


class VirtualClock:
    """A clock that moves only when told to, so a 30-second timeout costs no real time."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds} seconds)")
        self._now += timedelta(seconds=seconds)

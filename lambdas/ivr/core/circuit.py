"""A circuit breaker shared by every copy of a function: its state lives in DynamoDB.

After ``threshold`` consecutive failures of a dependency (a timeout, a 5xx, a refused
connection) the circuit opens: calls fail at once for ``open_for`` instead of making the caller
wait on a dependency that is down, and every concurrent Lambda sees the same state. When the
time is up one call goes through again (half-open): a success closes the circuit, a failure
opens it again. The item carries a DynamoDB TTL, so a circuit nobody touches again closes by
itself; since TTL deletes items up to days late, the open-until time is checked in code as well.
A breaker whose own store is down lets calls through: it must never be the outage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from ivr.core.errors import IvrError, StoreUnavailableError
from ivr.core.observability import logger

T = TypeVar("T")


@dataclass(frozen=True)
class CircuitState:
    name: str
    failures: int  # consecutive failures
    open_until: datetime | None = None

    def is_open(self, now: datetime) -> bool:
        return self.open_until is not None and now < self.open_until


class CircuitStore(Protocol):
    def read(self, name: str) -> CircuitState | None: ...

    def record_failure(
        self, name: str, *, now: datetime, threshold: int, open_for: timedelta, forget: timedelta
    ) -> CircuitState:
        """Count one more failure (atomically); open the circuit once ``threshold`` is reached
        and it is not open already. The item expires ``forget`` after its last change."""

    def reset(self, name: str) -> None:
        """A success: forget the failures (the circuit is closed)."""


class CircuitOpenError(IvrError):
    """The dependency failed repeatedly; calls are refused until the circuit half-opens."""

    code = "CircuitOpen"


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        store: CircuitStore,
        clock: Callable[[], datetime],
        *,
        threshold: int = 5,
        open_for: timedelta = timedelta(seconds=30),
        forget: timedelta = timedelta(minutes=5),
    ) -> None:
        self.name = name
        self.store = store
        self.clock = clock
        self.threshold = threshold
        self.open_for = open_for
        self.forget = forget

    def state(self) -> CircuitState | None:
        return self._read()[0]

    def _read(self) -> tuple[CircuitState | None, bool]:
        """The state, and whether the store answered at all."""
        try:
            return self.store.read(self.name), True
        except StoreUnavailableError:
            logger.warning("circuit state unreadable; letting the call through")
            return None, False

    def call(self, operation: Callable[[], T], *, counts: Callable[[Exception], bool]) -> T:
        """Run ``operation`` unless the circuit is open (CircuitOpenError). An exception for
        which ``counts`` is true is a failure of the dependency; others pass through uncounted.
        A store that did not answer the read is not asked again to count (the caller's time)."""
        state, readable = self._read()
        if state is not None and state.is_open(self.clock()):
            raise CircuitOpenError(f"circuit {self.name} open until {state.open_until}")
        try:
            result = operation()
        except Exception as failure:
            if counts(failure) and readable:
                self._failed()
            raise
        if state is not None and state.failures:
            self._succeeded()
        return result

    def _failed(self) -> None:
        try:
            state = self.store.record_failure(
                self.name,
                now=self.clock(),
                threshold=self.threshold,
                open_for=self.open_for,
                forget=self.forget,
            )
        except StoreUnavailableError:
            logger.warning("circuit failure not recorded")
            return
        if state.is_open(self.clock()):
            logger.warning("circuit open", extra={"circuit": self.name, "failures": state.failures})

    def _succeeded(self) -> None:
        try:
            self.store.reset(self.name)
        except StoreUnavailableError:
            logger.warning("circuit reset not recorded")

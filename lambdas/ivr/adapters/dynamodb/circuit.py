"""Circuit breaker state in DynamoDB: one item per dependency, counted with atomic updates."""

from __future__ import annotations

from datetime import datetime, timedelta

from ivr.adapters.dynamodb.errors import translated
from ivr.adapters.dynamodb.tables import CircuitItem
from ivr.core.circuit import CircuitState
from ivr.core.errors import ConflictError


def _state(item: CircuitItem) -> CircuitState:
    return CircuitState(item.name, int(item.failures or 0), item.open_until)


class DynamoCircuitStore:
    def read(self, name: str) -> CircuitState | None:
        with translated("read circuit"):
            try:
                return _state(CircuitItem.get(name, consistent_read=True))
            except CircuitItem.DoesNotExist:
                return None

    def record_failure(
        self, name: str, *, now: datetime, threshold: int, open_for: timedelta, forget: timedelta
    ) -> CircuitState:
        item = CircuitItem(name)
        with translated("count circuit failure"):
            # ADD is atomic: concurrent failures in many Lambdas all count.
            item.update(actions=[CircuitItem.failures.add(1), CircuitItem.ttl.set(now + forget)])
        if int(item.failures) < threshold or (item.open_until and item.open_until > now):
            return _state(item)
        until = now + open_for
        try:
            with translated("open circuit"):
                # Only one of the Lambdas that reached the threshold together opens it.
                item.update(
                    actions=[
                        CircuitItem.open_until.set(until),
                        CircuitItem.ttl.set(until + forget),
                    ],
                    condition=CircuitItem.open_until.does_not_exist()
                    | (CircuitItem.open_until < now),
                )
        except ConflictError:
            return self.read(name) or _state(item)
        return _state(item)

    def reset(self, name: str) -> None:
        with translated("close circuit"):
            CircuitItem(name).delete()

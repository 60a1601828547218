"""Step claims: the first invocation of a contact's step wins, retries find what it did.

Connect retries a failing Lambda up to 3 times within the block's 8 seconds, so a side-effecting
step can run four times; a conditional put keyed by contact id + step decides which one acts.
"""

from __future__ import annotations

from typing import Protocol


class StepClaims(Protocol):
    def claim(self, key: str, value: str) -> str:
        """Claim ``key`` for ``value``; returns the value of whoever holds it (maybe ``value``)."""

    def release(self, key: str, value: str) -> None:
        """Give the claim up (the step failed before any effect), if ``value`` still holds it."""

"""Step claims in DynamoDB (the idempotency table): a conditional put decides the winner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ivr.adapters.dynamodb.errors import translated
from ivr.adapters.dynamodb.tables import StepClaimItem
from ivr.core.errors import ConflictError

#: A claim outlives the contact's call; the TTL cleans it up.
CLAIM_LIFETIME = timedelta(days=1)


class DynamoStepClaims:
    def claim(self, key: str, value: str) -> str:
        item = StepClaimItem(
            f"step#{key}", value=value, expiration=datetime.now(UTC) + CLAIM_LIFETIME
        )
        try:
            with translated("claim step"):
                item.save(condition=StepClaimItem.id.does_not_exist())
            return value
        except ConflictError:
            pass
        with translated("read step claim"):
            return str(StepClaimItem.get(f"step#{key}", consistent_read=True).value)

    def release(self, key: str, value: str) -> None:
        try:
            with translated("release step"):
                StepClaimItem(f"step#{key}").delete(condition=StepClaimItem.value == value)
        except ConflictError:
            pass  # someone else's claim, or gone already

"""PynamoDB/botocore failures become domain errors here, so no ClientError leaves the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.exceptions import PynamoDBException

from ivr.core.errors import ConflictError, StoreUnavailableError

_LOST_CONDITION = {"ConditionalCheckFailedException", "TransactionCanceledException"}


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Run a store operation; a lost condition is a ConflictError, anything else unavailable."""
    try:
        yield
    except PynamoDBException as exc:
        if exc.cause_response_code in _LOST_CONDITION:
            raise ConflictError(f"{what}: condition not met") from exc
        raise StoreUnavailableError(
            f"{what}: {exc.cause_response_code or type(exc).__name__}"
        ) from exc

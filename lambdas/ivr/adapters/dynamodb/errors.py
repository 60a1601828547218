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
        code = _error_code(exc)
        if code in _LOST_CONDITION:
            raise ConflictError(f"{what}: condition not met") from exc
        raise StoreUnavailableError(f"{what}: {code or type(exc).__name__}") from exc


def _error_code(exc: PynamoDBException) -> str | None:
    """DynamoDB's error code; None for a failure without an answer (a timeout, a refused
    connection), whose cause carries ``response=None`` that PynamoDB's own property trips on."""
    response = getattr(exc.cause, "response", None)
    error = response.get("Error") if isinstance(response, dict) else None
    code = error.get("Code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None

"""PynamoDB's Model and Connection on one DynamoDB client, made once from the one session.

PynamoDB gives each model its own Connection, and each Connection its own botocore session and
client: a step that reads two tables paid for two clients (the service model and endpoint data
parsed twice). Here every table's Connection keeps its own key schema but sends through one client;
the stores' TransactWriteItems use the same.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pynamodb.connection
import pynamodb.models
from botocore.config import Config
from pynamodb.connection import TableConnection

from ivr.adapters.aws import new_client


class Deadlines:
    """Connect gives a Lambda block 8 s at most: a slow or unreachable table must fail fast.
    Three tries of 1 s (standard retries, jittered backoff of at most 1 s, then 2 s): a hung
    table costs a step about 3 to 4 s, a throttle that does not clear about 1.5 s
    (tests/faults/test_dynamodb_faults.py)."""

    connect_timeout_seconds: float = 1
    read_timeout_seconds: float = 1
    max_retry_attempts = 2


@cache
def dynamodb_client(connect_timeout: float, read_timeout: float, max_retry_attempts: int) -> Any:
    """The client PynamoDB would make for these deadlines, made once for each set of them (the
    tables share ``Deadlines``; the circuit breakers' table tries once, briefly)."""
    config = Config(
        parameter_validation=False,  # PynamoDB builds the requests; as PynamoDB configures it
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"total_max_attempts": 1 + max_retry_attempts, "mode": "standard"},
    )
    return new_client("dynamodb", config)


class Connection(pynamodb.connection.Connection):
    """PynamoDB's Connection, sending through the one client for its deadlines."""

    def __init__(
        self,
        connect_timeout_seconds: float = Deadlines.connect_timeout_seconds,
        read_timeout_seconds: float = Deadlines.read_timeout_seconds,
        max_retry_attempts: int = Deadlines.max_retry_attempts,
    ) -> None:
        super().__init__(
            connect_timeout_seconds=connect_timeout_seconds,
            read_timeout_seconds=read_timeout_seconds,
            max_retry_attempts=max_retry_attempts,
        )
        self._deadlines = (connect_timeout_seconds, read_timeout_seconds, max_retry_attempts)

    @property
    def client(self) -> Any:
        return dynamodb_client(*self._deadlines)


class Model(pynamodb.models.Model):
    """PynamoDB's Model, its table's Connection on the one client for its Meta's deadlines."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        if not isinstance(table.connection, Connection):
            meta = cls.Meta
            shared = Connection(
                meta.connect_timeout_seconds, meta.read_timeout_seconds, meta.max_retry_attempts
            )
            shared.add_meta_table(table.get_meta_table())
            table.connection = shared
        return table

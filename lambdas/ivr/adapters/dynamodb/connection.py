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
    """Connect gives a Lambda block 8 s at most: a slow or unreachable table must fail fast."""

    connect_timeout_seconds = 1
    read_timeout_seconds = 2
    max_retry_attempts = 2


@cache
def dynamodb_client() -> Any:
    """The client PynamoDB would make from ``Deadlines``, made once."""
    config = Config(
        parameter_validation=False,  # PynamoDB builds the requests; as PynamoDB configures it
        connect_timeout=Deadlines.connect_timeout_seconds,
        read_timeout=Deadlines.read_timeout_seconds,
        retries={"total_max_attempts": 1 + Deadlines.max_retry_attempts, "mode": "standard"},
    )
    return new_client("dynamodb", config)


class Connection(pynamodb.connection.Connection):
    """PynamoDB's Connection, sending through the one client."""

    @property
    def client(self) -> Any:
        return dynamodb_client()


class Model(pynamodb.models.Model):
    """PynamoDB's Model, its table's Connection on the one client."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        if not isinstance(table.connection, Connection):
            shared = Connection()
            shared.add_meta_table(table.get_meta_table())
            table.connection = shared
        return table

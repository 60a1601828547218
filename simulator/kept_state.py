"""`make run KEEP=1`: the local tables and secrets saved at stop, loaded at the next start.

moto keeps its state in memory only, so a stop would lose it: the items of every table (DynamoDB
JSON, as Scan returns them) and the secrets' values (the pepper the stored PIN and answer hashes
were made with) are written to ``.local/state-<port>.json`` and put back through the same APIs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deploy.template import resources_of_type
from simulator.local_aws import table_definitions

#: BatchWriteItem's limit per request.
_BATCH = 25


def save_state(session: Any, path: Path) -> int:
    """Write every table's items and every secret's value to ``path``; the number of items."""
    dynamodb = session.client("dynamodb")
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in table_definitions():
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=name):
            items.extend(page["Items"])
        tables[name] = items
    secretsmanager = session.client("secretsmanager")
    secrets = {
        name: secretsmanager.get_secret_value(SecretId=name)["SecretString"]
        for name in resources_of_type("AWS::SecretsManager::Secret")
    }
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"tables": tables, "secrets": secrets}))
    return sum(len(items) for items in tables.values())


def load_state(session: Any, path: Path) -> int:
    """Put the saved items and secret values into the (freshly created) local resources."""
    state = json.loads(path.read_text())
    dynamodb = session.client("dynamodb")
    count = 0
    for name, items in state.get("tables", {}).items():
        if name not in table_definitions():
            continue  # a table the template no longer has
        for start in range(0, len(items), _BATCH):
            batch = [{"PutRequest": {"Item": item}} for item in items[start : start + _BATCH]]
            dynamodb.batch_write_item(RequestItems={name: batch})
        count += len(items)
    secretsmanager = session.client("secretsmanager")
    for name, value in state.get("secrets", {}).items():
        if name in resources_of_type("AWS::SecretsManager::Secret"):
            secretsmanager.put_secret_value(SecretId=name, SecretString=value)
    return count

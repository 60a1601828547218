"""The local stack's moto server, lightened (simulator.local_aws.lighten_moto), answers exactly
what moto answers: every attribute type, nested, binary, in every read and in an error."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from moto.core.serialize import BaseJSONSerializer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import EnvironBuilder

from simulator.local_aws import lighten_moto

AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=local/20261202/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=x"
)
BINARY = base64.b64encode(b"\x00\xffbinary").decode()
ITEMS = [
    {
        "k": {"S": "text"},
        "empty": {"S": ""},
        "n": {"N": "1.50"},
        "yes": {"BOOL": True},
        "no": {"BOOL": False},
        "nothing": {"NULL": True},
    },
    {
        "k": {"S": "nested"},
        "ss": {"SS": ["x", "y"]},
        "ns": {"NS": ["1", "2"]},
        "m": {"M": {"a": {"S": "x"}, "b": {"L": [{"N": "1"}, {"M": {}}, {"L": []}]}}},
    },
    {
        "k": {"S": "binary"},
        "b": {"B": BINARY},
        "bs": {"BS": [BINARY]},
        "m": {"M": {"b": {"B": BINARY}}},
        "l": {"L": [{"B": BINARY}, {"S": "q"}]},
    },
]


def requests() -> list[tuple[str, dict[str, Any]]]:
    keys = [{"k": item["k"]} for item in ITEMS]
    table = {"TableName": "T"}
    return [
        (
            "CreateTable",
            {
                **table,
                "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        ),
        *(("PutItem", {**table, "Item": item}) for item in ITEMS),
        *(("PutItem", {**table, "Item": item, "ReturnValues": "ALL_OLD"}) for item in ITEMS),
        ("BatchGetItem", {"RequestItems": {"T": {"Keys": keys}}}),
        ("Scan", table),
        ("GetItem", {**table, "Key": keys[2], "ProjectionExpression": "bs, m"}),
        (
            "UpdateItem",
            {
                **table,
                "Key": keys[0],
                "UpdateExpression": "SET n = n + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
                "ReturnValues": "ALL_NEW",
            },
        ),
        ("TransactGetItems", {"TransactItems": [{"Get": {**table, "Key": key}} for key in keys]}),
        (
            "PutItem",
            {
                **table,
                "Item": ITEMS[1],
                "ConditionExpression": "attribute_not_exists(k)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
        ),
        ("PutItem", {**table, "Item": {"k": {"S": "big"}, "x": {"S": "x" * 406_000}}}),
    ]


def answers() -> list[tuple[str, bytes]]:
    """Each request's status and body from a fresh moto WSGI app (no socket)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].reset()
    app = DomainDispatcherApplication(create_backend_app)
    out = []
    for target, body in requests():
        environ = EnvironBuilder(
            method="POST",
            path="/",
            data=json.dumps(body),
            headers=[
                ("X-Amz-Target", f"DynamoDB_20120810.{target}"),
                ("Content-Type", "application/x-amz-json-1.0"),
                ("Authorization", AUTHORIZATION),
            ],
        ).get_environ()
        status: list[str] = []
        answer = b"".join(app(environ, _recorder(status)))
        out.append((status[0], answer))
    return out[1:]  # not CreateTable's: it holds the time it was made


def _recorder(status: list[str]) -> Callable[..., None]:
    def start_response(line: str, headers: object, info: object = None) -> None:
        status.append(line)

    return start_response


def test_the_lightened_server_answers_byte_for_byte_what_moto_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.dynamodb.models.dynamo_type import Item

    lighten_moto()
    lightened = answers()
    serializer = BaseJSONSerializer._serialize_type_structure
    monkeypatch.setattr(BaseJSONSerializer, "_serialize_type_structure", serializer.moto)  # type: ignore[attr-defined]
    monkeypatch.setattr(Item, "__init__", Item.__init__.moto)  # type: ignore[attr-defined]
    assert lightened == answers()
    statuses = [status for status, _ in lightened]
    assert statuses[-2:] == ["400 BAD REQUEST", "400 BAD REQUEST"]  # the condition, the size
    assert b"Item size has exceeded" in lightened[-1][1]
    assert BINARY.encode() in lightened[-5][1]  # the BatchGetItem's binary values

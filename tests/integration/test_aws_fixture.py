"""The ``aws`` fixture puts one snapshot back before each test (simulator/testing/warm.py,
restored_aws()): every test still starts from the AWS in_memory_aws() creates, and nothing one
test wrote — an item, a message, a secret, a bucket, a cached setting — is there for the next."""

from __future__ import annotations

import os
from typing import Any

import boto3
import pytest

from simulator.local_aws import in_memory_aws, table_definitions
from simulator.testing.warm import restored_aws

QUEUE = "NotificationsQueue"


def _what_a_test_sees() -> dict[str, Any]:
    """Everything a test could find in the AWS it was given, read through the API."""
    dynamodb = boto3.client("dynamodb")
    sqs = boto3.client("sqs")
    secretsmanager = boto3.client("secretsmanager")
    tables = {}
    for name in sorted(dynamodb.list_tables()["TableNames"]):
        table = dynamodb.describe_table(TableName=name)["Table"]
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        tables[name] = (
            table["KeySchema"],
            sorted(index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])),
            table["ItemCount"],
            dynamodb.scan(TableName=name)["Items"],
            ttl.get("AttributeName"),
        )
    queues = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        counts = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
        )["Attributes"]
        queues[url.rsplit("/", 1)[-1]] = counts
    names = sorted(s["Name"] for s in secretsmanager.list_secrets()["SecretList"])
    return {
        "tables": tables,
        "queues": queues,
        "secrets": names,
        "buckets": boto3.client("s3").list_buckets()["Buckets"],
        "parameters": boto3.client("ssm").describe_parameters()["Parameters"],
    }


def _secret(name: str) -> str:
    value: str = boto3.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    return value


def _write_everywhere() -> None:
    """What a test might leave behind: an item, a queued message, a new secret value, a bucket,
    a parameter, and a setting read from an environment it changed."""
    from ivr import wiring

    boto3.client("dynamodb").put_item(
        TableName="TransactionsTable", Item={"payment_id": {"S": "pay-left-behind"}}
    )
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"], MessageBody="{}")
    boto3.client("secretsmanager").put_secret_value(
        SecretId="PepperSecret", SecretString="left-behind"
    )
    assert wiring.secret_value("PepperSecret", 300) == "left-behind"  # now cached by Powertools
    boto3.client("s3").create_bucket(Bucket="left-behind")
    boto3.client("ssm").put_parameter(Name="/left/behind", Value="x", Type="String")


def test_each_restore_is_the_aws_in_memory_aws_creates_and_forgets_what_a_test_wrote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ivr import wiring
    from ivr.core.settings import settings

    with in_memory_aws():
        created = _what_a_test_sees()
    assert sorted(created["tables"]) == sorted(table_definitions())
    with restored_aws():
        assert _what_a_test_sees() == created
        pepper = _secret("PepperSecret")
        _write_everywhere()
        monkeypatch.setenv("CALLBACK_POLICY", "not-what-the-template-says")
        assert settings().callback_policy == "not-what-the-template-says"
        monkeypatch.undo()
        assert _what_a_test_sees() != created
    with restored_aws():
        assert _what_a_test_sees() == created
        assert _secret("PepperSecret") == pepper
        assert wiring.secret_value("PepperSecret", 300) == pepper
        assert settings().callback_policy == os.environ.get("CALLBACK_POLICY", "")


# The fixture itself, as the other tests use it: the first writes, the second (run after it in
# this file, alone or on an xdist worker: --dist loadfile keeps a file's order) sees nothing.
@pytest.mark.usefixtures("aws")
def test_a_test_that_writes_everywhere() -> None:
    _write_everywhere()
    assert _secret("PepperSecret") == "left-behind"


@pytest.mark.usefixtures("aws")
def test_the_next_test_sees_none_of_it() -> None:
    seen = _what_a_test_sees()
    assert all(items == [] for *_, items, _ttl in seen["tables"].values())
    assert seen["queues"][QUEUE] == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
    }
    assert _secret("PepperSecret") != "left-behind"
    assert seen["buckets"] == [] and seen["parameters"] == []


def test_outside_the_fixture_moto_answers_no_request() -> None:
    """Between tests moto is not patched in: a request made now would not reach it."""
    from moto.core.models import botocore_stubber

    assert not botocore_stubber.enabled

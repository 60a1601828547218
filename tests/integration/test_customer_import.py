"""Customer files dropped in the import bucket, against moto's S3, DynamoDB, SQS and SNS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ivr.core.hashing import keyed_hash
from ivr.core.money import Money

DATA = Path(__file__).parent.parent / "data" / "customers"
BUCKET = "customer-imports"


@pytest.fixture
def bucket(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The import bucket, the dead-letter queue and the support topic (with a queue on it)."""
    from simulator.local_aws import reset_caches

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="ImportDeadLetters")["QueueUrl"]
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="ImportAlerts")["TopicArn"]
    inbox = sqs.create_queue(QueueName="SupportInbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn)
    monkeypatch.setenv("IMPORT_DLQ_URL", dlq)
    monkeypatch.setenv("IMPORT_ALERTS_TOPIC_ARN", topic)
    monkeypatch.delenv("IMPORT_STATE_MACHINE_ARN", raising=False)
    reset_caches(clients=False)
    yield {"s3": s3, "sqs": sqs, "dlq": dlq, "inbox": inbox}
    reset_caches(clients=False)


def _drop(s3: Any, name: str, body: bytes | None = None, key: str | None = None) -> str:
    key = key or f"incoming/{name}"
    s3.put_object(
        Bucket=BUCKET, Key=key, Body=body if body is not None else (DATA / name).read_bytes()
    )
    return key


def _notify(key: str) -> dict[str, Any]:
    import customer_import

    from simulator.context import lambda_context

    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": BUCKET}, "object": {"key": key.replace(" ", "+")}},
            }
        ]
    }
    answer: dict[str, Any] = customer_import.lambda_handler(event, lambda_context("import"))
    files: list[dict[str, Any]] = answer["files"]
    return files[0]


def _keys(s3: Any) -> list[str]:
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def _text(s3: Any, key: str) -> str:
    body: bytes = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return body.decode()


def _customer_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName="CustomersTable")["Items"]
    return sorted(items, key=lambda item: item["phone"]["S"])


def _messages(sqs: Any, url: str) -> list[str]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [message["Body"] for message in got.get("Messages", [])]


def test_a_valid_file_loads_every_customer_and_moves_to_processed(bucket: dict[str, Any]) -> None:
    from ivr import wiring

    s3 = bucket["s3"]
    answer = _notify(_drop(s3, "good.csv"))

    assert answer["outcome"] == "processed"
    assert (answer["created"], answer["rejected"]) == (3, 0)
    assert _keys(s3) == ["processed/good.csv", "processed/good.csv.rejected.csv"]
    assert _text(s3, "processed/good.csv.rejected.csv") == "line,reason\r\n"
    maria = wiring.callers().find_by_phone("+13125550150")
    assert maria is not None
    assert (maria.first_name, maria.last_name, maria.balance) == ("Maria", "Lopez", Money(125075))
    assert (maria.timezone, maria.account_number) == ("America/Chicago", "880011223")
    tom = wiring.callers().find_by_phone("+12025550151")  # "(202) 555-0151" normalised
    assert tom is not None and tom.email == "tom@example.org"
    priya = wiring.callers().find_by_phone("+442079460152")
    assert priya is not None and priya.balance == Money(9910, "GBP") and priya.knowledge is None


def test_keypad_answers_are_stored_only_as_keyed_hashes(bucket: dict[str, Any]) -> None:
    from ivr import wiring

    _notify(_drop(bucket["s3"], "good.csv"))

    raw = json.dumps(_customer_items())
    assert "2468" not in raw and "60614" not in raw
    maria = wiring.callers().find_by_phone("+13125550150")
    assert maria is not None and maria.knowledge is not None
    salt = maria.knowledge.salt
    assert maria.knowledge.national_id_last4 == keyed_hash(wiring.pepper(), salt, "2468")
    assert maria.knowledge.postal_code == keyed_hash(wiring.pepper(), salt, "60614")


def test_bad_rows_are_reported_by_line_and_reason_and_good_rows_still_load(
    bucket: dict[str, Any],
) -> None:
    from ivr import wiring

    s3 = bucket["s3"]
    answer = _notify(_drop(s3, "mixed.csv"))

    assert answer["outcome"] == "processed"
    assert (answer["created"], answer["rejected"]) == (2, 6)
    report = _text(s3, "processed/mixed.csv.rejected.csv").splitlines()
    assert report == [
        "line,reason",
        "3,phone: not a valid phone number",
        "4,email: not a valid e-mail address",
        "5,balance: not a decimal amount in the currency's minor units",
        "6,timezone: not an IANA time zone",
        "7,name: missing",
        "8,national_id_last4: not a valid national id last4",
    ]
    for secret in ("2222", "3333", "4444", "5555", "6666", "77x7", "not-an-email", "Mars"):
        assert secret not in "\n".join(report)
    assert wiring.callers().find_by_phone("+13125550160") is not None
    assert wiring.callers().find_by_phone("+13125550166") is not None
    assert wiring.callers().find_by_phone("+13125550161") is None


def test_a_json_lines_file_loads_its_objects_and_reports_the_rest(bucket: dict[str, Any]) -> None:
    from ivr import wiring

    s3 = bucket["s3"]
    answer = _notify(_drop(s3, "good.jsonl"))

    assert (answer["created"], answer["rejected"]) == (2, 2)
    assert _text(s3, "processed/good.jsonl.rejected.csv").splitlines()[1:] == [
        "4,not a JSON object",
        "5,unknown key(s): colour",
    ]
    raj = wiring.callers().find_by_phone("+13125550171")
    assert raj is not None and raj.balance == Money(300)


@pytest.mark.parametrize("name", ["no_phone_column.csv", "not_utf8.csv"])
def test_a_file_that_cannot_be_read_goes_to_failed_the_dlq_and_the_support_team(
    bucket: dict[str, Any], name: str
) -> None:
    s3, sqs = bucket["s3"], bucket["sqs"]
    answer = _notify(_drop(s3, name))

    assert answer["outcome"] == "failed"
    assert _keys(s3) == [f"failed/{name}", f"failed/{name}.error.txt"]
    assert _customer_items() == []
    (dead,) = _messages(sqs, bucket["dlq"])
    assert json.loads(dead) == {
        "bucket": BUCKET,
        "key": f"failed/{name}",
        "reason": answer["reason"],
    }
    (alert,) = _messages(sqs, bucket["inbox"])
    assert f"s3://{BUCKET}/failed/{name} could not be imported" in json.loads(alert)["Message"]


def test_importing_the_same_file_twice_changes_nothing(bucket: dict[str, Any]) -> None:
    s3 = bucket["s3"]
    _notify(_drop(s3, "good.csv"))
    before = _customer_items()

    again = _notify(_drop(s3, "good.csv"))

    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert _customer_items() == before


def test_an_import_keeps_what_the_ivr_owns_on_the_customer(bucket: dict[str, Any]) -> None:
    from ivr import wiring
    from ivr.callers import VoiceEnrolment

    s3 = bucket["s3"]
    _notify(_drop(s3, "good.csv"))
    wiring.callers().set_voice_enrolment("+13125550150", VoiceEnrolment.ENROLLED)
    changed = (DATA / "good.csv").read_text().replace("1250.75", "1000.00").encode()

    answer = _notify(_drop(s3, "good.csv", body=changed, key="incoming/second/good.csv"))

    assert (answer["updated"], answer["unchanged"]) == (1, 2)
    maria = wiring.callers().find_by_phone("+13125550150")
    assert maria is not None
    assert maria.balance == Money(100000)
    assert maria.voice_enrolment is VoiceEnrolment.ENROLLED
    assert "processed/second/good.csv" in _keys(s3)


def test_a_second_delivery_of_the_same_notification_does_nothing(bucket: dict[str, Any]) -> None:
    key = _drop(bucket["s3"], "good.csv")
    _notify(key)

    assert _notify(key)["outcome"] == "nothing to do"


def test_a_large_csv_file_is_handed_to_the_distributed_map(
    bucket: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr import wiring
    from ivr.adapters.import_files import StepFunctionsMapStarter
    from simulator.local_aws import reset_caches

    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:CustomerImportMap"
    monkeypatch.setenv("IMPORT_MAP_THRESHOLD_BYTES", "100")
    reset_caches(clients=False)
    sfn = boto3.client("stepfunctions")
    stubber = Stubber(sfn)
    stubber.add_response(
        "start_execution",
        {"executionArn": arn.replace("stateMachine", "execution") + ":x", "startDate": 0},
        {"stateMachineArn": arn, "name": ANY, "input": ANY},
    )
    monkeypatch.setattr(
        wiring, "import_map_starter", lambda bucket: StepFunctionsMapStarter(sfn, arn, bucket)
    )
    with stubber:
        answer = _notify(_drop(bucket["s3"], "good.csv"))

    assert answer["outcome"] == "handed to the distributed map"
    stubber.assert_no_pending_responses()
    assert _customer_items() == []  # the map loads it, not this invocation
    assert _keys(bucket["s3"]) == ["incoming/good.csv"]


def _map_batch(items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    import customer_import_batch

    from simulator.context import lambda_context

    event = {
        "Items": items,
        "BatchInput": {"bucket": BUCKET, "key": key, "sourceTime": "2026-12-01T08:00:00+00:00"},
    }
    answer: dict[str, Any] = customer_import_batch.lambda_handler(event, lambda_context("batch"))
    return answer


def test_the_distributed_map_batches_load_rows_and_the_last_step_joins_their_reports(
    bucket: dict[str, Any],
) -> None:
    """What the state machine does with a large file: CSV rows (strings, header names as
    written) in batches with their index, then the finish step."""
    import customer_import_batch

    from ivr import wiring
    from simulator.context import lambda_context

    s3 = bucket["s3"]
    key = _drop(s3, "mixed.csv", key="incoming/big.csv")
    header, *lines = (DATA / "mixed.csv").read_text().splitlines()
    rows = [dict(zip(header.upper().split(","), line.split(","), strict=True)) for line in lines]
    items = [{"row": row, "index": index} for index, row in enumerate(rows)]

    first = _map_batch(items[:4], key)
    second = _map_batch(items[4:], key)
    finished = customer_import_batch.lambda_handler(
        {"action": "finish", "bucket": BUCKET, "key": key}, lambda_context("finish")
    )

    assert (first["created"], first["rejected"]) == (1, 3)
    assert (second["created"], second["rejected"]) == (1, 3)
    assert finished["outcome"] == "processed"
    report = _text(s3, "processed/big.csv.rejected.csv").splitlines()
    assert [line.split(",")[0] for line in report] == ["line", "3", "4", "5", "6", "7", "8"]
    assert _keys(s3) == ["processed/big.csv", "processed/big.csv.rejected.csv"]
    assert wiring.callers().find_by_phone("+13125550166") is not None


def test_a_failed_distributed_map_moves_the_file_to_failed_and_tells_support(
    bucket: dict[str, Any],
) -> None:
    import customer_import_batch

    from simulator.context import lambda_context

    s3 = bucket["s3"]
    key = _drop(s3, "good.csv", key="incoming/big.csv")
    customer_import_batch.lambda_handler(
        {"action": "fail", "bucket": BUCKET, "key": key, "error": "States.ItemReaderFailed"},
        lambda_context("fail"),
    )

    assert _keys(s3) == ["failed/big.csv", "failed/big.csv.error.txt"]
    assert len(_messages(bucket["sqs"], bucket["inbox"])) == 1

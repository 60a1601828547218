"""The import bucket (S3), the support team's alerts (SNS + the dead-letter queue) and the
Distributed Map (Step Functions), for ivr.customers.files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError

from ivr.core.errors import StoreUnavailableError


def _failed(what: str, error: ClientError | BotoCoreError) -> StoreUnavailableError:
    code = (
        error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
    )
    return StoreUnavailableError(f"{what}: {code}")


class S3ImportFiles:
    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def size(self, key: str) -> int | None:
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as missing:
            if missing.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise _failed("head object", missing) from missing
        return int(head["ContentLength"])

    def modified(self, key: str) -> datetime:
        head = self._s3.head_object(Bucket=self._bucket, Key=key)
        modified: datetime = head["LastModified"]
        return modified

    def open(self, key: str) -> IO[bytes] | Iterable[bytes]:
        """The object's body as a stream of chunks: never read whole into memory."""
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"]
        except (ClientError, BotoCoreError) as failed:
            raise _failed("get object", failed) from failed
        chunks: Iterable[bytes] = body.iter_chunks(chunk_size=1 << 16)
        return chunks

    def put_text(self, key: str, text: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=text.encode(), ContentType="text/plain"
        )

    def move(self, key: str, to_key: str) -> None:
        # S3 has no rename: copy, then delete. A crash between the two leaves the file in both
        # places; the next delivery of the event finds it in incoming/ and the rows are idempotent.
        self._s3.copy_object(
            Bucket=self._bucket, Key=to_key, CopySource={"Bucket": self._bucket, "Key": key}
        )
        self._s3.delete_object(Bucket=self._bucket, Key=key)

    def keys(self, prefix: str) -> list[str]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=prefix
        )
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=key)


class SupportAlerts:
    """A failed file: one SNS message for the support team and one DLQ message for replay."""

    def __init__(self, sns: Any, topic_arn: str, sqs: Any, dlq_url: str, bucket: str) -> None:
        self._sns, self._topic = sns, topic_arn
        self._sqs, self._dlq = sqs, dlq_url
        self._bucket = bucket

    def file_failed(self, key: str, reason: str) -> None:
        detail = {"bucket": self._bucket, "key": key, "reason": reason}
        if self._topic:
            self._sns.publish(
                TopicArn=self._topic,
                Subject="Customer import failed",
                Message=f"s3://{self._bucket}/{key} could not be imported: {reason}",
            )
        if self._dlq:
            self._sqs.send_message(QueueUrl=self._dlq, MessageBody=json.dumps(detail))


class StepFunctionsMapStarter:
    def __init__(self, client: Any, state_machine_arn: str, bucket: str) -> None:
        self._sfn = client
        self._arn = state_machine_arn
        self._bucket = bucket

    def start(self, key: str, *, source_time: datetime) -> str:
        # The execution name is derived from the object, so a redelivered S3 event finds the
        # execution already started (ExecutionAlreadyExists) instead of loading the file twice.
        name = hashlib.sha256(f"{key}\x00{source_time.isoformat()}".encode()).hexdigest()[:64]
        payload = {"bucket": self._bucket, "key": key, "sourceTime": source_time.isoformat()}
        try:
            answer = self._sfn.start_execution(
                stateMachineArn=self._arn, name=name, input=json.dumps(payload)
            )
        except ClientError as failed:
            if failed.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return f"{self._arn.replace(':stateMachine:', ':execution:')}:{name}"
            raise _failed("start execution", failed) from failed
        arn: str = answer["executionArn"]
        return arn

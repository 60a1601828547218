"""Customer file import: S3 notifications for objects under ``incoming/`` (ivr.customers.files).

Runs as an asynchronous invocation: an exception is retried twice by Lambda and then lands on the
import dead-letter queue (the function's on-failure destination), as a file that cannot be read
does by itself."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from ivr import wiring
from ivr.core.errors import MalformedEventError
from ivr.core.observability import logger
from ivr.core.settings import settings
from ivr.customers.files import FileOutcome, FileResult, import_dropped_file

metrics = Metrics()


def _s3_objects(event: dict[str, Any]) -> list[tuple[str, str]]:
    objects = []
    for record in event.get("Records") or []:
        s3 = record.get("s3") if isinstance(record, dict) else None
        if not isinstance(s3, dict):
            raise MalformedEventError("not an S3 event notification")
        bucket = (s3.get("bucket") or {}).get("name")
        key = (s3.get("object") or {}).get("key")
        if not isinstance(bucket, str) or not isinstance(key, str):
            raise MalformedEventError("S3 record without bucket or key")
        # S3 URL-encodes keys in notifications ("a+b.csv" is "a b.csv").
        objects.append((bucket, unquote_plus(key)))
    return objects


def _import(bucket: str, key: str) -> FileResult:
    return import_dropped_file(
        key,
        files=wiring.import_files(bucket),
        store=wiring.customer_import_store(),
        alerts=wiring.import_alerts(bucket),
        starter=wiring.import_map_starter(bucket),
        settings_for=wiring.import_settings,
        map_threshold_bytes=settings().import_map_threshold_bytes,
    )


def _answer(result: FileResult) -> dict[str, Any]:
    answer: dict[str, Any] = {"key": result.key, "outcome": result.outcome.value}
    if result.moved_to:
        answer["movedTo"] = result.moved_to
    if result.report is not None:
        answer.update(result.report.summary())
    if result.reason:
        answer["reason"] = result.reason
    return answer


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if not isinstance(event, dict):
        raise MalformedEventError("not an S3 event notification")
    results = [_import(bucket, key) for bucket, key in _s3_objects(event)]
    for result in results:
        logger.info("customer file", extra={"customerFile": _answer(result)})
        metrics.add_metric(name="CustomerFiles", unit=MetricUnit.Count, value=1)
        if result.outcome is FileOutcome.FAILED:
            metrics.add_metric(name="CustomerFilesFailed", unit=MetricUnit.Count, value=1)
        if result.report is not None:
            metrics.add_metric(
                name="CustomerRowsRejected", unit=MetricUnit.Count, value=result.report.rejected
            )
    return {"files": [_answer(result) for result in results]}

"""The Distributed Map's steps for a large customer file: each batch of rows from its CSV item
reader, then the last step (``{"action": "finish" | "fail", "bucket", "key"}``).

The map's ItemSelector hands each row with its index (``{"row": {...}, "index": n}``) and its
ItemBatcher the file in ``BatchInput`` (``bucket``, ``key``, ``sourceTime``); rejected rows go to a
per-batch report that the map's last step joins (ivr.customers.files.finish_file).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ivr import wiring
from ivr.core.errors import MalformedEventError
from ivr.core.observability import logger
from ivr.customers.files import batch_report_key, fail_file, finish_file
from ivr.customers.importing import CsvReport, import_customers, rows_from_values


def _rows(items: list[Any]) -> list[tuple[int, Any]]:
    rows = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("index"), int):
            raise MalformedEventError("map items must be {row, index}")
        rows.append((item["index"] + 2, item.get("row")))  # line 1 is the header
    return rows


def _last_step(event: dict[str, Any]) -> dict[str, Any]:
    bucket, key = event.get("bucket"), event.get("key")
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise MalformedEventError("the last step needs bucket and key")
    files = wiring.import_files(bucket)
    if event.get("action") == "finish":
        result = finish_file(key, files=files)
    else:
        reason = str(event.get("error") or "the distributed map failed")[:500]
        result = fail_file(key, reason, files=files, alerts=wiring.import_alerts(bucket))
    logger.info("customer file", extra={"customerFile": {"key": key, "outcome": result.outcome}})
    return {"key": key, "outcome": result.outcome.value, "movedTo": result.moved_to}


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and event.get("action") in {"finish", "fail"}:
        return _last_step(event)
    if not isinstance(event, dict) or not isinstance(event.get("Items"), list):
        raise MalformedEventError("not a Distributed Map batch")
    batch = event.get("BatchInput") or {}
    bucket, key = batch.get("bucket"), batch.get("key")
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise MalformedEventError("BatchInput needs bucket and key")
    source_time = datetime.fromisoformat(str(batch.get("sourceTime")))
    rows = _rows(event["Items"])
    rejected = CsvReport()
    try:
        report = import_customers(
            rows_from_values(rows),
            store=wiring.customer_import_store(),
            rejected=rejected,
            config=wiring.import_settings(source_time),
        )
        if rejected.count and rows:
            wiring.import_files(bucket).put_text(batch_report_key(key, rows[0][0]), rejected.text())
    finally:
        rejected.close()
    logger.info("customer batch", extra={"customerBatch": report.summary()})
    return report.summary()

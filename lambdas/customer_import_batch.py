"""One batch of a large customer file, from the Distributed Map's CSV item reader.

The map's ItemSelector hands each row with its index (``{"row": {...}, "index": n}``) and its
ItemBatcher the file in ``BatchInput`` (``bucket``, ``key``, ``sourceTime``); rejected rows go to a
per-batch report that the map's last step joins (ivr.customers.files.finish_file).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ivr import wiring
from ivr.customers.files import batch_report_key
from ivr.customers.importing import CsvReport, import_customers, rows_from_values
from ivr.errors import MalformedEventError
from ivr.observability import logger


def _rows(items: list[Any]) -> list[tuple[int, Any]]:
    rows = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("index"), int):
            raise MalformedEventError("map items must be {row, index}")
        rows.append((item["index"] + 2, item.get("row")))  # line 1 is the header
    return rows


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
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

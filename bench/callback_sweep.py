"""Callback-sweep work against table size: items read per sweep at 1,000 and 100,000 callbacks.

Each run loads the Callbacks table (moto's DynamoDB, tables from template.yaml) with N scheduled
callbacks, of which a fixed 50 are due, then runs one sweep and prints what it read. The sweep
queries the sparse ``by_due`` index, so what it reads follows the due callbacks, not N; a scan
would read every item. The 100,000 load writes straight into moto's backend (a bench shortcut:
the same items BatchWriteItem would store, without 4,000 HTTP round trips).

moto emulates TransactWriteItems' all-or-nothing by deep-copying the whole table before every
transaction, work that grows with the table and that DynamoDB does not do; every transaction in
this bench succeeds, so the bench turns that copy off and the sweep time shown is the sweep's.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lambdas")]
from bench.report import record  # noqa: E402 - after the path is set

DUE = 50
SIZES = (1_000, 100_000)
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York


def _environment() -> None:
    from simulator.local_aws import apply_environment

    apply_environment(None)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"


def _load(total: int) -> None:
    """``total`` scheduled callbacks, ``DUE`` of them due by NOW, the rest over the next weeks."""
    import boto3
    from moto.dynamodb.models import dynamodb_backends

    from simulator.local_aws import LOCAL_REGION

    account = boto3.client("sts").get_caller_identity()["Account"]
    backend = dynamodb_backends[account][LOCAL_REGION]
    for number in range(total):
        due = number < DUE
        at = (
            NOW - timedelta(minutes=number) if due else NOW + timedelta(minutes=5 + number % 20_000)
        )
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000000+0000")  # PynamoDB's UTCDateTime format
        item = {
            "callback_id": {"S": f"bench-{number:06d}"},
            "phone": {"S": f"+1312555{number % 10_000:04d}"},
            "queue": {"S": "BasicQueue"},
            "due_at": {"S": stamp},
            "call_at": {"S": stamp},
            "timezone": {"S": "America/New_York"},
            "status": {"S": "scheduled"},
            "kind": {"S": "scheduled"},
            "attempts": {"N": "0"},
            "claims": {"N": "0"},
            "due_shard": {"S": "scheduled"},
        }
        backend.put_item(os.environ["CALLBACKS_TABLE"], item)


def _without_moto_table_copies() -> None:
    import copy

    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    class _Copy:
        @staticmethod
        def deepcopy(value: object) -> object:
            return value if isinstance(value, Table) else copy.deepcopy(value)

    models.copy = _Copy  # type: ignore[attr-defined,assignment]


def _measure(total: int) -> dict[str, float]:
    import boto3
    from moto import mock_aws

    from simulator.local_aws import create_resources, reset_caches

    with mock_aws():
        reset_caches()
        create_resources(boto3.session.Session())
        started = time.perf_counter()
        _load(total)
        loaded = time.perf_counter() - started

        from ivr.adapters.dynamodb.callbacks import DynamoCallbackStore
        from ivr.adapters.local.dialer import LocalDialer
        from ivr.callbacks.scheduling import parse_policy
        from ivr.callbacks.service import sweep_due_callbacks

        store = DynamoCallbackStore()
        policy = parse_policy("", "America/New_York")
        started = time.perf_counter()
        report = sweep_due_callbacks(store=store, dialer=LocalDialer(), policy=policy, now=NOW)
        swept = time.perf_counter() - started
        table = boto3.client("dynamodb").describe_table(TableName=os.environ["CALLBACKS_TABLE"])[
            "Table"
        ]
    reset_caches()
    return {
        "stored": total,
        "table_items": table["ItemCount"],
        "due": DUE,
        "read": report.read,
        "dialled": len(report.dialled),
        "sweep_ms": swept * 1000,
        "load_s": loaded,
    }


def main() -> int:
    _environment()
    _without_moto_table_copies()
    print("callback sweep: items read per sweep vs. table size (sparse by_due index)")
    print(
        f"{'stored':>9} {'table items':>12} {'due':>5} {'read':>6} {'dialled':>8} {'sweep ms':>9}"
    )
    results = [_measure(total) for total in SIZES]
    for r in results:
        print(
            f"{r['stored']:>9,} {r['table_items']:>12,} {r['due']:>5} {r['read']:>6} "
            f"{r['dialled']:>8} {r['sweep_ms']:>9.0f}"
        )
    small, large = results
    record("callback_sweep", {"due": DUE, "runs": results})
    print(
        f"items read at {large['stored']:,} / at {small['stored']:,} stored: "
        f"{large['read'] / max(small['read'], 1):.2f}x (a scan would read "
        f"{large['table_items'] / max(small['table_items'], 1):.0f}x)"
    )
    print(
        "(sweep ms is moto's in-memory time, whose index query walks every stored item; "
        "DynamoDB reads only the index range, the items counted under read)"
    )
    return 0 if all(r["read"] == r["due"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Load: many scripted calls at once through the local contact center, against one HTTP DynamoDB.

Payments (keypad and portal), keypad failures up to the day's lock, the account-number path,
callbacks (immediate and scheduled, then concurrent sweeps) and balance calls, several of the same
customer at once in different processes (tests/load/driver.py). Afterwards: every call ended as
scripted, and nothing was done twice - charges, dials, messages - while the lock-out counters
hold exactly what the calls typed. ``LOAD_CALLS`` sets the number of calls (README, "Load").
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import secrets_scan
from tests.load.driver import SWEEP_AT, plans_and_customers
from tests.load.harness import LoadRun, run_load

#: make test runs this many; LOAD_CALLS=200 runs the issue's figure (README, "Load").
DEFAULT_CALLS = 40
CALLS = int(os.environ.get("LOAD_CALLS") or DEFAULT_CALLS)
WORKERS = int(os.environ.get("LOAD_WORKERS") or (2 if CALLS <= 60 else 4))


@pytest.fixture(scope="module")
def load(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadRun]:
    run = run_load(tmp_path_factory.mktemp("load"), CALLS, WORKERS, SWEEP_AT)
    secrets_scan.scan_load_run(run.directory, run.items)
    _write_summary(run)
    yield run


def _values(item: dict[str, Any], name: str) -> str:
    value = item.get(name) or {}
    return str(next(iter(value.values()), "")) if isinstance(value, dict) else ""


def test_every_call_ends_as_scripted(load: LoadRun) -> None:
    plans, _ = plans_and_customers(CALLS)
    assert len(load.results) == len(plans)
    failed = {r["name"]: r["failures"] for r in load.results if not r["passed"]}
    assert failed == {}


def test_the_calls_were_on_the_line_at_the_same_time(load: LoadRun) -> None:
    assert load.peak_in_flight >= 0.9 * len(load.results)


def test_no_payment_is_charged_twice(load: LoadRun) -> None:
    approved = [c for c in load.charges if c["status"] == "approved"]
    per_payment = Counter(c["key"].split("#")[0] for c in approved)
    assert [p for p, n in per_payment.items() if n > 1] == []
    payers = {r["phone"] for r in load.results if r["kind"].endswith("_payment")}
    complete = [
        t
        for t in load.items["TransactionsTable"]
        if _values(t, "customer_phone") in payers and _values(t, "status") == "complete"
    ]
    assert len(approved) == len(payers) == len(complete)
    assert {_values(t, "payment_id") for t in complete} == set(per_payment)


def test_every_due_callback_is_dialled_once_by_concurrent_sweeps(load: LoadRun) -> None:
    per_callback = Counter(d["callbackId"] for d in load.dials)
    assert [c for c, n in per_callback.items() if n > 1] == []
    booked = {r["phone"] for r in load.results if r["kind"] == "scheduled_callback"}
    scheduled = {
        _values(c, "callback_id"): _values(c, "status")
        for c in load.items["CallbacksTable"]
        if _values(c, "phone") in booked and _values(c, "kind") == "scheduled"
    }
    assert len(scheduled) == len(booked)
    assert set(per_callback) == set(scheduled)
    assert set(scheduled.values()) == {"dialled"}
    queued = [
        c
        for c in load.items["CallbacksTable"]
        if _values(c, "kind") == "immediate"
        and not _values(c, "callback_id").startswith("pending#")
    ]
    immediate = {r["phone"] for r in load.results if r["kind"] == "immediate_callback"}
    assert sorted(_values(c, "phone") for c in queued) == sorted(immediate)


def test_no_message_is_sent_twice(load: LoadRun) -> None:
    outbox = _outbox(load.directory)
    per_key = Counter((m["to"], m["idempotency_key"]) for m in outbox)
    assert [k for k, n in per_key.items() if n > 1] == []
    payers = {r["phone"] for r in load.results if r["kind"].endswith("_payment")}
    receipts = Counter(m["to"] for m in outbox if m["channel"] == "sms" and "received" in m["text"])
    assert {phone: receipts[phone] for phone in payers} == dict.fromkeys(payers, 1)


def test_keypad_lock_out_counts_exactly_five_wrong_answers(load: LoadRun) -> None:
    lockouts = {r["phone"] for r in load.results if r["name"].startswith("keypad_lockout")}
    counters = _auth_items(load, "customer#")
    for phone in lockouts:
        counter = counters[f"customer#{phone}"]
        assert len(counter["failures"]["M"]) == 5 and "locked_at" in counter, phone
        heard_lock = [
            r
            for r in load.results
            if r["phone"] == phone and any("locked" in p for p in r["prompts"])
        ]
        assert len(heard_lock) == 1, phone  # the call whose answer was the day's fifth


def test_account_path_failures_lock_that_path_only(load: LoadRun) -> None:
    accounts = {r["phone"] for r in load.results if r["kind"] == "account_failures"}
    counters = _auth_items(load, "customer#")
    for phone in accounts:
        counter = counters[f"customer#account#{phone}"]
        assert len(counter["failures"]["M"]) == 5 and "locked_at" in counter, phone
        assert f"customer#{phone}" not in counters  # the owner's own check is untouched


def _auth_items(load: LoadRun, prefix: str) -> dict[str, dict[str, Any]]:
    items = load.items["AuthenticationTable"]
    return {_values(i, "pk"): i for i in items if _values(i, "pk").startswith(prefix)}


def _outbox(directory: Path) -> list[dict[str, Any]]:
    lines = (directory / "outbox.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _write_summary(run: LoadRun) -> None:
    """The figures the README quotes, in test-output/load.json."""
    from simulator.paths import ROOT

    milliseconds = sorted(m for r in run.results for m in r["invocation_ms"])
    approved = Counter(c["key"].split("#")[0] for c in run.charges if c["status"] == "approved")
    summary = {
        "calls": len(run.results),
        "workers": run.workers,
        "failed": sum(not r["passed"] for r in run.results),
        "seconds": round(run.seconds, 1),
        "calls_per_second": round(len(run.results) / run.seconds, 2),
        "peak_in_flight": run.peak_in_flight,
        "charges": sum(approved.values()),
        "double_charges": sum(n - 1 for n in approved.values()),
        "dials": len(run.dials),
        "double_dials": sum(n - 1 for n in Counter(d["callbackId"] for d in run.dials).values()),
        "messages": len(_outbox(run.directory)),
        "invocations": len(milliseconds),
        "invocation_ms_p50": milliseconds[len(milliseconds) // 2] if milliseconds else 0,
        "invocation_ms_max": milliseconds[-1] if milliseconds else 0,
        "load_average": os.getloadavg()[0],
    }
    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(summary, indent=2))

"""What a batch of calls prints where: `ivr call --json --jobs N` one JSON document per call on
stdout and nothing else (the handlers' logs go to stderr), and bench/calls.py its figures only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
SCENARIO = ROOT / "tests" / "scenarios" / "known_caller_checks_balance.yaml"


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_json_with_jobs_prints_one_document_per_call_even_with_handler_logs_on() -> None:
    scenarios = [str(SCENARIO)] * 3 + [str(ROOT / "tests" / "scenarios" / "unknown_caller.yaml")]
    done = _run(
        ["-m", "simulator", "call", "--scenario", *scenarios, "--jobs", "2", "--json", "--verbose"]
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    documents = [json.loads(line) for line in lines]  # each line one whole document
    assert len(documents) == 4
    assert [d["scenario"] for d in documents[:3]] == ["known caller checks their balance"] * 3
    assert all(d["passed"] for d in documents)
    # The handlers did log (--verbose), on stderr, with the summary line.
    assert '"message":"caller looked up"' in done.stderr
    assert "4 calls, 0 failed" in done.stderr


def test_bench_calls_prints_only_its_figure_lines() -> None:
    done = _run(
        ["bench/calls.py"],
        env={
            "BENCH_CALLS": "2",
            "BENCH_JOBS": "2",
            "BENCH_SINGLE_CALLS": "1",
            "BENCH_RECORD": "0",  # not over the figures of a real run in test-output/bench.json
            "POWERTOOLS_LOG_LEVEL": "INFO",  # handlers that log must not reach stdout
        },
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 3, done.stdout
    assert all(line.startswith("calls: ") for line in lines), done.stdout
    assert "calls/s" in lines[1] and "the single-call path" in lines[1]
    assert '"level":"INFO"' in done.stderr  # the logs went somewhere: not to stdout
    # It ends cleanly: no clean-up left to the interpreter's shutdown, when nothing imports.
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr

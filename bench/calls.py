"""Whole scripted calls per second: the batch path (`ivr call --scenario ... --jobs N`) beside the
single-call path (a new in-memory AWS per call), for the known-caller balance scenario.

The batch figure counts from the moment the workers are up (their one-off set-up, about a
second each, is printed apart); the ratio is batch over single-call. ``BENCH_CALLS`` (default
200) and ``BENCH_JOBS`` (default 2) change the batch's size and workers.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lambdas")]
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

SCENARIO = ROOT / "tests" / "scenarios" / "known_caller_checks_balance.yaml"
SINGLE_CALLS = 10
BATCH_CALLS = int(os.environ.get("BENCH_CALLS", "200"))
JOBS = int(os.environ.get("BENCH_JOBS", "2"))


def single_call_rate() -> float:
    from simulator.scenario import load, run_scenario

    scenario = load(SCENARIO)
    run_scenario(scenario)  # warm imports
    # The batch's workers log at WARNING; so do the handlers here, for a fair comparison.
    logging.getLogger(os.environ.get("POWERTOOLS_SERVICE_NAME", "ivr")).setLevel(logging.WARNING)
    started = time.perf_counter()
    for _ in range(SINGLE_CALLS):
        assert run_scenario(scenario).passed
    return SINGLE_CALLS / (time.perf_counter() - started)


def batch_rate() -> tuple[float, float, float, float]:
    """(calls/s once the workers are up, their set-up seconds, seconds for all the calls, mean
    CPU seconds a call took in its worker)."""
    from simulator.testing.batch import RunOptions, run_batch

    started = time.perf_counter()
    first: float | None = None
    cpu: list[float] = []
    calls = run_batch([SCENARIO] * (BATCH_CALLS + JOBS), RunOptions(), JOBS)
    for done, result in enumerate(calls, 1):
        assert result["passed"], result["failures"]
        if done > JOBS:
            cpu.append(result["cpu_seconds"])
        if done == JOBS:  # each worker has built its AWS and run one call
            first = time.perf_counter()
    finished = time.perf_counter()
    assert first is not None
    return (
        BATCH_CALLS / (finished - first),
        first - started,
        finished - started,
        sum(cpu) / len(cpu),
    )


if __name__ == "__main__":
    rate, setup, total, cpu = batch_rate()
    single = single_call_rate()
    print(f"calls: single-call path {single:.1f} calls/s (a new in-memory AWS per call)")
    print(
        f"calls: batch --jobs {JOBS} {rate:.1f} calls/s over {BATCH_CALLS} calls "
        f"(workers up in {setup:.1f} s; {total:.1f} s in all); x{rate / single:.1f} the "
        "single-call path"
    )
    print(
        f"calls: {cpu * 1000:.0f} ms of CPU a call in a worker: {JOBS / cpu:.0f} calls/s on "
        f"{JOBS} cores not shared with other work (load now: {os.getloadavg()[0]:.1f})"
    )

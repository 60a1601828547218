"""Whole scripted calls per second: the batch path (`ivr call --scenario ... --jobs N`) beside the
single-call path (a new in-memory AWS per call), for the known-caller balance scenario.

The batch figure counts from the moment the workers are up (the one-off set-up they fork from
is printed apart); the ratio is batch over single-call. The CPU a call costs in a worker is
printed too: on a machine shared with other work it is the figure that load distorts least.
``BENCH_CALLS`` (default 200), ``BENCH_JOBS`` (default 2) and ``BENCH_SINGLE_CALLS`` (default
10) change the sizes; ``BENCH_RECORD=0`` leaves test-output/bench.json alone.

stdout holds the figure lines only (``calls: ...``); whatever the calls print (the handlers'
logs) goes to stderr. The figures also go to test-output/bench.json (section ``calls``).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lambdas")]
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
from bench.report import record  # noqa: E402 - after the path is set

SCENARIO = ROOT / "tests" / "scenarios" / "known_caller_checks_balance.yaml"
SINGLE_CALLS = int(os.environ.get("BENCH_SINGLE_CALLS", "10"))
BATCH_CALLS = int(os.environ.get("BENCH_CALLS", "200"))
JOBS = int(os.environ.get("BENCH_JOBS", "2"))
#: Every line this bench prints on stdout starts so.
PREFIX = "calls: "


@dataclass(frozen=True)
class Figures:
    single_rate: float  # calls/s, a new in-memory AWS per call
    batch_rate: float  # calls/s once the workers are up
    setup_seconds: float  # until each worker has answered its first call
    total_seconds: float
    cpu_seconds: float  # mean CPU a call took in its worker
    calls: int
    jobs: int
    load: float  # 1-minute load average at the end


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
        if done == JOBS:  # each worker has run one call
            first = time.perf_counter()
    finished = time.perf_counter()
    assert first is not None
    return (
        BATCH_CALLS / (finished - first),
        first - started,
        finished - started,
        sum(cpu) / len(cpu),
    )


def figure_lines(f: Figures) -> list[str]:
    return [
        f"{PREFIX}single-call path {f.single_rate:.1f} calls/s (a new in-memory AWS per call)",
        f"{PREFIX}batch --jobs {f.jobs} {f.batch_rate:.1f} calls/s over {f.calls} calls "
        f"(workers up in {f.setup_seconds:.1f} s; {f.total_seconds:.1f} s in all); "
        f"x{f.batch_rate / f.single_rate:.1f} the single-call path",
        f"{PREFIX}{f.cpu_seconds * 1000:.0f} ms of CPU a call in a worker: "
        f"{f.jobs / f.cpu_seconds:.0f} calls/s on {f.jobs} cores not shared with other work "
        f"(load now: {f.load:.1f})",
    ]


def main(out: TextIO) -> None:
    """Run both paths and print the figures on ``out``; anything else printed meanwhile (a
    handler's log line) goes to stderr."""
    stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        rate, setup, total, cpu = batch_rate()
        single = single_call_rate()
    finally:
        sys.stdout = stdout
    figures = Figures(single, rate, setup, total, cpu, BATCH_CALLS, JOBS, os.getloadavg()[0])
    for line in figure_lines(figures):
        print(line, file=out, flush=True)
    if os.environ.get("BENCH_RECORD", "1") != "0":
        record("calls", asdict(figures))


if __name__ == "__main__":
    main(sys.stdout)

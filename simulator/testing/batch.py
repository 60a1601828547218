"""`ivr call --scenario DIR|FILE... [--jobs N] [--junit FILE]`: many scripted calls, fast.

A file is a YAML scenario, or a Connect test case (JSON with ``Observations``; its start request
is ``NAME.request.json`` beside it, or ``--start``). With ``--jobs N`` the calls run across N
worker processes, each of which builds the in-memory AWS once and restores its table snapshot
between calls (simulator/testing/warm.py); without it, each call gets a new in-memory AWS.
"""

from __future__ import annotations

import copy
import functools
import json
import multiprocessing
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.scenario import Environment
from simulator.testing.junit import write_junit

SCENARIO_SUFFIXES = (".yaml", ".yml")
#: Files beside an exported test case that are not calls themselves.
COMPANION_SUFFIXES = (".request.json", ".local.yaml")


class BatchError(ValueError):
    """A path names nothing that can run."""


def collect(paths: list[Path]) -> list[Path]:
    """Scenario and test-case files: a directory's, sorted, or each file as named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.iterdir()
                if (p.suffix in SCENARIO_SUFFIXES or p.suffix == ".json")
                and not p.name.endswith(COMPANION_SUFFIXES)
            )
        elif path.exists():
            found.append(path)
        else:
            raise BatchError(f"{path}: no such file or directory")
    return found


@dataclass(frozen=True)
class RunOptions:
    start: Path | None = None
    given: Path | None = None
    instance: str = "example"


def run_path(path: Path, options: RunOptions, environment: Environment | None) -> dict[str, Any]:
    """One call's JSON record (``ivr call --json``), plus ``file``, ``seconds`` (wall) and
    ``cpu_seconds`` (this process's CPU time: the call's cost on a machine not shared). A file
    that cannot run is a record with ``error``, so one bad file does not stop a batch."""
    import yaml

    from simulator.scenario import ScenarioError, run_scenario
    from simulator.testing.runner import TestCaseError, run_test_case_file

    started, cpu = time.perf_counter(), time.process_time()
    record: dict[str, Any]
    try:
        if path.suffix == ".json":
            given = yaml.safe_load(options.given.read_text()) if options.given else None
            record = run_test_case_file(
                path,
                options.start,
                given=given,
                instance=options.instance,
                environment=environment,
            ).as_json()
        else:
            record = run_scenario(_scenario(path), environment).as_json()
    except (ScenarioError, TestCaseError, ValueError, OSError) as error:
        record = {
            "scenario": path.stem,
            "passed": False,
            "failures": [str(error)],
            "error": str(error),
        }
    record["file"] = str(path)
    record["seconds"] = round(time.perf_counter() - started, 4)
    record["cpu_seconds"] = round(time.process_time() - cpu, 4)  # this process's, threads too
    return record


def _scenario(path: Path) -> dict[str, Any]:
    """The scenario in ``path``, parsed once per version of the file (a batch repeats files):
    each call gets its own copy, as a run may add to what it was given."""
    stat = path.stat()
    return copy.deepcopy(_parsed(path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=256)
def _parsed(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    from simulator.scenario import load

    return load(path)


# --- worker processes ---------------------------------------------------------------------------

WORKER_PRELOAD = "simulator.testing.worker"

_WORKER: Any = None
_OPTIONS = RunOptions()


def _start_worker(options: RunOptions) -> None:
    global _WORKER, _OPTIONS
    sys.stdout = sys.stderr  # a worker's prints never reach the parent's JSON on stdout
    from simulator.testing.warm import process_aws

    _WORKER = process_aws()  # built before the fork, normally (simulator/testing/worker.py)
    _OPTIONS = options


def _run_in_worker(path: str) -> dict[str, Any]:
    return run_path(Path(path), _OPTIONS, _WORKER.fresh)


def run_batch(paths: list[Path], options: RunOptions, jobs: int) -> Iterator[dict[str, Any]]:
    """Each call's record, in the order of ``paths``."""
    if jobs <= 1:
        from simulator.testing.warm import WarmAWS

        with WarmAWS() as aws:
            for path in paths:
                yield run_path(path, options, aws.fresh)
        return
    # Workers are not copies of this process: nothing it imported or configured (a handler's
    # logger bound to stdout, a mock) leaks into them. They fork from the forkserver, a clean
    # interpreter that first imports simulator/testing/worker.py: the in-memory AWS is built and
    # warmed once there, not once per worker.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([WORKER_PRELOAD])  # no effect once this process's is running
    with context.Pool(jobs, initializer=_start_worker, initargs=(options,)) as pool:
        yield from pool.imap(_run_in_worker, [str(p) for p in paths])


def summary(results: list[dict[str, Any]], elapsed: float, jobs: int) -> str:
    failed = sum(not r.get("passed") for r in results)
    rate = len(results) / elapsed if elapsed > 0 else 0.0
    return (
        f"{len(results)} calls, {failed} failed, {elapsed:.2f} s, {rate:.1f} calls/s "
        f"({jobs} job{'s' if jobs != 1 else ''})"
    )


def print_result(result: dict[str, Any], *, as_json: bool) -> None:
    """A call's verdict (its JSON record with ``as_json``); a file that could not run is not a
    call: it is named on stderr, as before batches."""
    if result.get("error"):
        error, file = str(result["error"]), str(result.get("file"))
        print(error if error.startswith(file) else f"{file}: {error}", file=sys.stderr, flush=True)
        return
    if as_json:
        print(json.dumps(result), flush=True)
        return
    verdict = "PASS" if result.get("passed") else "FAIL"
    print(f"{verdict} {result.get('scenario')} (ended {result.get('ended', '-')})", flush=True)
    for failure in result.get("failures", []):
        print(f"  - {failure}", flush=True)


def run_command(
    paths: list[Path],
    *,
    as_json: bool,
    jobs: int | None,
    junit: Path | None,
    options: RunOptions,
) -> int:
    """The CLI: print each call (a JSON document per call with ``--json``), then the summary
    (on stderr with ``--json``, so stdout holds JSON only); exit 1 when a call failed, 2 when a
    file could not run at all."""
    try:
        files = collect(paths)
    except BatchError as error:
        print(error, file=sys.stderr)
        return 2
    started = time.perf_counter()
    results = []
    records: Iterator[dict[str, Any]]
    if jobs is None:
        records = (run_path(path, options, None) for path in files)
    else:
        records = run_batch(files, options, jobs)
    for result in records:
        results.append(result)
        print_result(result, as_json=as_json)
    elapsed = time.perf_counter() - started
    if junit is not None:
        write_junit(junit, results, elapsed)
    print(summary(results, elapsed, jobs or 1), file=sys.stderr if as_json else sys.stdout)
    if any(r.get("error") for r in results):
        return 2  # a scenario or test-case file is wrong, not the call it describes
    return 1 if any(not r.get("passed") for r in results) else 0

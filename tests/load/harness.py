"""Runs the load driver's processes (tests/load/driver.py) and always stops them."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from simulator.free_ports import free_port
from simulator.local_aws import LOCAL_REGION
from simulator.paths import ROOT

#: How long a process may take to say its next word before the run is given up.
STEP_SECONDS = 300


class _Process:
    """A driver process whose stdout lines arrive on a queue (read with a timeout)."""

    def __init__(self, args: list[str], stderr: Path) -> None:
        self._stderr: IO[str] = stderr.open("w")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "tests.load.driver", *args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.strip())
        self.lines.put("")  # end of output

    def expect(self, word: str, timeout: float = STEP_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no {word!r} from {self.popen.args!r}") from None
            if line == word:
                return
            if line == "" and self.popen.poll() is not None:
                raise RuntimeError(f"{self.popen.args!r} ended (status {self.popen.returncode})")

    def say(self, line: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(line + "\n")
        self.popen.stdin.flush()

    def stop(self) -> None:
        try:
            if self.popen.stdin is not None and not self.popen.stdin.closed:
                self.popen.stdin.close()
        except OSError:
            pass
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=20)
        self._stderr.close()


@dataclass
class LoadRun:
    """What one run measured and left behind."""

    calls: int
    workers: int
    seconds: float  # from "go" until every worker's last call ended
    results: list[dict[str, Any]] = field(default_factory=list)
    charges: list[dict[str, Any]] = field(default_factory=list)
    dials: list[dict[str, str]] = field(default_factory=list)
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # table -> raw items
    directory: Path = Path()

    @property
    def peak_in_flight(self) -> int:
        """The most calls on the line at one moment, from each call's start and end."""
        edges = [(r["started"], 1) for r in self.results if r["started"]]
        edges += [(r["finished"], -1) for r in self.results if r["finished"]]
        peak = current = 0
        for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
            current += step
            peak = max(peak, current)
        return peak


def scan_tables(port: int) -> dict[str, list[dict[str, Any]]]:
    """Every item of every template table on the stack, as DynamoDB's JSON (a client of its own:
    this process's environment stays the test suite's)."""
    import boto3

    from simulator.local_aws import table_definitions

    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name=LOCAL_REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        aws_session_token="local",
    )
    items: dict[str, list[dict[str, Any]]] = {}
    for table in table_definitions():
        pages = client.get_paginator("scan").paginate(TableName=table)
        items[table] = [item for page in pages for item in page["Items"]]
    return items


def run_load(directory: Path, calls: int, workers: int, sweep_at: str) -> LoadRun:
    """Start the stack and the workers, run every call at once, then the sweeps; stop all."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with ExitStack() as stack:
        server = _Process(
            ["stack", str(port), str(calls), str(directory / "outbox.jsonl")],
            directory / "stack.log",
        )
        stack.callback(server.stop)
        server.expect("ready")
        pool = []
        for worker in range(workers):
            process = _Process(
                ["calls", str(port), str(directory), str(worker), str(workers), str(calls)],
                directory / f"worker-{worker}.log",
            )
            stack.callback(process.stop)
            pool.append(process)
        for process in pool:
            process.expect("ready")
        started = time.perf_counter()
        for process in pool:
            process.say("go")
        for process in pool:
            process.expect("calls done")
        seconds = time.perf_counter() - started
        for process in pool:
            process.say(f"sweep {sweep_at}")
        for process in pool:
            process.expect("done")
        run = LoadRun(calls, workers, seconds, directory=directory)
        for worker in range(workers):
            report = json.loads((directory / f"worker-{worker}.json").read_text())
            run.results += report["results"]
            run.charges += report["charges"]
            run.dials += report["dials"]
        run.items = scan_tables(port)
    return run

"""Wall-clock budgets a caller notices (Connect's 8 s, an adapter's deadline), measured so that a
loaded test machine does not fail them: the time the measuring thread sat ready to run while other
processes held the cores is taken off. Every timeout, backoff sleep, socket wait and instruction
of the code under test still counts; only the queueing of a shared 2-core machine does not."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: A step that takes longer than this on the wall clock is broken whatever the load (a wait with
#: no deadline): Connect hangs up long before. The budgets themselves are checked on ``seconds``.
WALL_LIMIT_SECONDS = 60.0


def queued_seconds() -> float:
    """How long this thread has waited on a run queue so far (Linux's schedstat, 0 elsewhere)."""
    try:
        with open("/proc/thread-self/schedstat") as stats:
            return int(stats.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


@dataclass
class Stopwatch:
    wall: float = 0.0  # on this machine, with every other process competing for its cores
    queued: float = 0.0  # of ``wall``, the time this thread was ready to run but had no core

    @property
    def seconds(self) -> float:
        """What the block took with a core of its own whenever it could run."""
        return self.wall - self.queued


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    """Times the block in this thread; fails a block that ran past ``WALL_LIMIT_SECONDS``."""
    watch = Stopwatch()
    started, queued = time.perf_counter(), queued_seconds()
    yield watch
    watch.wall = time.perf_counter() - started
    watch.queued = queued_seconds() - queued
    assert watch.wall < WALL_LIMIT_SECONDS, f"took {watch.wall:.1f} s on the wall clock"


def _process_queued(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/schedstat") as stats:
            return int(stats.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def run_timed(
    command: list[str], *, timeout: float, **options: object
) -> tuple[subprocess.CompletedProcess[str], Stopwatch]:
    """Run ``command`` (text mode, output captured) and time it like ``stopwatch()``: the wall
    time less the time the process's main thread waited for a core, read while it runs (every
    20 ms, so up to that much queueing at its very end still counts against it)."""
    watch = Stopwatch()
    started = time.perf_counter()
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,  # type: ignore[call-overload]
    ) as process:
        collected: dict[str, str] = {}

        def collect() -> None:
            collected["out"], collected["err"] = process.communicate(timeout=timeout)

        reader = threading.Thread(target=collect, daemon=True)
        reader.start()
        while reader.is_alive():
            queued = _process_queued(process.pid)
            if queued is not None:
                watch.queued = queued
            reader.join(0.02)
        watch.wall = time.perf_counter() - started
    assert watch.wall < WALL_LIMIT_SECONDS, f"took {watch.wall:.1f} s on the wall clock"
    result = subprocess.CompletedProcess(
        command, process.returncode, collected.get("out", ""), collected.get("err", "")
    )
    return result, watch

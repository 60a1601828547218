"""A local stack in a process of its own, for tests and benchmarks that drive the CLI against it.

moto's server keeps its state per process, so a second stack in the same process would share
the first one's tables; ``python -m simulator.stack_process PORT`` starts one (the template's
tables and secrets, the sample data, as `make run` does), prints ``ready`` and runs until its
standard input closes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from simulator.free_ports import free_port
from simulator.paths import ROOT


@contextmanager
def stack_in_a_process() -> Iterator[int]:
    """Start the stack on a free port; yields the port once the stack is up."""
    port = free_port()
    stack = subprocess.Popen(
        [sys.executable, "-m", "simulator.stack_process", str(port)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert stack.stdout is not None and stack.stdin is not None
    try:
        while (line := stack.stdout.readline()) and line.strip() != "ready":
            pass
        if line.strip() != "ready":
            raise RuntimeError("the local stack did not start")
        yield port
    finally:
        stack.stdin.close()
        try:
            stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stack.kill()


def main() -> None:
    from simulator.paths import use_lambda_path

    use_lambda_path()
    from simulator.local_stack import start_local_stack

    server = start_local_stack(int(sys.argv[1]))
    print("ready", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()

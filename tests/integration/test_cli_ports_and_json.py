"""What a new user and a tool see from `ivr`: a busy port is one clear line within seconds (never a
hang, never a traceback), a running `ivr run` is found and used, and `--json` is JSON only."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from simulator.free_ports import free_port
from simulator.paths import ROOT
from tests.timing import run_timed

SCENARIOS = ROOT / "tests" / "scenarios"
#: The issue's promise: a refused start is told within this many seconds.
REFUSED_WITHIN_SECONDS = 5.0


def ivr(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def ivr_timed(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """``ivr`` and how long it took with a core whenever it could run (tests/timing.py): on a
    loaded CI machine the wait for a core is not the command's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    result, watch = run_timed(
        [sys.executable, "-m", "simulator", *args],
        timeout=30,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    return result, watch.seconds


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """Something else on a port: it accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port: int = listener.getsockname()[1]
        yield port


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--web-port", "0"],
        ["call", "--from", "+13125550142"],
        ["lookup", "+13125550142"],
        ["callbacks", "sweep", "--at", "2026-12-02T15:00:00-05:00"],
    ],
    ids=["run", "call", "lookup", "callbacks-sweep"],
)
def test_a_busy_dynamodb_port_is_one_line_naming_it_and_how_to_move(
    silent_listener: int, command: list[str]
) -> None:
    result, took = ivr_timed(*command, "--port", str(silent_listener))
    assert result.returncode != 0
    assert took < REFUSED_WITHIN_SECONDS, f"took {took:.1f} s"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {silent_listener}" in lines[0]
    assert "--port" in lines[0] and "DYNAMODB_PORT" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr


def test_a_web_port_next_to_the_dynamodb_port_is_one_line_not_a_traceback() -> None:
    port = free_port()
    result = ivr("run", "--port", str(port), "--web-port", str(port - 1))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"port {port} is both the embedded DynamoDB port" in result.stderr
    assert "--web-port" in result.stderr


def test_a_busy_web_port_is_one_line_naming_it_and_how_to_move(silent_listener: int) -> None:
    result, took = ivr_timed("run", "--port", str(free_port()), "--web-port", str(silent_listener))
    assert result.returncode != 0
    assert took < REFUSED_WITHIN_SECONDS, f"took {took:.1f} s"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {silent_listener}" in lines[0] and "WEB_PORT" in lines[0]


@pytest.fixture
def bound_not_listening() -> Iterator[int]:
    """A port held the way a client connection holds its local port: bound, not listening, so a
    probe finds nobody there and the bind still fails."""
    with socket.socket() as holder:
        port = free_port()
        holder.bind(("127.0.0.1", port + 1))  # the card page's origin
        yield port


@pytest.mark.parametrize("command", ["run", "call"])
def test_a_web_port_taken_after_the_check_is_one_line_not_a_traceback(
    bound_not_listening: int, command: str
) -> None:
    extra = ["--from", "+12025550100"] if command == "call" else []
    result = ivr(
        command, *extra, "--port", str(free_port()), "--web-port", str(bound_not_listening)
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {bound_not_listening} or {bound_not_listening + 1}" in lines[0]
    assert "--web-port" in lines[0]


def test_call_scenario_json_is_one_json_document_on_stdout() -> None:
    scenario = SCENARIOS / "known_caller_checks_balance.yaml"
    result = ivr("call", "--scenario", str(scenario), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["passed"] is True
    assert document["ended"] == "disconnected"


def test_several_scenarios_are_json_lines_one_document_per_call() -> None:
    files = [SCENARIOS / "known_caller_checks_balance.yaml", SCENARIOS / "unknown_caller.yaml"]
    result = ivr("call", "--scenario", *map(str, files), "--json")
    assert result.returncode == 0, result.stderr
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["passed"] for d in documents] == [True, True]


def test_handler_logs_are_off_by_default_and_on_stderr_with_verbose() -> None:
    scenario = str(SCENARIOS / "known_caller_checks_balance.yaml")
    quiet = ivr("call", "--scenario", scenario)
    assert quiet.returncode == 0, quiet.stderr
    assert '"level"' not in quiet.stdout + quiet.stderr
    verbose = ivr("call", "--scenario", scenario, "--json", "--verbose")
    assert json.loads(verbose.stdout)["passed"] is True
    assert '"level":"INFO"' in verbose.stderr


def test_a_terminal_call_serves_the_portal_on_the_port_chosen() -> None:
    web_port = free_port()
    result = ivr(
        "call", "--from", "+12025550100", "--port", str(free_port()), "--web-port", str(web_port)
    )
    assert result.returncode == 0, result.stderr
    assert f"http://127.0.0.1:{web_port}/pay/" in result.stdout


@dataclass
class RunningStack:
    port: int
    process: subprocess.Popen[str]
    output: list[str]


def start_run(*extra: str, port: int = 0) -> RunningStack:
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "run", "--port", str(port), "--web-port", "0", *extra],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output: list[str] = []
    for line in process.stdout:
        output.append(line)
        if "Press Ctrl-C" in line:
            return RunningStack(port, process, output)
    raise AssertionError("ivr run did not come up:\n" + "".join(output))


def stop_run(stack: RunningStack) -> str:
    stack.process.send_signal(signal.SIGINT)
    rest, _ = stack.process.communicate(timeout=60)
    return "".join(stack.output) + rest


def test_commands_find_the_running_stack_and_use_it() -> None:
    stack = start_run()
    try:
        banner = "".join(stack.output)
        assert "Next steps:" in banner and "4242424242424242" in banner
        looked_up = ivr("lookup", "+12025550100", "--port", str(stack.port))
        assert looked_up.returncode == 0, looked_up.stderr
        assert f"running on port {stack.port}" in looked_up.stdout
        assert "Hello Ben" in looked_up.stdout
        second = ivr("run", "--port", str(stack.port), "--web-port", "0", timeout=30)
        assert second.returncode != 0
        assert "already runs" in second.stderr and "DYNAMODB_PORT" in second.stderr
    finally:
        stop_run(stack)


def test_keep_saves_the_tables_and_the_next_keep_run_loads_them() -> None:
    from simulator.running_stack import state_path

    stack = start_run("--keep")
    saved = state_path(stack.port)
    try:
        output = stop_run(stack)
        assert saved.is_file(), output
        assert "Kept" in output
        # The same port, so the same state file: the saved items come back, not fresh samples.
        again = start_run("--keep", port=stack.port)
        output = stop_run(again)
        assert "kept state:" in output and "fresh sample data" not in output
    finally:
        saved.unlink(missing_ok=True)

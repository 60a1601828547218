"""The local contact center's AWS side: moto served over HTTP, tables built from template.yaml."""

from __future__ import annotations

import os
import subprocess
import sys

from simulator.free_ports import free_port
from simulator.paths import ROOT


def run_ivr(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sample_caller_is_greeted_from_the_http_dynamodb() -> None:
    port = free_port()
    result = run_ivr("lookup", "(312) 555-0142", "--port", str(port))
    assert result.returncode == 0, result.stderr
    assert f"http://127.0.0.1:{port}" in result.stdout
    assert "IVR: Hello Ana, welcome back to Example Bank." in result.stdout
    assert "IVR: You have a payment of $45.00 in progress" in result.stdout


def test_unknown_caller_gets_the_generic_greeting() -> None:
    result = run_ivr("lookup", "+44 20 7946 0999", "--port", str(free_port()))
    assert result.returncode == 0, result.stderr
    assert "IVR: Welcome to Example Bank." in result.stdout


def test_tables_come_from_the_template() -> None:
    from deploy.template import resources_of_type
    from simulator.local_aws import table_definitions

    definitions = table_definitions()
    template_tables = resources_of_type("AWS::DynamoDB::Table")
    assert set(definitions) == set(template_tables)
    for name, args in definitions.items():
        assert args["KeySchema"] == template_tables[name]["Properties"]["KeySchema"]


def test_make_run_greets_the_sample_caller_serves_the_pages_and_stops_on_ctrl_c() -> None:
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        # --web-port 0: any free pair (a free_port() here could be the DynamoDB port minus one)
        [sys.executable, "-m", "simulator", "run", "--port", str(free_port())]
        + ["--web-port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Press Ctrl-C to stop." in line:
            break
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=60)
    output = "".join(lines) + rest
    assert "IVR: Hello Ana, welcome back to Example Bank." in output
    assert "Web phone:" in output and "Agent dashboard:" in output
    assert "Stopping the local contact center." in output
    assert process.returncode == 0, output


def test_make_run_started_as_a_background_job_still_stops_on_ctrl_c_and_on_kill() -> None:
    # A shell starts a background job (`make run &`) with SIGINT ignored: Python then installs no
    # KeyboardInterrupt, and the contact center used to run on past Ctrl-C.
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for stop in (signal.SIGINT, signal.SIGTERM):
        process = subprocess.Popen(
            [sys.executable, "-m", "simulator", "run", "--port", str(free_port())]
            + ["--web-port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line or "Press Ctrl-C to stop." in line:
                break
        process.send_signal(stop)
        try:
            rest, _ = process.communicate(timeout=30)
        finally:
            process.kill()
        assert "Stopping the local contact center." in rest, stop
        assert process.returncode == 0, stop

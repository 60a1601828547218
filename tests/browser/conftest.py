"""Headless Chromium (Debian's package) against the local contact center, run as `ivr run`.

One server per test module, in its own process (its own embedded DynamoDB and sample data), so
the browser sees exactly what `make run` serves; one browser for the whole session, a new context
per test. The IVR's time limits run at the module's ``TIME_SCALE`` of real time (this file's
when the module sets none). Screenshots go to test-output/screenshots/.

Nothing here races the IVR's clock: every wait is for what the person would see (a prompt, a
status, a heading), with a generous limit, so a busy machine makes a journey slower, not red. A
journey that never lets a time limit run out can take real time (1.0): its caller then has the
20 s a person has to answer; only a journey that waits on the payment poll (10 s of call time
between checks) gains from a smaller scale, and pays for it with shorter answer windows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from simulator.free_ports import free_port
from simulator.paths import PORTAL, ROOT

#: Debian's chromium (`make chromium` installs it with apt-get when it is missing).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
AXE = PORTAL / "node_modules" / "axe-core" / "axe.min.js"
#: The IVR's time limits as a fraction of real time, unless the test module sets its own.
TIME_SCALE = 1.0
LOCAL = {"Content-Type": "application/json", "X-Local-Request": "1"}
#: How long any wait for the IVR or a page may take before the test fails (a loaded machine is
#: slow; a broken journey still fails, after this long).
PATIENCE_SECONDS = 120.0


@dataclass
class ContactCenter:
    url: str
    process: subprocess.Popen[str]
    dynamodb_port: int = 0

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), headers=LOCAL, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def phone_state(self, number: str) -> dict[str, Any]:
        """The web phone's snapshot of ``number`` (the first server-sent event)."""
        url = f"{self.url}/events/phone?number={urllib.parse.quote(number)}"
        with urllib.request.urlopen(url, timeout=30) as stream:
            for raw in stream:
                line = raw.decode()
                if line.startswith("data: "):
                    snapshot: dict[str, Any] = json.loads(line[6:])
                    return snapshot
        raise AssertionError("no snapshot")

    def wait_for_prompt(self, number: str, fragment: str, timeout: float = PATIENCE_SECONDS) -> str:
        """What the IVR said on ``number``'s call that contains ``fragment``, once it said it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            call = self.phone_state(number)["call"] or {}
            for line in call.get("transcript", []):
                if line["who"] == "ivr" and fragment.lower() in line["text"].lower():
                    return str(line["text"])
            time.sleep(0.1)
        raise AssertionError(f"the IVR never said {fragment!r}: {self.phone_state(number)}")

    def wait_for_status(
        self, number: str, wanted: set[str], timeout: float = PATIENCE_SECONDS
    ) -> dict[str, Any]:
        """``number``'s call once its status is one of ``wanted``."""
        deadline = time.monotonic() + timeout
        call: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            call = self.phone_state(number)["call"]
            if call is not None and call["status"] in wanted:
                return call
            time.sleep(0.1)
        raise AssertionError(f"{number} never reached {wanted}: {call}")

    def wait_until_idle(self, number: str, timeout: float = PATIENCE_SECONDS) -> None:
        """No call on ``number`` is in the IVR (none yet, or it ended or left for the queue)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            call = self.phone_state(number)["call"]
            if call is None or call["status"] in {"ended", "queued", "agent"}:
                return
            time.sleep(0.1)
        raise AssertionError(f"the call never ended: {self.phone_state(number)}")


def _drain(process: subprocess.Popen[str]) -> None:
    """Keep reading the server's output so its pipe never fills up."""
    for _ in process.stdout or []:
        pass


@pytest.fixture(scope="session")
def _stopping() -> Iterator[list[subprocess.Popen[str]]]:
    """Contact centers told to stop: each stops while the next module runs, and every one has
    exited (or is killed) before the session ends."""
    stopping: list[subprocess.Popen[str]] = []
    yield stopping
    for process in stopping:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def contact_center(
    request: pytest.FixtureRequest, _stopping: list[subprocess.Popen[str]]
) -> Iterator[ContactCenter]:
    time_scale = getattr(request.module, "TIME_SCALE", TIME_SCALE)
    web_port = free_port()
    dynamodb_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "run",
            "--port",
            str(dynamodb_port),
            "--web-port",
            str(web_port),
            "--time-scale",
            str(time_scale),
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = ""
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"Web phone:\s+(http://127\.0\.0\.1:\d+)/phone", line)
        if found:
            url = found.group(1)
        if "Press Ctrl-C" in line:
            break
    assert url, "the local contact center did not start"
    threading.Thread(target=_drain, args=(process,), daemon=True).start()
    yield ContactCenter(url, process, dynamodb_port)
    process.send_signal(signal.SIGINT)
    _stopping.append(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("no chromium on the PATH: `make chromium` installs Debian's package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def new_context(browser: Any, width: int, height: int, **options: Any) -> Any:
    """A fresh browser context (its own cookies and storage) whose waits are patient."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(PATIENCE_SECONDS * 1000)
    return context


@pytest.fixture
def phone_context(browser: Any) -> Iterator[Any]:
    """A phone-sized browser (the portal is mobile first)."""
    context = new_context(browser, 412, 915, device_scale_factor=1)
    yield context
    context.close()


@pytest.fixture
def desk_context(browser: Any) -> Iterator[Any]:
    context = new_context(browser, 1280, 900)
    yield context
    context.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_accessibility_problems(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now. The script is
    evaluated through the DevTools protocol, so the pages' CSP (no inline scripts) stays on."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    problems: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return problems

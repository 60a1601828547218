"""Find a running local contact center (`make run`) to attach to, or say which port is busy.

`ivr run` writes a small marker file for its DynamoDB port (its process id and web address) and
removes it when it stops. A command that finds the port taken checks the marker: the running stack
is used (a second terminal's `ivr call` greets the same customers and its texted link opens on the
running portal); anything else on the port is refused at once, in one line that says how to move.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from simulator.paths import ROOT

#: Local state of `ivr run` (markers, the kept tables, the outbox): never committed.
STATE_DIR = ROOT / ".local"
#: How long a probe may take: a listener that accepts and never answers costs no more than this.
PROBE_SECONDS = 0.5


class PortBusyError(Exception):
    """A port the command needs is taken by something that is not our local stack."""


@dataclass(frozen=True)
class RunningStack:
    """What a running `ivr run` tells the commands that attach to it."""

    port: int
    web_url: str
    outbox: str

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    """Something listens on host:port (a bind would fail)."""
    if port == 0:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(PROBE_SECONDS)
        try:
            return probe.connect_ex((host, port)) == 0
        except OSError:  # a timeout: something holds the port but does not accept
            return True


def marker_path(port: int) -> Path:
    return STATE_DIR / f"stack-{port}.json"


def write_marker(port: int, web_url: str, outbox: str) -> Path:
    STATE_DIR.mkdir(exist_ok=True)
    path = marker_path(port)
    path.write_text(json.dumps({"pid": os.getpid(), "webUrl": web_url, "outbox": outbox}))
    return path


def remove_marker(port: int) -> None:
    path = marker_path(port)
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_stack(port: int) -> RunningStack | None:
    """The `ivr run` that serves DynamoDB on ``port``, if that is what holds it."""
    try:
        marker = json.loads(marker_path(port).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or not _alive(int(marker.get("pid", 0))):
        return None
    if not port_taken(port):
        return None
    return RunningStack(port, str(marker.get("webUrl", "")), str(marker.get("outbox", "")))


def busy_message(port: int, what: str, mover: str) -> str:
    """The one line a command prints when ``port`` is taken by something else."""
    return (
        f"error: port {port} ({what}) is already in use by another program; "
        f"stop it or choose another port with {mover}"
    )


DYNAMODB_MOVER = "--port (make: DYNAMODB_PORT=...)"
WEB_MOVER = "--web-port (make: WEB_PORT=...)"


def require_free(port: int, what: str, mover: str) -> None:
    if port_taken(port):
        raise PortBusyError(busy_message(port, what, mover))


def require_apart(dynamodb_port: int, web_port: int) -> None:
    """The web server takes ``web_port`` and the next one (the card origin): neither may be the
    DynamoDB port, which is still free when the web ports are checked and taken right after."""
    if web_port and dynamodb_port in (web_port, web_port + 1):
        raise PortBusyError(
            f"error: port {dynamodb_port} is both the embedded DynamoDB port and one of the web "
            f"ports ({web_port} and {web_port + 1}, the card page); choose another with "
            f"{DYNAMODB_MOVER} or {WEB_MOVER}"
        )


def attach_or_require_free(port: int) -> RunningStack | None:
    """The running local stack on the DynamoDB ``port``; None when the port is free; else
    PortBusyError (another program has it)."""
    stack = running_stack(port)
    if stack is not None:
        return stack
    require_free(port, "embedded DynamoDB", DYNAMODB_MOVER)
    return None


def outbox_path(port: int) -> Path:
    """The local stack's outbox file: the web phone and attached commands read the same one."""
    return STATE_DIR / f"outbox-{port}.jsonl"


def state_path(port: int) -> Path:
    """Where `ivr run --keep` saves the tables at stop (simulator/kept_state.py)."""
    return STATE_DIR / f"state-{port}.json"


def attach(stack: RunningStack) -> None:
    """Point this process's handlers at the running stack: its DynamoDB, outbox and portal."""
    from simulator.local_aws import apply_environment, reset_caches
    from simulator.paths import use_lambda_path

    apply_environment(stack.endpoint)
    if stack.outbox:
        os.environ["LOCAL_OUTBOX_PATH"] = stack.outbox
    if stack.web_url:
        os.environ["PORTAL_BASE_URL"] = stack.web_url
    use_lambda_path()
    reset_caches()

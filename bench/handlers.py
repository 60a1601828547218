"""Every handler's figures, side by side in one run, against DynamoDB served over HTTP.

An embedded moto server (``ThreadedMotoServer``, the same one ``make run`` starts) holds the
template's tables. Scripted calls (scenario files) run through the real flows and handlers with
each invocation recorded: its event, the virtual time, and the AWS requests botocore made. From
those recordings:

* **Round trips**: DynamoDB requests per invocation, per handler and step, on the calls' own
  (happy) paths.
* **Warm latency**: each step's recorded event replayed in this process (p50 / p99). Replaying a
  side-effecting step is what Connect's retry does: it finds the effect already made.
* **Cold start**: a fresh interpreter importing the handler AND serving its first event (the
  recorded one) against the server, as a ratio to a fresh interpreter that creates a boto3
  DynamoDB client and makes one GetItem: the floor for any Python Lambda that reads a table.
  Each handler's runs alternate with the floor's, and the ratio is the median of the pairs' ratios,
  in wall time and in CPU time (user + system of the child): on a shared machine the wall time
  swings with everyone else's work, the CPU time much less.
* **Portal API load**: 50 concurrent clients polling a verified session's status through the
  local web server (requests/s, p99, errors).

Figures go to stdout and to ``test-output/bench.json`` (``bench/callback_sweep.py`` adds its own).
"""

from __future__ import annotations

import copy
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lambdas")]
from bench.report import record  # noqa: E402 - after the path is set
from simulator.free_ports import free_port  # noqa: E402 - after the path is set

COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "5"))
WARM_RUNS = int(os.environ.get("BENCH_WARM_RUNS", "40"))
LOAD_CLIENTS = 50
LOAD_REQUESTS = int(os.environ.get("BENCH_LOAD_REQUESTS", "400"))

#: Calls whose steps, together, reach every Connect-, Lex- and API-invoked handler's happy path.
SCENARIOS = (
    "known_caller_checks_balance",
    "whisper_keypad_authenticated_asks_for_agent",
    "auth_unknown_caller_identified_by_account",
    "auth_enrolment_first_time_caller",
    "phone_payment_approved",
    "portal_payment_approved",
    "callback_scheduled_tomorrow_3pm",
    "callback_pending_is_offered_to_cancel",
    "caller_hangs_up",
)
#: Target DynamoDB round trips (issue 19): 1 for lookups and status polls, at most 2 otherwise.
LOOKUPS = {"caller_lookup", "account_balance", "payment_status", "callback_offer", "agent_whisper"}

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# --- recording invocations ----------------------------------------------------------------------


@dataclass
class Invocation:
    label: str
    module: str
    event: Any
    at: datetime
    dynamodb: list[str] = field(default_factory=list)


@dataclass
class Recorder:
    invocations: list[Invocation] = field(default_factory=list)
    current: list[Invocation] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


RECORDER = Recorder()


def _label(module: str, event: Any) -> str:
    if isinstance(event, dict) and isinstance(event.get("Details"), dict):
        params = event["Details"].get("Parameters") or {}
        step = params.get("action") or params.get("step") or params.get("mode") or ""
        return f"{module} {step}".strip()
    if isinstance(event, dict) and isinstance(event.get("sessionState"), dict):
        intent = (event["sessionState"].get("intent") or {}).get("name", "")
        return f"{module} {intent} {event.get('invocationSource', '')}"
    if isinstance(event, dict) and "httpMethod" in event:
        return f"{module} {event['httpMethod']} {_UUID.sub('{id}', str(event.get('path')))}"
    return module


def _count_requests() -> None:
    """Every AWS request botocore makes, charged to the invocation in progress."""
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb" and RECORDER.current:
            RECORDER.current[-1].dynamodb.append(operation)
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counting


def _record_handlers() -> None:
    """The simulator loads every handler through ``load_handler``: wrap what it returns, in every
    module that imported it."""
    import simulator.lambda_service as service
    import simulator.portal_client as portal_client
    import simulator.runtime as runtime
    from deploy.template import function_handlers
    from ivr.core import clock

    load = service.load_handler
    modules = {logical: h.split(".")[0] for logical, h in function_handlers().items()}

    def recorded(logical_id: str) -> Callable[[Any, Any], Any]:
        handler = load(logical_id)
        module = modules[logical_id]

        def run(event: Any, context: Any) -> Any:
            call = Invocation(_label(module, event), module, copy.deepcopy(event), clock.now())
            RECORDER.current.append(call)
            try:
                return handler(event, context)
            finally:
                RECORDER.current.pop()
                RECORDER.invocations.append(call)

        return run

    for module in (service, runtime, portal_client):
        module.load_handler = recorded  # type: ignore[attr-defined]


# --- the local stack ----------------------------------------------------------------------------


def _fresh_tables() -> None:
    import boto3

    from deploy.template import resources_of_type
    from simulator.local_aws import reset_caches, table_definitions

    client = boto3.client("dynamodb")
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    for logical_id, args in table_definitions().items():
        client.create_table(**args)
        ttl = resources_of_type("AWS::DynamoDB::Table")[logical_id]["Properties"].get(
            "TimeToLiveSpecification"
        )
        if ttl:
            client.update_time_to_live(TableName=logical_id, TimeToLiveSpecification=ttl)
    reset_caches()


def _play(name: str) -> list[Invocation]:
    """One scripted call on fresh tables; the invocations it made."""
    from simulator.call import place_call
    from simulator.callbacks import seed_callbacks
    from simulator.people import ScriptedCaller
    from simulator.scenario import _setup, load
    from simulator.seed import load_given

    scenario = load(ROOT / "tests" / "scenarios" / f"{name}.yaml")
    _fresh_tables()
    setup = _setup(scenario["call"])
    given = scenario.get("given") or {}
    load_given(given, now=setup.start)
    seed_callbacks(given.get("callbacks"))
    caller = ScriptedCaller.from_steps(list(scenario.get("steps") or []))
    caller.phone = setup.caller_number
    first = len(RECORDER.invocations)
    place_call(setup, caller)
    return RECORDER.invocations[first:]


# --- cold start ---------------------------------------------------------------------------------

_COLD = """
import json, sys
sys.path.insert(0, sys.argv[1])
module, path, at = sys.argv[2], sys.argv[3], sys.argv[4]
from datetime import datetime
from ivr.core import clock
class Context:
    function_name = module
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + module
    aws_request_id = "cold-start"
    def get_remaining_time_in_millis(self): return 6000
with open(path) as f:
    event = json.load(f)
handler = __import__(module).lambda_handler
with clock.installed(lambda: datetime.fromisoformat(at)):
    handler(event, Context())
"""

_FLOOR = """
import boto3
boto3.client("dynamodb").get_item(TableName="CustomersTable", Key={"phone": {"S": "+13125550142"}})
"""


@dataclass(frozen=True)
class FreshProcess:
    wall_ms: float
    cpu_ms: float  # user + system time of the child itself


def _fresh_process(args: list[str]) -> FreshProcess:
    started = time.perf_counter()
    command = [sys.executable, *args]
    child = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)  # the child's own rusage, reaped here
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, args[:2])
    wall = (time.perf_counter() - started) * 1000
    return FreshProcess(wall, (usage.ru_utime + usage.ru_stime) * 1000)


def _cold_start(call: Invocation) -> dict[str, float]:
    """COLD_RUNS fresh processes serving ``call``, each beside a run of the floor."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(call.event, file)
    try:
        args = ["-c", _COLD, str(ROOT / "lambdas"), call.module, file.name, call.at.isoformat()]
        pairs = [(_fresh_process(["-c", _FLOOR]), _fresh_process(args)) for _ in range(COLD_RUNS)]
    finally:
        os.unlink(file.name)
    return {
        "ms": round(statistics.median(run.wall_ms for _, run in pairs)),
        "floor_ms": round(statistics.median(floor.wall_ms for floor, _ in pairs)),
        "ratio": round(statistics.median(run.wall_ms / floor.wall_ms for floor, run in pairs), 2),
        "cpu_ms": round(statistics.median(run.cpu_ms for _, run in pairs)),
        "floor_cpu_ms": round(statistics.median(floor.cpu_ms for floor, _ in pairs)),
        "cpu_ratio": round(statistics.median(run.cpu_ms / floor.cpu_ms for floor, run in pairs), 2),
    }


# --- warm latency -------------------------------------------------------------------------------


def _warm_ms(call: Invocation) -> tuple[float, float]:
    import simulator.lambda_service as service
    from deploy.template import function_handlers
    from ivr.core import clock
    from simulator.context import lambda_context

    logical = next(k for k, v in function_handlers().items() if v.startswith(f"{call.module}."))
    handler = service.load_handler(logical)
    samples = []
    with clock.installed(lambda: call.at):
        for _ in range(WARM_RUNS):
            event = copy.deepcopy(call.event)
            started = time.perf_counter()
            handler(event, lambda_context(logical))
            samples.append((time.perf_counter() - started) * 1000)
    RECORDER.invocations = RECORDER.invocations[: -WARM_RUNS or None]
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


# --- portal API load ----------------------------------------------------------------------------


def _verified_session(base: str) -> tuple[str, str]:
    """A portal session issued now, its PIN verified over HTTP: (session id, API token)."""
    from portal_session import lambda_handler as start

    from ivr import wiring
    from simulator.call import MAIN_NUMBER
    from simulator.context import lambda_context
    from simulator.delivery import deliver_queued_messages
    from simulator.flows import Contact
    from simulator.flows.interactions import contact_flow_event
    from simulator.seed import load_given, sample_data

    _fresh_tables()
    load_given(sample_data())
    contact = Contact(customer_address="+13125550142", system_address=MAIN_NUMBER)
    event = contact_flow_event(contact, {"step": "portal"})
    event["Details"]["ContactData"]["Attributes"] = {"callerNumber": "+13125550142"}
    started = start(event, lambda_context("PortalSessionFunction"))
    deliver_queued_messages()
    link = wiring.local_outbox().messages()[-1]["text"]
    token = re.search(r"#([A-Za-z0-9_-]+)", link)
    assert token, "no link in the SMS"
    session_id, pin = started["portalSessionId"], started["pinSpoken"].replace(" ", "")
    status, body = _http(
        base, "POST", f"/api/sessions/{session_id}/verify", "", token.group(1), pin
    )
    assert status == 200, (status, body)
    return session_id, str(body["apiToken"])


def _http(
    base: str, method: str, path: str, api_token: str = "", token: str = "", pin: str = ""
) -> tuple[int, Any]:
    data = json.dumps({"token": token, "pin": pin}).encode() if method == "POST" else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("X-Portal-Request", "1")
    if api_token:
        request.add_header("Authorization", f"Bearer {api_token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def portal_load() -> dict[str, float]:
    from simulator.web.center import LocalContactCenter
    from simulator.web.server import LocalWebServer

    # Port 0: both origins on free ports (port + 1, the card origin's default, may be taken).
    web = LocalWebServer(LocalContactCenter(), port=0).start()
    try:
        session_id, api_token = _verified_session(web.url)
        path = f"/api/sessions/{session_id}"

        def one(_: int) -> tuple[int, float]:
            started = time.perf_counter()
            status, _body = _http(web.url, "GET", path, api_token)
            return status, (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=LOAD_CLIENTS) as pool:
            answers = list(pool.map(one, range(LOAD_REQUESTS)))
        seconds = time.perf_counter() - started
    finally:
        web.stop()
    times = sorted(ms for _, ms in answers)
    errors = sum(1 for status, _ in answers if status != 200)
    return {
        "clients": LOAD_CLIENTS,
        "requests": LOAD_REQUESTS,
        "requests_per_second": round(LOAD_REQUESTS / seconds, 1),
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 1),
        "errors": errors,
    }


# --- the run ------------------------------------------------------------------------------------


@contextmanager
def local_stack() -> Iterator[None]:
    import boto3

    from simulator.local_aws import apply_environment, create_resources, start_server

    port = free_port()
    server = start_server(port)
    try:
        apply_environment(f"http://127.0.0.1:{port}")
        os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
        create_resources(boto3.session.Session())
        yield
    finally:
        server.stop()


def _per_step(calls: list[Invocation]) -> dict[str, dict[str, Any]]:
    steps: dict[str, list[Invocation]] = defaultdict(list)
    for call in calls:
        if call.module != "send_notification":  # SQS-invoked: not a caller-facing step
            steps[call.label].append(call)
    figures: dict[str, dict[str, Any]] = {}
    for label, seen in steps.items():
        first = seen[0]
        trips = statistics.median(len(c.dynamodb) for c in seen)
        target = 1 if first.module in LOOKUPS else 2
        p50, p99 = _warm_ms(first)
        figures[label] = {
            "module": first.module,
            "round_trips": trips,
            "requests": sorted({op for c in seen for op in c.dynamodb}),
            "target": target,
            "warm_p50_ms": round(p50, 2),
            "warm_p99_ms": round(p99, 2),
        }
    return figures


def main() -> None:
    started = time.perf_counter()
    with local_stack():
        _count_requests()
        _record_handlers()
        steps: dict[str, dict[str, Any]] = {}
        cold: dict[str, dict[str, float]] = {}
        load_before = os.getloadavg()[0]
        for name in SCENARIOS:
            calls = _play(name)
            for label, figures in _per_step(calls).items():
                steps.setdefault(label, figures)
            for call in calls:
                connect_or_lex = "Details" in call.event or "sessionState" in call.event
                if connect_or_lex and call.module not in cold:
                    cold[call.module] = _cold_start(call)
                    print(f"  measured {call.module}: {cold[call.module]}", flush=True)
        load_average = (load_before, os.getloadavg()[0])
        load = portal_load()
    floor = statistics.median(figures["floor_ms"] for figures in cold.values())
    _print(steps, cold, floor, load, load_average)
    record(
        "handlers",
        {
            "machine": _machine(),
            "seconds": round(time.perf_counter() - started, 1),
            "cold_start": {
                "floor_ms": round(floor),
                "target_ratio": 1.15,
                "runs": COLD_RUNS,
                "load_average": [round(value, 1) for value in load_average],
                "handlers": cold,
            },
            "steps": steps,
            "portal_load": load,
        },
    )


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "system": platform.system(),
    }


def _print(
    steps: dict[str, dict[str, Any]],
    cold: dict[str, dict[str, float]],
    floor: float,
    load: dict[str, float],
    load_average: tuple[float, float],
) -> None:
    print(
        f"cold start (fresh process, import + first event, median of {COLD_RUNS} beside the floor:"
        f" boto3 GetItem {floor:.0f} ms; load average {load_average[0]:.1f} to"
        f" {load_average[1]:.1f})"
    )
    for module, figures in sorted(cold.items()):
        worst = max(figures["ratio"], figures["cpu_ratio"])
        mark = "" if worst <= 1.15 else "   (target x1.15)"
        print(
            f"  {module:<24} {figures['ms']:6.0f} ms  x{figures['ratio']:.2f} wall"
            f"  {figures['cpu_ms']:5.0f} ms  x{figures['cpu_ratio']:.2f} CPU{mark}"
        )
    print("per step: DynamoDB round trips (target) and warm latency p50 / p99")
    for label, figures in sorted(steps.items()):
        mark = "" if figures["round_trips"] <= figures["target"] else "  over target"
        print(
            f"  {label:<52} {figures['round_trips']:4.1f} ({figures['target']})"
            f" {figures['warm_p50_ms']:7.2f} / {figures['warm_p99_ms']:7.2f} ms{mark}"
        )
    print(
        f"portal API: {load['requests_per_second']:.0f} requests/s at {load['clients']} clients,"
        f" p50 {load['p50_ms']:.0f} ms, p99 {load['p99_ms']:.0f} ms, {load['errors']:.0f} errors"
    )


if __name__ == "__main__":
    main()

"""Many scripted calls at once against one embedded HTTP DynamoDB: the load test's driver.

One process serves the local stack (moto's server over HTTP, as `make run` does); several worker
processes run the calls, each with a thread per call, so about every call is on the line at the
same time. Every process talks to the one server over HTTP, and the server lets one request in at
a time (``simulator.local_aws.start_server``): each DynamoDB request - a conditional write
included - is applied whole before the next, whichever process sent it, which is what makes the
conditional writes linearizable as DynamoDB's are. Calls of the same customer are spread over
different processes, so the races between them are the real ones.

    python -m tests.load.driver stack PORT CALLS      the stack with the load's customers; "ready"
    python -m tests.load.driver calls PORT DIR I N CALLS   worker I of N: "ready", then on "go"
                                                      its calls, then on "sweep AT" two sweeps

A worker writes ``DIR/worker-I.json`` (each call's result, the charges its processor made, what
its sweeps dialled) and ``DIR/records-I.jsonl`` (each call's record, for the secrets scan).
"""

from __future__ import annotations

import copy
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.flows.interactions import TIME_LIMIT_SCALE_VARIABLE

#: The first moment of every call (virtual clock): a weekday morning in opening hours.
CALL_AT = "2026-12-01T10:00:00-06:00"
#: The sweep runs the next afternoon, when every callback booked for "tomorrow" is due.
SWEEP_AT = "2026-12-02T16:55:00-06:00"
#: Sample customers `make run` loads (simulator/sample_data.yaml): never one of the load's.
_SAMPLE_PHONES = {"+13125550142", "+12025550100"}
BALANCE = "120.50"
KNOWLEDGE_ANSWER = "4321"  # national ID last four, for every load customer
POSTAL_CODE = "60601"
CARD = "4242424242424242"
CVV = "123"
_FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Iris", "Jon")
#: Callback times a load books for tomorrow: at most 2 per hour, inside the slot capacity (4).
_CALLBACK_HOURS = ("8 AM", "9 AM", "10 AM", "11 AM", "1 PM", "2 PM", "3 PM", "4 PM")

#: Connect's time limits stretched for the load run (simulator/flows/interactions.py says why);
#: the run reports the invocation times it measured against Connect's own 8 s.
TIME_LIMIT_SCALE = 30

#: Calls per unit of each kind for a run of 200; a unit is one customer's calls (run at once).
MIX_OF_200 = {
    "phone_payment": 40,  # 1 call each
    "portal_payment": 30,  # 1 call each
    "keypad_lockout": 10,  # 3 calls each: 3 wrong, 2 wrong then hang up, a balance
    "account_failures": 5,  # 2 withheld calls each, 3 wrong postal codes each
    "account_balance": 10,  # 1 withheld call each, identified by account number
    "scheduled_callback": 16,  # 1 call each
    "immediate_callback": 16,  # 1 call each
    "balance_twice": 24,  # 2 calls each
}


@dataclass
class Plan:
    """One scripted call: a scenario's call/steps/expect, and the endings a race allows."""

    name: str
    kind: str
    phone: str  # the customer's number on record (the call may withhold it)
    call: dict[str, Any]
    steps: list[dict[str, Any]]
    expect: dict[str, Any] = field(default_factory=dict)
    endings: tuple[str, ...] = ("disconnected",)


def phones() -> list[str]:
    numbers = [f"+1312555{n:04d}" for n in range(100, 200)]
    numbers += [f"+1202555{n:04d}" for n in range(100, 200)]
    return [n for n in numbers if n not in _SAMPLE_PHONES]


def units(total: int) -> dict[str, int]:
    """How many customers of each kind a run of about ``total`` calls has."""
    scale = total / 200
    return {kind: max(1, round(count * scale)) for kind, count in MIX_OF_200.items()}


def customer(phone: str, index: int) -> dict[str, Any]:
    return {
        "phone": phone,
        "name": f"{_FIRST_NAMES[index % len(_FIRST_NAMES)]} Load{index}",
        "email": f"load{index}@example.com",
        "balance": BALANCE,
        "timezone": "America/Chicago",
        "national_id_last4": KNOWLEDGE_ANSWER,
        "postal_code": POSTAL_CODE,
    }


def plans_and_customers(total: int) -> tuple[list[Plan], list[dict[str, Any]]]:
    """The calls of a run and the customers they need, the same every time for ``total``."""
    numbers = iter(enumerate(phones()))
    plans: list[Plan] = []
    customers: list[dict[str, Any]] = []
    for kind, count in units(total).items():
        for unit in range(count):
            index, phone = next(numbers)
            customers.append(customer(phone, index))
            plans += _unit(kind, unit, phone)
    return plans, customers


def _known(phone: str, **call: Any) -> dict[str, Any]:
    return {"from": phone, "at": CALL_AT, **call}


_THAT_IS_ALL = [{"expect_prompt": "Is there anything else"}, {"say": "that's all"}]


def _balance(phone: str, name: str) -> Plan:
    steps = [
        {"expect_prompt": "How can I help you today"},
        {"say": "what's my balance"},
        {"expect_prompt": f"Your balance is ${BALANCE}"},
        *_THAT_IS_ALL,
    ]
    expect = {"attributes": {"intent": "CheckBalance", "customerFound": "true"}}
    return Plan(name, "balance", phone, _known(phone), steps, expect)


def _wrong_answers(phone: str, name: str, answers: list[str], *, hang_up: bool) -> Plan:
    steps: list[dict[str, Any]] = [{"expect_prompt": "national ID"}]
    steps += [{"press": f"{answer}#"} for answer in answers]
    if hang_up:
        steps.append({"hangup": True})
        # Two wrong answers, then the caller hangs up - unless the second was the customer's
        # fifth of the day (the other call's three came first): then the IVR announces the lock
        # and connects an agent before the caller can hang up.
        endings: tuple[str, ...] = ("hangup", "queue:BasicQueue")
        expect: dict[str, Any] = {}
    else:
        endings = ("queue:BasicQueue",)  # the call's limit of 3 (or the day's 5th): an agent
        expect = {"attributes": {"authenticated": "false", "authOutcome": "agent"}}
    return Plan(
        name,
        "keypad_failures",
        phone,
        _known(phone, voice="not_authenticated"),
        steps,
        expect,
        endings,
    )


def _unit(kind: str, unit: int, phone: str) -> list[Plan]:
    name = f"{kind}-{unit}"
    account = phone[-9:]  # the default account number: the phone number's last 9 digits
    if kind == "phone_payment":
        steps: list[dict[str, Any]] = [
            {"say": "I want to pay my bill"},
            {"press": "1"},
            {"expect_prompt": "card on the keypad, press 2"},
            {"press": "2"},
            {"expect_prompt": f"You're paying ${BALANCE}"},
            {"press": f"{CARD}#"},
            {"expect_prompt": "expiry date"},
            {"press": "1230"},
            {"expect_prompt": "security code"},
            {"press": f"{CVV}#"},
            {"expect_prompt": f"Your payment of ${BALANCE} with the card ending 4242 was"},
            *_THAT_IS_ALL,
        ]
        return [
            Plan(name, kind, phone, _known(phone), steps, {"attributes": {"intent": "MakePayment"}})
        ]
    if kind == "portal_payment":
        portal: dict[str, Any] = {
            "pin": "spoken",
            "card": CARD,
            "expiry": "12/30",
            "cvv": CVV,
            "name": "Load Caller",
            "expect_status": 200,
        }
        steps = [
            {"say": "I want to pay my bill"},
            {"press": "1"},
            {"expect_prompt": "press 1"},
            {"press": "1"},
            {"expect_prompt": "Your PIN is"},
            {"portal": portal},
            {"expect_prompt": "Your payment was successful"},
            *_THAT_IS_ALL,
        ]
        return [
            Plan(name, kind, phone, _known(phone), steps, {"attributes": {"intent": "MakePayment"}})
        ]
    if kind == "keypad_lockout":
        return [
            _wrong_answers(phone, f"{name}-three", ["1111", "2222", "3333"], hang_up=False),
            _wrong_answers(phone, f"{name}-two", ["5555", "6666"], hang_up=True),
            _balance(phone, f"{name}-balance"),
        ]
    if kind == "account_failures":
        return [_account_failures(phone, account, f"{name}-{n}") for n in range(2)]
    if kind == "account_balance":
        steps = [
            {"say": "what's my balance"},
            {"press": "1"},
            {"expect_prompt": "enter your account number"},
            {"press": f"{account}#"},
            {"expect_prompt": "enter your postal code"},
            {"press": f"{POSTAL_CODE}#"},
            {"expect_prompt": f"Your balance is ${BALANCE}"},
            *_THAT_IS_ALL,
        ]
        expect = {"attributes": {"authenticated": "true", "authMethod": "account"}}
        return [Plan(name, kind, phone, {"from": None, "at": CALL_AT}, steps, expect)]
    if kind == "scheduled_callback":
        hour = _CALLBACK_HOURS[unit % len(_CALLBACK_HOURS)]
        steps = [
            {"say": f"call me back tomorrow at {hour.lower()}"},
            {"expect_prompt": f"We'll call you on Wednesday, December 2 at {hour}"},
            *_THAT_IS_ALL,
        ]
        return [
            Plan(
                name,
                kind,
                phone,
                _known(phone),
                steps,
                {"attributes": {"intent": "RequestCallback"}},
            )
        ]
    if kind == "immediate_callback":
        call = _known(phone, queue={"wait_seconds": 600, "agents_available": False})
        steps = [
            {"say": "talk to an agent"},
            {"expect_prompt": "Our wait is longer than usual"},
            {"press": "2"},
            {"expect_prompt": "We'll call you back as soon as an agent is free"},
        ]
        return [Plan(name, kind, phone, call, steps)]
    if kind == "balance_twice":
        return [_balance(phone, f"{name}-{n}") for n in range(2)]
    raise ValueError(kind)


def _account_failures(phone: str, account: str, name: str) -> Plan:
    steps: list[dict[str, Any]] = [{"say": "what's my balance"}, {"press": "1"}]
    for wrong in ("11111", "22222"):
        steps += [{"press": f"{account}#"}, {"press": f"{wrong}#"}]
        steps.append({"expect_prompt": "don't match our records"})
    steps += [{"press": f"{account}#"}, {"press": "33333#"}]
    steps.append({"expect_prompt": "Sorry, those details don't match. An agent can help you."})
    expect = {"attributes": {"authenticated": "false", "authOutcome": "agent"}}
    return Plan(
        name,
        "account_failures",
        phone,
        {"from": None, "at": CALL_AT},
        steps,
        expect,
        ("queue:BasicQueue",),
    )


# --- the processes ------------------------------------------------------------------------------


def _attach(port: int, outbox: Path, worker: int) -> None:
    """Point this process's handlers at the stack, with their logs on (stderr) for the scan.

    The keypad input a call types is encrypted for this process's own key pair
    (simulator/input_keys.py), so the worker stores its private key in a secret of its own and
    its functions read that one: no read-modify-write of a secret the other workers share."""
    import boto3

    from simulator.cli_output import route_handler_logs
    from simulator.input_keys import SECRET_LOGICAL_ID, local_secret_value
    from simulator.local_aws import apply_environment, reset_caches
    from simulator.paths import use_lambda_path

    use_lambda_path()
    apply_environment(f"http://127.0.0.1:{port}")
    os.environ["LOCAL_OUTBOX_PATH"] = str(outbox)
    secret = f"{SECRET_LOGICAL_ID}-load-{worker}"
    boto3.client("secretsmanager").create_secret(
        Name=secret, SecretString=local_secret_value(SECRET_LOGICAL_ID) or ""
    )
    os.environ["INPUT_DECRYPTION_KEY_SECRET_ID"] = secret
    os.environ[TIME_LIMIT_SCALE_VARIABLE] = str(TIME_LIMIT_SCALE)
    reset_caches()
    route_handler_logs(verbose=True)


def serve_stack(port: int, total: int, outbox: Path) -> None:
    from simulator.local_stack import start_local_stack
    from simulator.seed import load_given

    server = start_local_stack(port, verbose=True)
    os.environ["LOCAL_OUTBOX_PATH"] = str(outbox)
    from simulator.local_aws import reset_caches

    reset_caches()
    _, customers = plans_and_customers(total)
    load_given({"customers": customers}, now=datetime.fromisoformat(CALL_AT))
    print("ready", flush=True)
    sys.stdin.read()
    server.stop()


def run_plan(plan: Plan) -> dict[str, Any]:
    """One call through the real flows and handlers; its result and record."""
    from simulator.call import place_call, record_as_json
    from simulator.people import ScriptedCaller
    from simulator.scenario import _setup, check_expectations

    setup = _setup(plan.call)
    caller = ScriptedCaller.from_steps(copy.deepcopy(plan.steps))
    caller.phone = setup.caller_number
    started = time.time()
    record = place_call(setup, caller)
    ended = time.time()
    caller.finish()
    failures = caller.failures + check_expectations(plan.expect, record)
    if record.ended not in plan.endings:
        failures.append(
            f"expected the call to end {' or '.join(plan.endings)}, it ended {record.ended!r}"
        )
    result = {
        "name": plan.name,
        "kind": plan.kind,
        "phone": plan.phone,
        "passed": not failures,
        "failures": failures,
        "ended": record.ended,
        "started": started,
        "finished": ended,
        "prompts": record.prompts,
        "invocation_ms": [i["ms"] for i in record.invocations],
    }
    return {"result": result, "record": {"scenario": plan.name, **record_as_json(record)}}


def _safely(plan: Plan) -> dict[str, Any]:
    try:
        return run_plan(plan)
    except Exception as error:  # a crashed call is a failed call, reported with the others
        import traceback

        where = traceback.format_exception(error)[-3:]
        failure = f"the call raised {type(error).__name__}: {error} ({''.join(where).strip()})"
        result = {
            "name": plan.name,
            "kind": plan.kind,
            "phone": plan.phone,
            "passed": False,
            "failures": [failure],
            "ended": "",
            "started": 0.0,
            "finished": 0.0,
            "prompts": [],
        }
        return {"result": result, "record": {"scenario": plan.name}}


def _warm_up(worker: int) -> None:
    """Before the clock starts: every handler imported, and one phone payment by a customer of
    the worker's own, so what a Lambda does once per execution environment (clients, secrets,
    the encryption SDK) is done; in AWS 200 calls are served by warm environments too."""
    from deploy.template import function_handlers
    from ivr import wiring
    from simulator.call import current_flows
    from simulator.lambda_service import load_handler
    from simulator.seed import load_given

    for logical_id in function_handlers():
        load_handler(logical_id)
    current_flows()
    phone = warm_up_phone(worker)
    load_given({"customers": [customer(phone, 900 + worker)]})
    outcome = _safely(_unit("phone_payment", worker, phone)[0])
    if not outcome["result"]["passed"]:
        raise SystemExit(f"the warm-up call failed: {outcome['result']['failures']}")
    wiring.sandbox_processor().charges.clear()


def warm_up_phone(worker: int) -> str:
    """A number of the UK drama range for each worker's warm-up customer (none of the load's)."""
    return f"+44207946{worker:04d}"


def run_worker(port: int, directory: Path, worker: int, workers: int, total: int) -> None:
    _attach(port, directory / "outbox.jsonl", worker)
    _warm_up(worker)
    plans, _ = plans_and_customers(total)
    mine = plans[worker::workers]  # a unit's calls land in different processes
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    gate = threading.Barrier(len(mine)) if mine else None

    def at_once(plan: Plan) -> dict[str, Any]:
        if gate is not None:
            gate.wait()
        return _safely(plan)

    with ThreadPoolExecutor(max_workers=max(1, len(mine))) as pool:
        outcomes = list(pool.map(at_once, mine))
    with (directory / f"records-{worker}.jsonl").open("w") as records:
        for outcome in outcomes:
            records.write(json.dumps(outcome["record"], default=str) + "\n")
    print("calls done", flush=True)
    line = sys.stdin.readline().split()
    dials: list[dict[str, str]] = []
    if line[:1] == ["sweep"]:
        dials = _sweeps(datetime.fromisoformat(line[1]))
    from ivr import wiring

    report = {
        "results": [o["result"] for o in outcomes],
        "charges": [_charge(c) for c in wiring.sandbox_processor().charges],
        "dials": dials,
    }
    (directory / f"worker-{worker}.json").write_text(json.dumps(report, default=str))
    print("done", flush=True)


def _charge(charge: Any) -> dict[str, Any]:
    data = asdict(charge)
    return {
        "key": data["idempotency_key"],
        "status": str(data["status"].value),
        "amount": str(charge.amount),
    }


def _sweeps(at: datetime) -> list[dict[str, str]]:
    """Two sweeps at once in this process (and as many in the others): each callback once."""
    from simulator.callbacks import sweep_at

    with ThreadPoolExecutor(max_workers=2) as pool:
        swept = list(pool.map(lambda _: sweep_at(at)[1], range(2)))
    return [call for calls in swept for call in calls]


def main(argv: list[str]) -> None:
    command, port = argv[0], int(argv[1])
    if command == "stack":
        serve_stack(port, int(argv[2]), Path(argv[3]))
    elif command == "calls":
        run_worker(port, Path(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])

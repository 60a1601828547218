"""Handler latency and DynamoDB round trips per turn, cold-start cost against bare boto3, and
simulator throughput — each measured side by side in this one run.

* Per turn: the caller-lookup and account-balance handlers, warm, against moto's DynamoDB
  in-process; the time is the handler's own work plus moto's, and the round trips are the AWS API
  requests botocore made (PynamoDB's included).
* Cold start: a fresh interpreter importing a handler module, against one importing only boto3
  (the floor any Python Lambda that talks to AWS pays); the ratio is what our code adds.
* Simulator: whole scripted calls per second through the real flows and handlers.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lambdas")]

TURNS = 200
COLD_RUNS = 7
CALLS = 20


def _import_seconds(statement: str) -> float:
    """Median wall time of a fresh interpreter running ``statement`` (the Lambda init phase)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lambdas"), "AWS_DEFAULT_REGION": "us-east-1"}
    samples = []
    for _ in range(COLD_RUNS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], env=env, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def cold_start() -> None:
    baseline = _import_seconds("import boto3")
    print(f"cold start: import boto3 {baseline * 1000:7.0f} ms (baseline)")
    for module in ("caller_lookup", "account_balance", "portal_api", "callback_sweep"):
        seconds = _import_seconds(f"import {module}")
        print(
            f"cold start: import {module:<16} {seconds * 1000:7.0f} ms  x{seconds / baseline:.2f}"
        )


def _measure(handler: Callable[[Any, Any], Any], event: dict[str, Any]) -> tuple[float, float]:
    """Median ms per call and API requests per call, over TURNS warm calls."""
    import botocore.client

    from simulator.context import lambda_context

    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        calls.append(operation)
        return original(self, operation, params)

    context = lambda_context("bench")
    handler(event, context)  # warm: clients and caches built once per execution environment
    botocore.client.BaseClient._make_api_call = counting
    samples = []
    try:
        for _ in range(TURNS):
            started = time.perf_counter()
            handler(event, context)
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        botocore.client.BaseClient._make_api_call = original
    return statistics.median(samples), len(calls) / TURNS


def per_turn() -> None:
    import boto3
    from moto import mock_aws

    from simulator.call import MAIN_NUMBER
    from simulator.flows import Contact
    from simulator.flows.interactions import contact_flow_event
    from simulator.local_aws import apply_environment, create_resources, reset_caches
    from simulator.seed import load_given, sample_data

    apply_environment(None)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    with mock_aws():
        reset_caches()
        create_resources(boto3.session.Session())
        load_given(sample_data())
        import account_balance
        import caller_lookup

        contact = Contact(customer_address="+13125550142", system_address=MAIN_NUMBER)
        event = contact_flow_event(contact, {})
        for name, handler in (
            ("caller_lookup", caller_lookup.lambda_handler),
            ("account_balance", account_balance.lambda_handler),
        ):
            ms, trips = _measure(handler, event)
            print(f"per turn: {name:<16} {ms:6.2f} ms median, {trips:.1f} DynamoDB round trips")


def simulator_throughput() -> None:
    from simulator.scenario import load, run_scenario

    scenario = load(ROOT / "tests" / "scenarios" / "known_caller_checks_balance.yaml")
    run_scenario(scenario)  # warm imports
    started = time.perf_counter()
    for _ in range(CALLS):
        result = run_scenario(scenario)
        assert result.passed, result.failures
    seconds = time.perf_counter() - started
    print(
        f"simulator: {CALLS / seconds:.1f} whole calls/s ({seconds / CALLS * 1000:.0f} ms a call,"
        " fresh tables each)"
    )


if __name__ == "__main__":
    cold_start()
    per_turn()
    simulator_throughput()

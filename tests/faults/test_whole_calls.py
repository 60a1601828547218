"""Whole calls through the flows and the real handlers (the local contact center) with a fault in
place from the first ring: what the caller hears is the flow's fallback, never dead air, and every
Lambda block answers inside its time limit (the interpreter enforces it as Connect does)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.faults.conftest import (
    CONNECT_BUDGET_SECONDS,
    Faults,
    injected,
    provider_up,
    use_http_voice,
)
from tests.timing import queued_seconds

SCENARIOS = Path(__file__).parents[1] / "scenarios"
LAMBDA = "lambda-invocation"  # the threads the interpreter runs Lambda blocks in
ANA = {
    "phone": "+13125550142",
    "name": "Ana Souza",
    "balance": "120.50",
    "timezone": "America/Chicago",
    "national_id_last4": "4321",
}


@pytest.fixture
def lambda_queueing(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each Lambda block's run-queue wait (tests/timing.py), in the order the call invoked them:
    a block's time limit is checked on its time less what other processes on this loaded
    machine took from it; in AWS each invocation has an execution environment of its own."""
    from simulator.flows import interactions

    original = interactions.call_with_time_limit
    queued: list[float] = []

    def measured(call: Callable[[], Any], limit_seconds: float) -> Any:
        def in_its_thread() -> Any:
            before = queued_seconds()
            try:
                return call()
            finally:
                queued.append(queued_seconds() - before)

        return original(in_its_thread, limit_seconds)

    monkeypatch.setattr(interactions, "call_with_time_limit", measured)
    return queued


def over_budget(invocations: list[Any], queued: list[float]) -> list[Any]:
    """The invocations that took Connect's budget or more, less their run-queue wait."""
    assert len(queued) == len(invocations), (queued, invocations)
    budget_ms = CONNECT_BUDGET_SECONDS * 1000
    return [
        i for i, q in zip(invocations, queued, strict=True) if int(i["ms"]) - q * 1000 >= budget_ms
    ]


def run_with_faults(
    scenario: dict[str, Any],
    plan: Faults,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str] | None = None,
    after_seed: Callable[[Faults], None] = lambda plan: None,
    *,
    queued: list[float],
) -> Any:
    """Run ``scenario`` in a fresh in-memory AWS; ``after_seed`` adds the faults once its
    ``given:`` data is stored, so only the call meets them."""
    from simulator.local_aws import apply_environment, in_memory_aws
    from simulator.scenario import Seed, run_scenario

    @contextmanager
    def faulty(seed: Seed) -> Iterator[None]:
        apply_environment(None)
        for name, value in (environment or {}).items():
            monkeypatch.setenv(name, value)
        with in_memory_aws():
            seed()
            with injected(plan):
                after_seed(plan)
                yield

    try:
        result = run_scenario(scenario, faulty)
    finally:
        monkeypatch.undo()
    assert over_budget(result.record.invocations, queued) == []
    return result


def _passed(result: Any) -> None:
    assert result.passed, "\n".join(
        [*result.failures, "--- transcript ---", result.record.transcript]
    )


def test_a_call_while_the_customer_table_is_throttled_hears_the_fallback_and_reaches_an_agent(
    monkeypatch: pytest.MonkeyPatch, lambda_queueing: list[float]
) -> None:
    scenario = {
        "name": "customer table throttled",
        "given": {"customers": [ANA]},
        "call": {"from": "+13125550142", "at": "2026-12-01T10:00:00-06:00"},
        "steps": [
            # Caller lookup's error branch: served as a caller the IVR does not know yet.
            {"expect_prompt": "Welcome to Example Bank."},
            {"say": "what's my balance"},
            # Unknown, the caller is asked to identify their account, or go to an agent.
            {"expect_prompt": "I need to identify your account"},
            {"press": "0"},
        ],
        "expect": {"ended": "queue:BasicQueue"},
    }

    def throttle(plan: Faults) -> None:
        plan.add("dynamodb", code="ProvisionedThroughputExceededException", thread=LAMBDA)

    plan = Faults()
    _passed(
        run_with_faults(scenario, plan, monkeypatch, after_seed=throttle, queued=lambda_queueing)
    )


def test_a_callback_booked_while_the_sms_provider_is_throttled_is_still_booked(
    monkeypatch: pytest.MonkeyPatch, lambda_queueing: list[float]
) -> None:
    scenario = yaml.safe_load((SCENARIOS / "callback_scheduled_tomorrow_3pm.yaml").read_text())
    scenario["expect"].pop("outbox")  # no text goes out: the provider refuses it
    plan = Faults()

    def throttle(plan: Faults) -> None:
        plan.add("pinpoint-sms-voice-v2", "SendTextMessage", code="ThrottlingException")
        provider_up(plan)  # e-mail would go through; only SMS is down

    aws = {"NOTIFIER": "aws"}
    result = run_with_faults(scenario, plan, monkeypatch, aws, throttle, queued=lambda_queueing)
    _passed(result)
    assert plan.count("pinpoint-sms-voice-v2", "SendTextMessage") == 3  # the client's 3 tries
    assert all(f.fired == 0 for f in plan.active if f.answer is not None)


def test_a_portal_link_the_sending_queue_refuses_gets_one_apology_and_an_agent(
    monkeypatch: pytest.MonkeyPatch, lambda_queueing: list[float]
) -> None:
    scenario = yaml.safe_load((SCENARIOS / "conversation_portal_start_fails.yaml").read_text())
    del scenario["call"]["faults"], scenario["expect"]["errors"], scenario["expect"]["transaction"]
    plan = Faults()

    def refuse(plan: Faults) -> None:
        plan.add("sqs", "SendMessage", code="ThrottlingException", thread=LAMBDA)

    _passed(run_with_faults(scenario, plan, monkeypatch, after_seed=refuse, queued=lambda_queueing))
    assert plan.count("sqs", "SendMessage") == 3  # the client's 3 tries, then the error branch


def test_a_call_whose_voice_provider_hangs_is_verified_on_the_keypad(
    hung_provider: str, monkeypatch: pytest.MonkeyPatch, lambda_queueing: list[float]
) -> None:
    from simulator.local_aws import apply_environment, in_memory_aws
    from simulator.scenario import Seed, run_scenario

    @contextmanager
    def hung_voice(seed: Seed) -> Iterator[None]:
        apply_environment(None)
        use_http_voice(monkeypatch, hung_provider)
        with in_memory_aws():
            seed()
            yield

    scenario: dict[str, Any] = yaml.safe_load((SCENARIOS / "auth_voice_error.yaml").read_text())
    scenario["call"]["voice"] = "authenticated"  # the caller would pass; the provider never answers
    # What the authenticate flow's error branch says (the simulated "error" outcome is answered,
    # so it takes the Error result branch instead).
    scenario["steps"][0] = {"expect_prompt": "Voice verification isn't available right now"}
    try:
        result = run_scenario(scenario, hung_voice)
    finally:
        monkeypatch.undo()
    assert result.passed, "\n".join([*result.failures, result.record.transcript])
    voice = [i for i in result.record.invocations if "VoiceAuthentication" in str(i["function"])]
    assert voice and over_budget(result.record.invocations, lambda_queueing) == []

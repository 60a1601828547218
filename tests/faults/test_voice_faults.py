"""The voice-biometrics provider hanging (a real socket that accepts and never answers): the
adapter's own deadline cuts it, the step answers ``result: Error`` inside Connect's 8 s even when
the circuit breaker's table hangs too, and a whole call falls back to the keypad question."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.faults.conftest import (
    CONNECT_BUDGET_SECONDS,
    Faults,
    assert_connect_answer,
    connect_event,
    invoke,
    timed,
)

SCENARIOS = Path(__file__).parents[1] / "scenarios"


@pytest.fixture
def hung_provider() -> Iterator[str]:
    """A listening socket nobody accepts from: connections open (the kernel's backlog), no
    byte ever comes back - what a hung HTTPS endpoint looks like to the client."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def _use_http_voice(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    from simulator.local_aws import reset_caches

    monkeypatch.setenv("VOICE_PROVIDER", "http")
    monkeypatch.setenv("VOICE_API_URL", url)
    monkeypatch.setenv("VOICE_API_KEY_SECRET_ID", "VoiceApiKeySecret")
    reset_caches()


@pytest.fixture
def http_voice(
    faults: Faults, hung_provider: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    from simulator.local_aws import reset_caches

    _use_http_voice(monkeypatch, hung_provider)
    yield
    monkeypatch.undo()
    reset_caches()


@pytest.mark.usefixtures("http_voice")
@pytest.mark.parametrize("breaker_table", ["up", "hung"])
def test_a_hung_provider_answers_error_inside_the_budget(
    faults: Faults, breaker_table: str
) -> None:
    if breaker_table == "hung":
        # The breaker lets calls through when its own store fails; it must not add its waits.
        faults.add("dynamodb", body_contains='"CircuitBreakersTable"', hang=True)
    result = timed(faults, lambda: invoke("voice_authentication", connect_event(action="verify")))
    print(f"answer {result.seconds:.2f} s {result.answer}")
    assert result.seconds < CONNECT_BUDGET_SECONDS, f"answered after {result.seconds:.1f} s"
    assert_connect_answer(result.answer)
    assert result.answer["status"] == "ok" and result.answer["result"] == "Error", result.answer


def test_a_call_whose_voice_provider_hangs_is_verified_on_the_keypad(
    hung_provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulator.local_aws import apply_environment, in_memory_aws
    from simulator.scenario import Seed, run_scenario

    @contextmanager
    def hung_voice(seed: Seed) -> Iterator[None]:
        apply_environment(None)
        _use_http_voice(monkeypatch, hung_provider)
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
    assert voice and all(int(i["ms"]) < CONNECT_BUDGET_SECONDS * 1000 for i in voice)

"""The voice-biometrics provider hanging (a real socket that accepts and never answers): the
adapter's own deadline cuts it, and the step answers ``result: Error`` inside its budget even
when the circuit breaker's table hangs too (the whole call: test_whole_calls.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import (
    CONNECT_BUDGET_SECONDS,
    Faults,
    assert_connect_answer,
    connect_event,
    invoke,
    shared_aws,
    timed,
    use_http_voice,
)


@pytest.fixture(scope="module")
def fault_aws() -> Iterator[None]:
    """One AWS for the module: nothing these faults reach is stored."""
    with shared_aws():
        yield


SCENARIOS = Path(__file__).parents[1] / "scenarios"


@pytest.fixture
def http_voice(
    faults: Faults, hung_provider: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    from simulator.local_aws import reset_caches

    use_http_voice(monkeypatch, hung_provider)
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

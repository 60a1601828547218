"""Secrets Manager or Parameter Store hung when a step first needs a value (the pepper, the
callback policy; a cold or expired cache): the step still answers inside Connect's 8 s, with its
error branch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.conftest import (
    CONNECT_BUDGET_SECONDS,
    Faults,
    assert_connect_answer,
    connect_event,
    invoke,
    shared_aws,
    timed,
)


@pytest.fixture(scope="module")
def fault_aws() -> Iterator[None]:
    """One AWS for the module: nothing these faults reach is stored."""
    with shared_aws():
        yield


@pytest.mark.parametrize(
    ("module", "parameters"),
    [("keypad_authentication", {"action": "check", "answer": "Timeout"}), ("portal_session", {})],
    ids=["keypad-check", "portal-session"],
)
def test_a_hung_secrets_manager_gives_the_error_branch_in_time(
    faults: Faults, module: str, parameters: dict[str, str]
) -> None:
    from ivr import wiring

    wiring.secrets_provider.cache_clear()  # a cold start: no secret cached yet
    faults.add("secrets-manager", "GetSecretValue", hang=True)
    event = connect_event(None, "5b684483-2f39-4f37-a08c-0c1d2e3f4a5b", step="portal", **parameters)
    result = timed(faults, lambda: invoke(module, event))
    print(f"answer {result.seconds:.2f} s {result.answer}")
    assert result.seconds < CONNECT_BUDGET_SECONDS, f"answered after {result.seconds:.1f} s"
    assert_connect_answer(result.answer)
    assert result.answer["status"] == "error", result.answer


def test_a_hung_parameter_store_gives_the_callback_offer_its_error_branch_in_time(
    faults: Faults, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr import wiring
    from ivr.core import settings

    monkeypatch.setenv("CALLBACK_POLICY_PARAMETER", "/ivr/callback-policy")
    settings.settings.cache_clear()
    wiring.parameters_provider.cache_clear()
    faults.add("ssm", "GetParameter", hang=True)
    try:
        event = connect_event(queue="BasicQueue")
        result = timed(faults, lambda: invoke("callback_offer", event))
    finally:
        monkeypatch.undo()
        settings.settings.cache_clear()
    print(f"answer {result.seconds:.2f} s {result.answer}")
    assert result.seconds < CONNECT_BUDGET_SECONDS, f"answered after {result.seconds:.1f} s"
    assert_connect_answer(result.answer)
    assert result.answer["status"] == "error", result.answer

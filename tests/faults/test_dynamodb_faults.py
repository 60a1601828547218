"""DynamoDB throttled, hung or unreachable under every Connect-invoked step: each answers inside
Connect's 8 s with a map the flow branches on (``status: error``, ``errorCode``), never raises."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

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
    """One AWS for the module: a failing table changes nothing stored."""
    with shared_aws():
        yield


def _encrypted(digits: str) -> str:
    from simulator.flows.encryption import encrypt_stored_input

    key = {"EncryptionKeyId": "${InputEncryptionKeyId}", "Key": "${InputEncryptionCertificate}"}
    return encrypt_stored_input(digits, key)


#: Each Connect-invoked step as its flow calls it (parameters of contact_flows/*.json).
STEPS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "caller lookup": ("caller_lookup", lambda: connect_event()),
    "balance": ("account_balance", lambda: connect_event()),
    "payment amount": (
        "account_balance",
        lambda: connect_event({"paymentAmount": "20.00"}, step="amount"),
    ),
    "keypad check": (
        "keypad_authentication",
        lambda: connect_event({"keypadTry": "1"}, action="check", answer=_encrypted("4321")),
    ),
    "voice status": ("voice_authentication", lambda: connect_event(action="status")),
    "voice verify": ("voice_authentication", lambda: connect_event(action="verify")),
    "enrolment code": ("enrolment_code", lambda: connect_event(action="send")),
    "phone payment start": ("phone_payment", lambda: connect_event(step="start")),
    "portal session": ("portal_session", lambda: connect_event(step="portal")),
    "payment status": ("payment_status", lambda: connect_event({"portalSessionId": "s-1"})),
    "abandon payment": ("abandon_payment", lambda: connect_event({"paymentId": "p-1"})),
    "callback offer": ("callback_offer", lambda: connect_event(queue="BasicQueue")),
    "schedule callback": (
        "schedule_callback",
        lambda: connect_event(
            mode="scheduled", queue="BasicQueue", date="2026-12-02", time="15:00"
        ),
    ),
    "cancel callback": ("cancel_callback", lambda: connect_event(callbackId="cb-1")),
    "agent whisper": ("agent_whisper", lambda: connect_event({"intent": "CheckBalance"})),
}

#: What DynamoDB answers when a table or an account is over its limits.
THROTTLES = (
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
)


def _assert_fallback(answer: Any, seconds: float) -> None:
    print(f"answer {seconds:.2f} s {answer}")  # shown with -s: the figures in the README
    assert seconds < CONNECT_BUDGET_SECONDS, f"answered after {seconds:.1f} s"
    assert_connect_answer(answer)
    # The flows branch on status == error; a step that falls back on its own (voice: "Error",
    # which sends the caller to the keypad check) answers ok with that result.
    if answer["status"] == "error":
        assert answer["errorCode"] == "StoreUnavailable", answer
    else:
        assert answer.get("result") == "Error", answer


@pytest.mark.parametrize("step", list(STEPS), ids=lambda s: s.replace(" ", "-"))
def test_a_throttled_table_gives_every_step_its_error_branch_in_time(
    faults: Faults, step: str
) -> None:
    module, event = STEPS[step]
    code = THROTTLES[list(STEPS).index(step) % len(THROTTLES)]
    faults.add("dynamodb", code=code)
    result = timed(faults, lambda: invoke(module, event()))
    _assert_fallback(result.answer, result.seconds)


@pytest.mark.parametrize("step", list(STEPS), ids=lambda s: s.replace(" ", "-"))
def test_a_hung_table_gives_every_step_its_error_branch_in_time(faults: Faults, step: str) -> None:
    module, event = STEPS[step]
    faults.add("dynamodb", hang=True)
    result = timed(faults, lambda: invoke(module, event()))
    _assert_fallback(result.answer, result.seconds)


@pytest.mark.parametrize("step", ["caller lookup", "keypad check", "voice verify"])
def test_an_unreachable_table_gives_the_error_branch_in_time(faults: Faults, step: str) -> None:
    module, event = STEPS[step]
    faults.add("dynamodb", unreachable=True)
    result = timed(faults, lambda: invoke(module, event()))
    _assert_fallback(result.answer, result.seconds)


def test_a_throttle_that_clears_on_the_retry_is_not_noticed(faults: Faults) -> None:
    faults.add("dynamodb", "GetItem", code="ProvisionedThroughputExceededException", times=1)
    answer = invoke("caller_lookup", connect_event())
    assert answer["status"] == "ok" and answer["firstName"] == "Ana"


LEX_DIALOG_ACTIONS = {"Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot"}


@pytest.mark.parametrize(
    "sample",
    ["fulfil_check_balance.json", "dialog_make_payment.json", "fulfil_request_callback.json"],
)
def test_the_lex_code_hook_answers_a_dialog_action_with_every_aws_call_hung(
    faults: Faults, sample: str
) -> None:
    from tests.conftest import load_event

    faults.add("*", hang=True)  # the code hook reads no table; nothing it needs may hang it
    result = timed(faults, lambda: invoke("lex_fulfil", load_event(f"lex/{sample}")))
    assert result.seconds < CONNECT_BUDGET_SECONDS
    action = result.answer["sessionState"]["dialogAction"]
    assert action["type"] in LEX_DIALOG_ACTIONS, action

"""Keypad authentication: the caller's digits against keyed hashes, with lockout counters.

Actions (LambdaInvocationAttributes ``action``):
  * ``check``: the known caller's answer (``answer`` = ``$.StoredCustomerInput``, ``try`` =
    ``$.Attributes.keypadTry``) for the question the customer has on record;
  * ``claim_account``: an unknown caller's account number (``answer``), remembered for the call;
  * ``check_account``: that caller's postal code (``answer``, ``try``).
The digits are never logged nor answered back; the answer says only what the flow needs.
"""

from __future__ import annotations

from ivr import wiring
from ivr.auth.keypad import (
    KeypadAttempt,
    KeypadLimits,
    KeypadResult,
    KeypadServices,
    KeypadVerdict,
    check_claimed_account,
    check_keypad_answer,
    claim_account_number,
    keypad_question,
    typed_digits,
)
from ivr.callers import customer_on_record
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler, dispatch
from ivr.core import clock
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings


def _services() -> KeypadServices:
    config = settings()
    return KeypadServices(
        store=wiring.auth_store(),
        activity=wiring.activity(),
        pepper=wiring.pepper(),
        limits=KeypadLimits(config.keypad_failures_per_call, config.keypad_failures_per_day),
    )


def _typed(request: ConnectRequest) -> str | None:
    """The digits behind $.StoredCustomerInput (Connect's ciphertext), None when none came."""
    return typed_digits(request.parameters.get("answer", ""), decrypter=wiring.input_decrypter())


def _attempt(request: ConnectRequest) -> KeypadAttempt:
    return KeypadAttempt.from_input(
        request.contact_id,
        request.parameters.get("try") or request.attributes.get("keypadTry", ""),
        _typed(request),
    )


def _answer(verdict: KeypadVerdict, **extra: object) -> ConnectAnswer:
    logger.info("keypad checked", extra={"result": verdict.result.value})
    return answer(
        result=verdict.result.value,
        nextTry=verdict.next_try,
        reason="timeout" if verdict.timed_out else None,
        **extra,
    )


def _check(request: ConnectRequest) -> ConnectAnswer:
    customer = customer_on_record(request.caller_number, callers=wiring.callers())
    if customer is None:
        return answer(result=KeypadResult.NO_ANSWER_ON_RECORD.value)
    question = keypad_question(customer)
    verdict = check_keypad_answer(
        _attempt(request), customer, question, services=_services(), now=clock.now()
    )
    return _answer(verdict)


def _claim_account(request: ConnectRequest) -> ConnectAnswer:
    claim_account_number(
        request.contact_id, _typed(request), callers=wiring.callers(), store=wiring.auth_store()
    )
    return answer(result="claimed")  # the same whether or not the account exists


def _check_account(request: ConnectRequest) -> ConnectAnswer:
    verdict, customer = check_claimed_account(
        _attempt(request), callers=wiring.callers(), services=_services(), now=clock.now()
    )
    if customer is not None:
        # The balance step reads the account's number from the contact's callerNumber.
        return _answer(verdict, callerNumber=customer.phone, firstName=customer.first_name)
    return _answer(verdict)


_ACTIONS = {"check": _check, "claim_account": _claim_account, "check_account": _check_account}


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    return dispatch(request, _ACTIONS)

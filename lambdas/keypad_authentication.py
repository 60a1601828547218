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
    KnowledgeQuestion,
    check_keypad_answer,
    claim_account,
    contact_state,
    keypad_question,
    typed_digits,
)
from ivr.callers import Customer
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core import clock
from ivr.core.errors import MalformedEventError
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings

#: Account numbers are digits; anything longer than this is not one (and is not looked up).
MAX_ACCOUNT_DIGITS = 16


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
    number = request.attributes.get("callerNumber") or ""
    customer = wiring.callers().find_by_phone(number) if number.startswith("+") else None
    if customer is None:
        return answer(result=KeypadResult.NO_ANSWER_ON_RECORD.value)
    question = keypad_question(customer)
    verdict = check_keypad_answer(
        _attempt(request), customer, question, services=_services(), now=clock.now()
    )
    return _answer(verdict)


def _claim_account(request: ConnectRequest) -> ConnectAnswer:
    digits = _typed(request)
    customer: Customer | None = None
    if digits and len(digits) <= MAX_ACCOUNT_DIGITS:
        customer = wiring.callers().find_by_account(digits)
    claim_account(request.contact_id, customer, store=wiring.auth_store())
    return answer(result="claimed")  # the same whether or not the account exists


def _check_account(request: ConnectRequest) -> ConnectAnswer:
    store = wiring.auth_store()
    claimed = contact_state(request.contact_id, store=store).claimed_phone
    customer = wiring.callers().find_by_phone(claimed) if claimed else None
    verdict = check_keypad_answer(
        _attempt(request),
        customer,
        KnowledgeQuestion.POSTAL_CODE,
        services=_services(),
        now=clock.now(),
    )
    if verdict.result is KeypadResult.NO_ANSWER_ON_RECORD:
        verdict = KeypadVerdict(KeypadResult.WRONG, verdict.failures_in_call)
    if verdict.result is KeypadResult.AUTHENTICATED and customer is not None:
        # The balance step reads the account's number from the contact's callerNumber.
        return _answer(verdict, callerNumber=customer.phone, firstName=customer.first_name)
    return _answer(verdict)


_ACTIONS = {"check": _check, "claim_account": _claim_account, "check_account": _check_account}


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    serve = _ACTIONS.get(request.parameters.get("action", ""))
    if serve is None:
        raise MalformedEventError("action must be check, claim_account or check_account")
    return serve(request)

"""Enrolment codes: text a one-time code to the number on record, then check what was typed.

Actions (LambdaInvocationAttributes ``action``): ``send``; ``check`` with ``answer`` =
``$.StoredCustomerInput`` and ``try`` = ``$.Attributes.codeTry``. Only a caller who passed the
keypad question in this call gets a code; the code goes to the number on record, never to one
given during the call.
"""

from __future__ import annotations

from ivr import wiring
from ivr.auth.keypad import (
    CODE_ATTEMPTS,
    CodeServices,
    CodeVerdict,
    check_enrolment_code,
    send_enrolment_code,
    typed_digits,
)
from ivr.callers import customer_on_record
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler, dispatch
from ivr.core import clock
from ivr.core.errors import NotFoundError
from ivr.core.observability import CONNECT_CONTACT_ID, logger


def _services() -> CodeServices:
    return CodeServices(
        store=wiring.auth_store(),
        notifier=wiring.step_notifier(),
        activity=wiring.activity(),
        pepper=wiring.pepper(),
    )


def _send(request: ConnectRequest) -> ConnectAnswer:
    customer = customer_on_record(request.caller_number, callers=wiring.callers())
    if customer is None:
        raise NotFoundError("no customer on record for this call")
    verdict = send_enrolment_code(
        request.contact_id, customer, services=_services(), now=clock.now()
    )
    return _answer(verdict)


def _check(request: ConnectRequest) -> ConnectAnswer:
    verdict = check_enrolment_code(
        request.contact_id,
        request.parameters.get("try") or request.attributes.get("codeTry", "1"),
        typed_digits(request.parameters.get("answer", ""), decrypter=wiring.input_decrypter()),
        services=_services(),
        now=clock.now(),
    )
    return _answer(verdict)


def _answer(verdict: CodeVerdict) -> ConnectAnswer:
    logger.info("enrolment code", extra={"result": verdict.result.value})
    return answer(
        result=verdict.result.value,
        triesLeft=verdict.tries_left,
        nextTry=CODE_ATTEMPTS + 1 - verdict.tries_left if verdict.tries_left else None,
    )


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    return dispatch(request, {"send": _send, "check": _check})

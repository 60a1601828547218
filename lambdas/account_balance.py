"""Account balance: what the caller owes, read out on the CheckBalance branch; with
``step: amount``, the payment flow's check of the amount the caller asked to pay."""

from __future__ import annotations

from ivr import wiring
from ivr.callers import balance_of, look_up_caller
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    region = settings().default_phone_region
    if request.parameters.get("step") == "amount":
        return _check_amount(request, request.caller_number, region)
    balance = balance_of(request.caller_number, callers=wiring.callers(), region=region)
    return answer(balance=str(balance), currency=balance.currency, balanceSpoken=balance.spoken())


def _check_amount(request: ConnectRequest, number: str | None, region: str) -> ConnectAnswer:
    # The payment rules load with the step that needs them: a balance read does not pay for them.
    from ivr.payments.checkout import NoCustomerError, check_payment_amount

    customer = look_up_caller(number, callers=wiring.callers(), region=region).customer
    if customer is None:
        raise NoCustomerError("a payment needs a known caller")
    check = check_payment_amount(
        customer,
        request.attributes.get("paymentAmount"),
        chosen=request.parameters.get("chosen") == "true",
        allow_overpayment=settings().allow_overpayment,
    )
    logger.info("payment amount checked", extra={"amountStatus": check.status.value})
    return answer(
        amountStatus=check.status.value,
        amountSpoken=check.amount.spoken() if check.amount else None,
        reasonSpoken=check.reason or None,
        amountQuestion=check.question(),
        balanceSpoken=check.balance.spoken(),
    )

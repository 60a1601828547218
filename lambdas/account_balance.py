"""Account balance: what the caller owes, read out on the CheckBalance branch."""

from __future__ import annotations

from ivr import wiring
from ivr.callers import balance_of
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    balance = balance_of(
        request.caller_number, callers=wiring.callers(), region=settings().default_phone_region
    )
    return answer(balance=str(balance), currency=balance.currency, balanceSpoken=balance.spoken())

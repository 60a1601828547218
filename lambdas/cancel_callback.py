"""Cancel callback: the caller cancels their pending callback (offered when one is found)."""

from __future__ import annotations

from ivr import wiring
from ivr.callbacks.service import who_to_call
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    config = settings()
    phone, _ = who_to_call(
        request.caller_number,
        callers=wiring.callers(),
        region=config.default_phone_region,
        contact_center_zone=config.contact_center_timezone,
        known_zone=request.attributes.get("callerTimezone"),
    )
    callback_id = request.parameters.get("callbackId", "")
    cancelled = wiring.callback_service().cancel_for_caller(callback_id, phone)
    logger.info("callback cancelled", extra={"callbackId": cancelled.callback_id})
    return answer(outcome="cancelled", callbackId=cancelled.callback_id)

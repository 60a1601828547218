"""Callback offer: what the IVR can offer this caller - their zone, and any pending callback."""

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
    phone, zone_name = who_to_call(
        request.caller_number,
        callers=wiring.callers(),
        region=config.default_phone_region,
        contact_center_zone=config.contact_center_timezone,
        # Caller lookup remembered the customer's zone: the offer reads only the pending guard.
        known_zone=request.attributes.get("callerTimezone"),
    )
    queue = request.parameters.get("queue") or config.callback_queue_name
    pending = wiring.callback_service().pending(phone, queue)
    logger.info("callback offer", extra={"hasPending": pending is not None})
    return answer(
        callerNumber=phone,
        timezone=zone_name,
        hasPending=pending is not None,
        # Always present (empty when none): the flow copies them into contact attributes.
        pendingCallbackId=pending.callback_id if pending else "",
        pendingKind=pending.kind.value if pending else "",
        pendingSpoken=pending.spoken() if pending else "",
    )

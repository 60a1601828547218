"""Portal payment start: open or resume the transaction, create the session, queue the link SMS,
and answer the PIN for the IVR to read (InvokeLambdaFunction; run with flow logging off)."""

from __future__ import annotations

from ivr import wiring
from ivr.callers import look_up_caller
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core import clock
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings
from ivr.payments.checkout import start_portal_payment


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    config = settings()
    # The number on record that caller lookup found; the link never goes to a typed number.
    lookup = look_up_caller(
        request.caller_number, callers=wiring.callers(), region=config.default_phone_region
    )
    started = start_portal_payment(
        customer=lookup.customer,
        contact_id=request.contact_id,
        step=request.parameters.get("step", "portal"),
        requested_amount=request.attributes.get("paymentAmount"),
        after_session=request.attributes.get("portalSessionId") or "",
        allow_overpayment=config.allow_overpayment,
        now=clock.now(),
        pepper=wiring.pepper(),
        portal_base_url=config.portal_base_url,
        transactions=wiring.transactions(),
        sessions=wiring.portal_sessions(),
        claims=wiring.step_claims(),
        queue=wiring.message_queue(),
        messages=wiring.payment_messages(),
    )
    logger.info("portal session started", extra={"portalSessionId": started.session_id})
    return answer(
        portalSessionId=started.session_id,
        paymentId=started.payment_id,
        amountSpoken=started.amount.spoken(),
        # Read out digit by digit; this answer lives in $.External only, under logging off.
        pinSpoken=" ".join(started.pin),
    )

"""The caller hung up: their unfinished payment is abandoned (the payment disconnect flow's
InvokeLambdaFunction), unless its portal link still works; the next call offers to pick it up.
A payment whose charge went unanswered is asked about again first (ivr.payments.checkout):
paid, not taken, or left in doubt for the payment follow-up sweep - never abandoned unseen."""

from __future__ import annotations

from ivr import wiring
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core import clock
from ivr.core.errors import MalformedEventError
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.payments.checkout import PaymentServices, abandon_unfinished_payment


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    payment_id = request.attributes.get("paymentId")
    if not payment_id:
        raise MalformedEventError("no paymentId attribute")
    outcome = abandon_unfinished_payment(
        payment_id,
        contact_id=request.contact_id,
        portal_session_id=request.attributes.get("portalSessionId"),
        now=clock.now(),
        transactions=wiring.transactions(),
        sessions=wiring.portal_sessions(),
        services=_services,  # built only for a payment whose charge went unanswered
    )
    logger.info("call ended", extra={"paymentId": payment_id, "payment": outcome.value})
    return answer(payment=outcome.value)


def _services() -> PaymentServices:
    return PaymentServices(
        processor=wiring.payment_processor(),
        callers=wiring.callers(),
        queue=wiring.message_queue(),
        messages=wiring.payment_messages(),
    )

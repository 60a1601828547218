"""Caller lookup: who is calling, did they leave a payment unfinished, and do they have a callback
booked? (InvokeLambdaFunction; one GetItem: both marks travel on the customer item)"""

from __future__ import annotations

from ivr import wiring
from ivr.callers import LookupStatus, PendingCallbackMark, look_up_caller
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    lookup = look_up_caller(
        request.customer_number, callers=wiring.callers(), region=settings().default_phone_region
    )
    logger.info("caller looked up", extra={"result": lookup.status.value})
    customer = lookup.customer
    if lookup.status is not LookupStatus.FOUND or customer is None:
        return answer(found=False, reason=lookup.status.value, callerNumber=lookup.phone)
    open_txn = customer.open_transaction
    pending = customer.pending_callback
    return answer(
        found=True,
        callerNumber=lookup.phone,
        firstName=customer.first_name,
        language=customer.language,
        timezone=customer.timezone,
        voiceEnrolment=customer.voice_enrolment.value,
        hasOpenTransaction=open_txn is not None,
        openPaymentId=open_txn.payment_id if open_txn else None,
        openAmount=str(open_txn.amount) if open_txn else None,
        openAmountSpoken=open_txn.amount.spoken() if open_txn else None,
        hasPendingCallback=pending is not None,
        pendingCallbackId=pending.callback_id if pending else None,
        pendingCallbackSpoken=_spoken(pending) if pending else None,
    )


def _spoken(pending: PendingCallbackMark) -> str:
    """When the booked callback is, in the caller's own zone, as the callback flow and the SMS
    say it. The scheduling rules are imported only for a caller who has one booked: most
    lookups do not, and a cold start pays for every module it imports."""
    from ivr.callbacks.scheduling import spoken

    return spoken(pending.call_at, pending.timezone)

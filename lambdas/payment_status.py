"""Payment status, polled by the waiting flow every 10 seconds (InvokeLambdaFunction)."""

from __future__ import annotations

from ivr import wiring
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core import clock
from ivr.core.errors import MalformedEventError
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.payments.checkout import payment_state


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    session_id = request.attributes.get("portalSessionId") or request.parameters.get(
        "portalSessionId"
    )
    if not session_id:
        raise MalformedEventError("no portalSessionId")
    state = payment_state(
        session_id,
        now=clock.now(),
        sessions=wiring.portal_sessions(),
        transactions=wiring.transactions(),
        # The flow keeps the payment's id beside the session's: both items in one read.
        payment_id=request.attributes.get("paymentId") or "",
        reads=wiring.joint_reads(),
    )
    return answer(paymentStatus=state.value)

"""SMS reply: a customer texts NO CALLBACK to cancel their pending callback (SNS subscription).

AWS End User Messaging SMS publishes each message sent to the two-way number to the
``InboundSmsTopic``; SNS invokes this function with the message JSON in ``Records[].Sns.Message``.
SNS delivers at least once, so each inbound message is handled once per ``inboundMessageId``
(a Powertools idempotency record). A record that is not an inbound SMS is logged and dropped; a
table outage raises, so Lambda's asynchronous retries try the message again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

from ivr import wiring
from ivr.callbacks.sms_replies import (
    InboundSms,
    InvalidInboundSmsError,
    answer_reply,
    parse_inbound,
)
from ivr.core.observability import logger
from ivr.core.settings import settings

#: SNS retries a failed delivery for up to a day or so; Lambda's async retries, six hours.
RECORD_SECONDS = 2 * 24 * 3600


def _reply(sms: InboundSms) -> dict[str, str]:
    answered = answer_reply(
        sms,
        service=wiring.callback_service(),
        callers=wiring.callers(),
        notifier=wiring.notifier(),
        region=settings().default_phone_region,
        # an unknown number's callback is in the queue the flows book into
        default_queue=settings().callback_queue_name,
    )
    result = answered.result
    sent = "yes" if answered.sent else "no"
    return {"outcome": result.outcome.value, "callbackId": result.callback_id or "", "sent": sent}


def reply_once(sms: InboundSms, context: Any = None) -> dict[str, str]:
    """Handle ``sms`` unless its inboundMessageId was handled; a redelivery gets the first
    result back and changes and sends nothing."""

    def handle(inbound: dict[str, str]) -> dict[str, str]:
        return _reply(sms)

    config = IdempotencyConfig(
        event_key_jmespath="inboundMessageId", expires_after_seconds=RECORD_SECONDS
    )
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        config.register_lambda_context(context)
    guarded: Any = idempotent_function(
        data_keyword_argument="inbound",
        persistence_store=wiring.idempotency_store(),
        config=config,
        key_prefix="sms-reply",
    )(handle)
    result: dict[str, str] = guarded(inbound={"inboundMessageId": sms.message_id})
    return result


def _sns_message(record: object) -> object:
    if not isinstance(record, dict):
        return None
    sns = record.get("Sns")
    return sns.get("Message") if isinstance(sns, dict) else None


settings()  # at cold start: a variable the IVR cannot run with fails the init, named


@logger.inject_lambda_context
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        logger.warning("not an SNS event")
        return {"status": "ignored", "outcomes": []}
    outcomes: list[str] = []
    for record in records:
        try:
            sms = parse_inbound(_sns_message(record))
        except InvalidInboundSmsError as error:
            logger.warning("not an inbound SMS", extra={"reason": str(error)})
            outcomes.append("invalid")
            continue
        result = reply_once(sms, context)
        logger.info("SMS reply handled", extra={"inboundMessageId": sms.message_id, **result})
        outcomes.append(result["outcome"])
    return {"status": "ok", "outcomes": outcomes}

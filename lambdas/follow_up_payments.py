"""Payment follow-up sweep: settle charges left in doubt, queue the confirmations payments owe.

Runs on an EventBridge Scheduler schedule (every 5 minutes, all day: a charge in doubt is money
the customer may have paid). Whatever the event says, the sweep reads the follow-up index, so a
late or missed run loses nothing. What it could not finish is counted as a CloudWatch metric.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from ivr import wiring
from ivr.channels.lambda_context import seconds_left
from ivr.core import clock
from ivr.core.errors import IvrError
from ivr.core.observability import logger
from ivr.core.settings import settings
from ivr.payments.checkout import PaymentServices, Settlement
from ivr.payments.follow_up import follow_up_payments

metrics = Metrics()


settings()  # at cold start: a variable the IVR cannot run with fails the init, named


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    services = PaymentServices(
        processor=wiring.payment_processor(),
        callers=wiring.callers(),
        queue=wiring.message_queue(),
        messages=wiring.payment_messages(),
    )
    try:
        report = follow_up_payments(
            now=clock.now(),
            transactions=wiring.transactions(),
            services=services,
            seconds_left=lambda: seconds_left(context),
        )
    except IvrError as error:
        # The next run (5 minutes on) finds everything still to do; the metric raises the alarm.
        logger.error("payment follow-up stopped", extra={"errorCode": error.code})
        metrics.add_metric(name="PaymentFollowUpErrors", unit=MetricUnit.Count, value=1)
        return {"status": "error", "errorCode": error.code}
    unfinished = report.count(Settlement.IN_DOUBT) + len(report.errors)
    unfinished += len(report.messages_still_owed)
    metrics.add_metric(name="PaymentFollowUpsLeft", unit=MetricUnit.Count, value=unfinished)
    summary = {
        "status": "ok",
        "read": report.read,
        "paid": report.count(Settlement.PAID),
        "notTaken": report.count(Settlement.NOT_TAKEN),
        "inDoubt": report.count(Settlement.IN_DOUBT),
        "messagesQueued": len(report.messages_queued),
        "messagesOwed": len(report.messages_still_owed),
        "errors": len(report.errors),
        "deferred": report.deferred,
    }
    logger.info("payment follow-up", extra=summary)
    return summary

"""Callback sweep: dial every scheduled callback that is due, each exactly once.

Runs on an EventBridge Scheduler schedule (every 5 minutes in business hours). Whatever the event
says, the sweep asks the due index for everything due up to now, so a late or missed run loses
nothing. Failed callbacks are counted as a CloudWatch metric that an alarm watches.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from ivr import wiring
from ivr.callbacks.service import sweep_due_callbacks
from ivr.channels.lambda_context import seconds_left
from ivr.core import clock
from ivr.core.errors import IvrError
from ivr.core.observability import logger
from ivr.core.settings import settings

metrics = Metrics()


settings()  # at cold start: a variable the IVR cannot run with fails the init, named


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    try:
        report = sweep_due_callbacks(
            store=wiring.callbacks(),
            dialer=wiring.dialer(),
            policy=wiring.callback_policy(),
            now=clock.now(),
            seconds_left=lambda: seconds_left(context),
        )
    except IvrError as error:
        # The next run (5 minutes on) finds everything still due; the metric raises the alarm.
        logger.error("callback sweep stopped", extra={"errorCode": error.code})
        metrics.add_metric(name="CallbackSweepErrors", unit=MetricUnit.Count, value=1)
        return {"status": "error", "errorCode": error.code}
    metrics.add_metric(name="CallbacksRead", unit=MetricUnit.Count, value=report.read)
    metrics.add_metric(name="CallbacksDialled", unit=MetricUnit.Count, value=len(report.dialled))
    metrics.add_metric(name="CallbacksRetried", unit=MetricUnit.Count, value=len(report.retried))
    metrics.add_metric(name="CallbacksFailed", unit=MetricUnit.Count, value=len(report.failed))
    summary = {
        "status": "ok",
        "read": report.read,
        "dialled": len(report.dialled),
        "retried": len(report.retried),
        "failed": len(report.failed),
        "deferred": len(report.deferred),
        "lost": report.lost,
        "found": len(report.found),
        "unverified": report.unverified,
    }
    logger.info("callback sweep", extra=summary)
    return summary

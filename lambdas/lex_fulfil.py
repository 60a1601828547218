"""Lex V2 code hook: checks the caller's slots, keeps the transcript, tells Lex what comes next."""

from __future__ import annotations

from ivr import wiring
from ivr.callbacks.scheduling import DEFAULT_QUEUE
from ivr.channels.lex import SESSION_ID_PATH, LexAnswer, LexRequest, lex_handler, respond
from ivr.conversation import reply
from ivr.core.observability import logger


@logger.inject_lambda_context(correlation_id_path=SESSION_ID_PATH)
@lex_handler
def lambda_handler(request: LexRequest) -> LexAnswer:
    hours = wiring.callback_policy().hours_for(DEFAULT_QUEUE)
    step = reply(request.turn(), opening_hours=hours)
    logger.info(
        "lex turn",
        extra={
            "intent": request.intent_name,
            "source": request.invocation_source,
            "next": step.kind,
        },
    )
    return respond(request, step)

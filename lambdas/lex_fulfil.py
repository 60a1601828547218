"""Lex V2 code hook: checks the caller's slots, keeps the transcript, tells Lex what comes next."""

from __future__ import annotations

from ivr.channels.lex import SESSION_ID_PATH, LexAnswer, LexRequest, lex_handler, respond
from ivr.core.observability import logger
from ivr.intents import next_step


@logger.inject_lambda_context(correlation_id_path=SESSION_ID_PATH)
@lex_handler
def lambda_handler(request: LexRequest) -> LexAnswer:
    step = next_step(request.turn())
    logger.info(
        "lex turn",
        extra={
            "intent": request.intent_name,
            "source": request.invocation_source,
            "next": step.kind,
        },
    )
    return respond(request, step)

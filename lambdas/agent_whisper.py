"""Agent whisper text, composed just before the transfer (InvokeLambdaFunction).

The inbound and payment flows store the answer's ``whisper`` in the ``agentWhisper`` attribute
and set the AgentWhisper hook to contact_flows/agent_whisper.json, which reads it to the agent.
Reads only: safe to run again when Connect retries the block.
"""

from __future__ import annotations

from ivr import wiring
from ivr.agent.timeline import contact_facts
from ivr.agent.whisper import whisper_text
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core import clock
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    now, queue = clock.now(), settings().callback_queue_name
    facts = contact_facts(
        request.attributes,
        now=now,
        callers=wiring.callers(),
        transactions=wiring.transactions(),
        sessions=wiring.portal_sessions(),
        pending_callback=lambda phone: wiring.callbacks().pending(phone, queue, now),
    )
    return answer(whisper=whisper_text(facts))

"""Voice authentication: status, verify, enrol or opt out, through the voice provider port.

The block's LambdaInvocationAttributes name the ``action``; the caller is the customer on record
for ``$.Attributes.callerNumber`` (caller lookup's E.164 number).
"""

from __future__ import annotations

from ivr import wiring
from ivr.auth.keypad import keypad_question, proven_for_enrolment
from ivr.auth.voice import (
    AudioStream,
    VoicePolicy,
    VoiceSample,
    VoiceServices,
    enrol_voice,
    opt_out_of_voice,
    speaker_id_for,
    verify_voice,
    voice_status,
)
from ivr.callers import Customer
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core import clock
from ivr.core.errors import MalformedEventError, NotFoundError
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings


def _customer(request: ConnectRequest) -> Customer:
    number = request.attributes.get("callerNumber") or ""
    customer = wiring.callers().find_by_phone(number) if number.startswith("+") else None
    if customer is None:
        raise NotFoundError("no customer on record for this call")
    return customer


def _services() -> VoiceServices:
    return VoiceServices(
        provider=wiring.voice_provider(),
        callers=wiring.callers(),
        activity=wiring.activity(),
        policy=VoicePolicy.from_settings(settings()),
        pepper=wiring.pepper(),
    )


def _sample(request: ConnectRequest, customer: Customer, services: VoiceServices) -> VoiceSample:
    audio = request.customer_audio
    stream = AudioStream(
        audio.get("StreamARN", ""),
        audio.get("StartFragmentNumber", ""),
        audio.get("StartTimestamp", ""),
    )
    return VoiceSample(request.contact_id, speaker_id_for(services.pepper, customer), stream)


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    action = request.parameters.get("action", "")
    customer = _customer(request)
    services, now = _services(), clock.now()
    ask = keypad_question(customer).value
    if action == "status":
        status = voice_status(customer, request.contact_id, services=services, now=now)
        return answer(result=status.value if status else "Error", keypadAsk=ask)
    if action == "verify":
        check = verify_voice(
            customer, _sample(request, customer, services), services=services, now=now
        )
        logger.info("voice verified", extra={"result": check.result.value})
        return answer(
            result=check.result.value,
            score=check.score,
            enoughSpeech=check.enough_speech,
            keypadAsk=ask,
        )
    if action == "enrol":
        proven = proven_for_enrolment(request.contact_id, store=wiring.auth_store())
        sample = _sample(request, customer, services)
        step = enrol_voice(customer, sample, proven=proven, services=services, now=now)
        return answer(result=step.step.value, netSpeechSeconds=f"{step.net_speech_seconds:.0f}")
    if action == "opt_out":
        opt_out_of_voice(customer, request.contact_id, services=services, now=now)
        return answer(result="OptedOut", keypadAsk=ask)
    raise MalformedEventError("action must be status, verify, enrol or opt_out")

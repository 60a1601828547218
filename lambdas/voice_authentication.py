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
from ivr.callers import Customer, customer_on_record
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler, dispatch
from ivr.core import clock
from ivr.core.errors import NotFoundError
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings


def _customer(request: ConnectRequest) -> Customer:
    customer = customer_on_record(request.caller_number, callers=wiring.callers())
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


def _status(request: ConnectRequest) -> ConnectAnswer:
    customer, services = _customer(request), _services()
    status = voice_status(customer, request.contact_id, services=services, now=clock.now())
    return answer(result=status.value if status else "Error", keypadAsk=_ask(customer))


def _verify(request: ConnectRequest) -> ConnectAnswer:
    customer, services = _customer(request), _services()
    sample = _sample(request, customer, services)
    check = verify_voice(customer, sample, services=services, now=clock.now())
    logger.info("voice verified", extra={"result": check.result.value})
    return answer(
        result=check.result.value,
        score=check.score,
        enoughSpeech=check.enough_speech,
        keypadAsk=_ask(customer),
    )


def _enrol(request: ConnectRequest) -> ConnectAnswer:
    customer, services = _customer(request), _services()
    proven = proven_for_enrolment(request.contact_id, store=wiring.auth_store())
    sample = _sample(request, customer, services)
    step = enrol_voice(customer, sample, proven=proven, services=services, now=clock.now())
    return answer(result=step.step.value, netSpeechSeconds=f"{step.net_speech_seconds:.0f}")


def _opt_out(request: ConnectRequest) -> ConnectAnswer:
    customer = _customer(request)
    opt_out_of_voice(customer, request.contact_id, services=_services(), now=clock.now())
    return answer(result="OptedOut", keypadAsk=_ask(customer))


def _ask(customer: Customer) -> str:
    """Which keypad question the flow asks if voice does not settle it."""
    return keypad_question(customer).value


_ACTIONS = {"status": _status, "verify": _verify, "enrol": _enrol, "opt_out": _opt_out}


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    return dispatch(request, _ACTIONS)

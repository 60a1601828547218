"""Voice authentication in the local contact center: each call's outcome, and CheckVoiceId.

The Lambdas ask the voice provider port (``wiring.voice_provider()``); locally that is the
simulated provider, a registry of outcomes per contact id that lives in the Lambdas' package.
Before a call starts the simulator registers the outcome the scenario (``call.voice``) or the
person at the keyboard (``ivr call --voice``) chose, so nothing extra travels in the contact's
attributes or the Lambda events. Flows exported from instances that used the retired Voice ID
blocks (UpdateContactData + StartVoiceIdStream + CheckVoiceId) are answered from the same port.
"""

from __future__ import annotations

#: What `ivr call --voice` and a scenario's ``call.voice`` accept.
VOICE_OUTCOMES = (
    "authenticated",
    "not_authenticated",
    "inconclusive",
    "not_enrolled",
    "opted_out",
    "error",
    "not_enough_speech",
    "new_caller_not_enough_speech",
)


def script_voice(contact_id: str, outcome: str) -> None:
    """The simulated provider will answer ``outcome`` for this contact."""
    from ivr.adapters.local.simulated_voice import simulated_voice

    simulated_voice().script(contact_id, outcome)


class VoiceIdUnsupportedError(Exception):
    """A CheckVoiceId option the voice provider port has no answer for."""


def check_voice_id(option: str, contact_id: str, customer_id: str | None) -> str:
    """CheckVoiceId's result for ``option`` from the voice provider port, as Voice ID named it.

    ``voiceAuthentication``: Authenticated | NotAuthenticated | Inconclusive | NotEnrolled |
    OptedOut, after our threshold and minimum speech; a provider Error takes the block's error
    branch (CheckVoiceId has no Error result). ``enrollmentStatus``: Enrolled | NotEnrolled |
    OptedOut. ``fraudDetection`` (watchlists) is not part of the port: error branch.
    """
    from ivr import wiring
    from ivr.auth.voice import AudioStream, VoicePolicy, VoiceResult, VoiceSample
    from ivr.core.settings import settings

    provider = wiring.voice_provider()
    speaker = customer_id or f"contact-{contact_id}"
    if option == "enrollmentStatus":
        return provider.status(speaker, contact_id).value
    if option == "voiceAuthentication":
        sample = VoiceSample(contact_id, speaker, AudioStream())
        check = VoicePolicy.from_settings(settings()).judge(provider.verify(sample))
        if check.result is VoiceResult.ERROR:
            raise VoiceIdUnsupportedError("the voice provider answered Error")
        return check.result.value
    raise VoiceIdUnsupportedError(f"CheckVoiceId {option!r} is not answered by the voice port")


def last_code_sent(to: str | None) -> str | None:
    """The 6-digit code last texted to ``to`` (any format; None: to anyone) in the local outbox:
    what a scenario's ``- press: otp`` step types."""
    import re

    from ivr import wiring
    from ivr.core.errors import InvalidPhoneNumberError
    from ivr.core.phone import normalise_e164

    recipient = None
    if to:
        try:
            recipient = normalise_e164(to, "US")
        except InvalidPhoneNumberError:
            recipient = to
    for message in reversed(wiring.local_outbox().messages()):
        if message.get("channel") != "sms" or (recipient and message.get("to") != recipient):
            continue
        found = re.search(r"\b(\d{6})\b", str(message.get("text", "")))
        if found:
            return found.group(1)
    return None

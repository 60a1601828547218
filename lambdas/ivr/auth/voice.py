"""Voice authentication: the provider port, the security policy, and verify / enrol / opt out.

Amazon Connect Voice ID reached end of support on 20 May 2026, so voice biometrics is a port
(``VoiceProvider``) with adapters in ``ivr.adapters``: a third-party service over HTTPS, and a
simulated one for the local contact center. The results keep Voice ID's familiar set so flows
read the same whatever the provider. The policy (threshold, minimum net speech) is ours, applied
to whatever the provider answers: Inconclusive and Error never pass (NIST SP 800-63B 5.2.3 allows
biometrics only as one factor; a keypad fallback always exists).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from ivr.activity import ActivityEvent, ActivityLog
from ivr.callers import CallerStore, Customer, VoiceEnrolment
from ivr.core.errors import IvrError, StoreUnavailableError
from ivr.core.hashing import keyed_hash
from ivr.core.observability import logger

if TYPE_CHECKING:
    from ivr.core.settings import Settings


class VoiceResult(StrEnum):
    AUTHENTICATED = "Authenticated"
    NOT_AUTHENTICATED = "NotAuthenticated"
    INCONCLUSIVE = "Inconclusive"
    NOT_ENROLLED = "NotEnrolled"
    OPTED_OUT = "OptedOut"
    ERROR = "Error"


class VoiceProviderError(IvrError):
    """The voice-biometrics provider failed, timed out, or its circuit breaker is open."""

    code = "VoiceProviderUnavailable"


@dataclass(frozen=True)
class AudioStream:
    """Where the caller's audio is: the Kinesis Video stream "Start media streaming" opened
    (``MediaStreams.Customer.Audio`` in the Connect event). Empty in local calls."""

    stream_arn: str = ""
    start_fragment: str = ""
    start_timestamp: str = ""


@dataclass(frozen=True)
class VoiceSample:
    """One request to the provider: whose voice, in which call, from which audio."""

    contact_id: str
    speaker_id: str  # pseudonymous (see speaker_id_for): the provider never learns the number
    audio: AudioStream = field(default_factory=AudioStream)


@dataclass(frozen=True)
class VoiceOutcome:
    """What a provider answers to a verification, before our policy is applied."""

    result: VoiceResult
    score: int | None = None  # 0-100, when the provider compared voices
    net_speech_seconds: float = 0.0


@dataclass(frozen=True)
class Enrolment:
    """Progress of an enrolment in this call: the voiceprint exists once ``enrolled``."""

    enrolled: bool
    net_speech_seconds: float


class VoiceProvider(Protocol):
    def status(self, speaker_id: str, contact_id: str) -> VoiceEnrolment:
        """Is this speaker enrolled, not enrolled or opted out? VoiceProviderError on failure."""

    def verify(self, sample: VoiceSample) -> VoiceOutcome:
        """Compare the call's audio with the voiceprint; a failure is answered as Error."""

    def enrol(self, sample: VoiceSample, required_seconds: float) -> Enrolment:
        """Add the call's audio so far to the enrolment; the voiceprint is made once the net
        speech reaches ``required_seconds``. VoiceProviderError on failure."""

    def opt_out(self, speaker_id: str, contact_id: str) -> None:
        """Delete the speaker's voiceprint and refuse future enrolment. VoiceProviderError."""


@dataclass(frozen=True)
class VoicePolicy:
    """The equivalent of Voice ID's "Set security behavior" block, as configuration."""

    threshold: int = 90
    verify_speech_seconds: float = 10.0
    enrol_speech_seconds: float = 30.0

    @classmethod
    def from_settings(cls, config: Settings) -> VoicePolicy:
        return cls(
            threshold=config.voice_threshold,
            verify_speech_seconds=config.voice_verify_speech_seconds,
            enrol_speech_seconds=config.voice_enrol_speech_seconds,
        )

    def judge(self, outcome: VoiceOutcome) -> VoiceCheck:
        """Our verdict on a provider's answer: too little speech is Inconclusive, a score below
        the threshold is NotAuthenticated; Inconclusive and Error never pass."""
        enough = outcome.net_speech_seconds >= self.verify_speech_seconds
        result = outcome.result
        compared = result in (VoiceResult.AUTHENTICATED, VoiceResult.NOT_AUTHENTICATED)
        if compared and not enough:
            result = VoiceResult.INCONCLUSIVE
        elif result is VoiceResult.AUTHENTICATED and (
            outcome.score is None or outcome.score < self.threshold
        ):
            result = VoiceResult.NOT_AUTHENTICATED
        return VoiceCheck(result, outcome.score, outcome.net_speech_seconds, enough)


@dataclass(frozen=True)
class VoiceCheck:
    """A verification after our policy: the only place ``passed`` is decided."""

    result: VoiceResult
    score: int | None
    net_speech_seconds: float
    enough_speech: bool

    @property
    def passed(self) -> bool:
        return self.result is VoiceResult.AUTHENTICATED


class EnrolmentStep(StrEnum):
    ENROLLED = "Enrolled"
    NEEDS_MORE_SPEECH = "NeedsMoreSpeech"
    NOT_ALLOWED = "NotAllowed"  # the caller has not proven keypad answer + SMS code this call
    OPTED_OUT = "OptedOut"
    ERROR = "Error"


@dataclass(frozen=True)
class EnrolmentAnswer:
    step: EnrolmentStep
    net_speech_seconds: float = 0.0


def speaker_id_for(pepper: bytes, customer: Customer) -> str:
    """The customer's id at the provider: a keyed hash of their number, so the third party
    holds voiceprints it cannot tie to a phone number or an account."""
    return "spk_" + keyed_hash(pepper, "voice-speaker", customer.phone)[:32]


@dataclass(frozen=True)
class VoiceServices:
    """What the voice steps need, passed as one keyword argument from the handler."""

    provider: VoiceProvider
    callers: CallerStore
    activity: ActivityLog
    policy: VoicePolicy
    pepper: bytes


def voice_status(
    customer: Customer, contact_id: str, *, services: VoiceServices, now: datetime
) -> VoiceEnrolment | None:
    """Enrolled callers are asked to speak and verified; NotEnrolled callers are offered
    enrolment; OptedOut callers go to the keypad. None: the provider could not say."""
    if customer.voice_enrolment is VoiceEnrolment.OPTED_OUT:
        # The caller withdrew consent: no audio of theirs goes to the provider again.
        record(services.activity, contact_id, now, "voice: opted out, keypad instead")
        return VoiceEnrolment.OPTED_OUT
    try:
        status = services.provider.status(speaker_id_for(services.pepper, customer), contact_id)
    except VoiceProviderError as failure:
        logger.warning("voice status failed", extra={"errorCode": failure.code})
        record(services.activity, contact_id, now, "voice: error, keypad instead")
        return None
    _remember(customer, status, services.callers)
    if status is not VoiceEnrolment.ENROLLED:
        record(services.activity, contact_id, now, f"voice: {_spoken(status.value)}")
    return status


def verify_voice(
    customer: Customer, sample: VoiceSample, *, services: VoiceServices, now: datetime
) -> VoiceCheck:
    """Verify the caller's voice and record the verdict for the agent's transcript."""
    if customer.voice_enrolment is VoiceEnrolment.OPTED_OUT:
        check = VoiceCheck(VoiceResult.OPTED_OUT, None, 0.0, False)
    else:
        check = services.policy.judge(services.provider.verify(sample))
        if check.result in (VoiceResult.NOT_ENROLLED, VoiceResult.OPTED_OUT):
            _remember(customer, VoiceEnrolment(check.result.value), services.callers)
    text = f"voice: {_spoken(check.result.value)}"
    compared = (VoiceResult.AUTHENTICATED, VoiceResult.NOT_AUTHENTICATED)
    if check.score is not None and check.result in compared:
        text += f" (score {check.score})"
    if check.result is VoiceResult.INCONCLUSIVE and not check.enough_speech:
        text += " (not enough speech)"
    record(services.activity, sample.contact_id, now, text)
    return check


def enrol_voice(
    customer: Customer,
    sample: VoiceSample,
    *,
    proven: bool,
    services: VoiceServices,
    now: datetime,
) -> EnrolmentAnswer:
    """Add the call's speech to the caller's enrolment. Only a caller who has proven both the
    keypad answer and possession of the number on record (``proven``) may enrol: otherwise an
    impostor knowing four public-ish digits could put their own voice on the account."""
    if not proven:
        record(services.activity, sample.contact_id, now, "voice: enrolment refused (not proven)")
        return EnrolmentAnswer(EnrolmentStep.NOT_ALLOWED)
    if customer.voice_enrolment is VoiceEnrolment.OPTED_OUT:
        return EnrolmentAnswer(EnrolmentStep.OPTED_OUT)
    required = services.policy.enrol_speech_seconds
    try:
        progress = services.provider.enrol(sample, required)
    except VoiceProviderError as failure:
        logger.warning("voice enrolment failed", extra={"errorCode": failure.code})
        record(services.activity, sample.contact_id, now, "voice: enrolment error")
        return EnrolmentAnswer(EnrolmentStep.ERROR)
    seconds = progress.net_speech_seconds
    if not progress.enrolled:
        text = f"voice: enrolment needs more speech ({seconds:.0f} of {required:.0f} s)"
        record(services.activity, sample.contact_id, now, text)
        return EnrolmentAnswer(EnrolmentStep.NEEDS_MORE_SPEECH, seconds)
    services.callers.set_voice_enrolment(
        customer.phone,
        VoiceEnrolment.ENROLLED,
        note=ActivityEvent(
            sample.contact_id, now, "auth", f"voice: enrolled ({seconds:.0f} s of speech)"
        ),
        activity=services.activity,
    )
    return EnrolmentAnswer(EnrolmentStep.ENROLLED, seconds)


def opt_out_of_voice(
    customer: Customer, contact_id: str, *, services: VoiceServices, now: datetime
) -> None:
    """The caller declined voice authentication: never ask again, delete any voiceprint.

    Our record is written first and alone decides future calls (no audio of an opted-out caller
    goes to the provider). A provider that cannot be reached now is logged as an error so
    operations can have the voiceprint deleted.
    """
    services.callers.set_voice_enrolment(customer.phone, VoiceEnrolment.OPTED_OUT)
    try:
        services.provider.opt_out(speaker_id_for(services.pepper, customer), contact_id)
    except VoiceProviderError as failure:
        logger.error("voice opt-out not delivered to provider", extra={"errorCode": failure.code})
    record(services.activity, contact_id, now, "voice: caller opted out")


def _remember(customer: Customer, status: VoiceEnrolment, callers: CallerStore) -> None:
    """Keep the customer record in step with the provider (caller lookup reports it)."""
    if customer.voice_enrolment is status or customer.voice_enrolment is VoiceEnrolment.OPTED_OUT:
        return
    try:
        callers.set_voice_enrolment(customer.phone, status)
    except StoreUnavailableError:
        logger.warning("voice enrolment status not saved")


def _spoken(result: str) -> str:
    """NotAuthenticated -> "not authenticated", for the transcript."""
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in result)
    return words.strip()


def record(activity: ActivityLog, contact_id: str, now: datetime, text: str) -> None:
    """An authentication step for the agent's transcript. Never holds digits the caller
    pressed. A failing activity log never fails the authentication itself."""
    try:
        activity.append(ActivityEvent(contact_id, now, "auth", text))
    except StoreUnavailableError:
        logger.warning("activity not recorded")

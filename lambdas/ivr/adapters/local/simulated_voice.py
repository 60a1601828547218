"""The simulated voice provider: the local contact center chooses each call's outcome.

Selected with ``VOICE_PROVIDER=simulated``. The outcome is per contact: the simulator registers
a scenario's ``call.voice`` (or ``ivr call --voice``) for the contact id before the call starts,
with ``simulated_voice().script(contact_id, outcome)``; the in-process Lambdas then get that
outcome through ``wiring.voice_provider()``, which returns the same registry. A contact nobody
scripted gets ``not_enrolled``. Nothing travels in the contact's attributes or the Lambda event,
so the flows and handlers run exactly as they would against a real provider.

Outcomes: authenticated, not_authenticated, inconclusive, not_enrolled, opted_out, error,
not_enough_speech (the caller never says enough for a verification or an enrolment),
new_caller_not_enough_speech (not enrolled, and never says enough to enrol). Net speech
is simulated per sample: a verification sample has 12 s (3 s when speech is short), an
enrolment sample 16 s (4 s when short), so an enrolment of 30 s takes two questions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ivr.auth.voice import (
    Enrolment,
    VoiceOutcome,
    VoiceProviderError,
    VoiceResult,
    VoiceSample,
)
from ivr.callers import VoiceEnrolment

OUTCOMES = (
    "authenticated",
    "not_authenticated",
    "inconclusive",
    "not_enrolled",
    "opted_out",
    "error",
    "not_enough_speech",
    "new_caller_not_enough_speech",
)

VERIFY_SAMPLE_SECONDS = 12.0
ENROL_SAMPLE_SECONDS = 16.0
SHORT_SAMPLE_SECONDS = 3.0
SHORT_ENROL_SAMPLE_SECONDS = 4.0

_RESULTS = {
    "authenticated": (VoiceResult.AUTHENTICATED, 96),
    "not_authenticated": (VoiceResult.NOT_AUTHENTICATED, 23),
    "inconclusive": (VoiceResult.INCONCLUSIVE, None),
    "not_enrolled": (VoiceResult.NOT_ENROLLED, None),
    "opted_out": (VoiceResult.OPTED_OUT, None),
    "error": (VoiceResult.ERROR, None),
    "not_enough_speech": (VoiceResult.AUTHENTICATED, 96),  # the policy finds too little speech
    "new_caller_not_enough_speech": (VoiceResult.NOT_ENROLLED, None),  # and enrols too little
}


_NEW_CALLERS = frozenset({"not_enrolled", "new_caller_not_enough_speech"})


def outcome_name(value: str) -> str:
    """``not_enough_speech``, ``NotEnoughSpeech`` and ``not-enough-speech`` are one outcome."""
    squashed = value.replace("_", "").replace("-", "").replace(" ", "").lower()
    for name in OUTCOMES:
        if name.replace("_", "") == squashed:
            return name
    raise ValueError(f"unknown simulated voice outcome {value!r}; one of {', '.join(OUTCOMES)}")


@dataclass
class _Contact:
    outcome: str
    verify_samples: int = 0
    enrol_seconds: float = 0.0
    enrolled: bool = False
    opted_out: bool = False

    @property
    def short_speech(self) -> bool:
        return self.outcome in {"not_enough_speech", "new_caller_not_enough_speech"}


class SimulatedVoiceProvider:
    """Implements ``ivr.auth.voice.VoiceProvider`` from per-contact scripted outcomes."""

    def __init__(self, default_outcome: str = "not_enrolled") -> None:
        self.default_outcome = outcome_name(default_outcome)
        self._contacts: dict[str, _Contact] = {}
        self._lock = threading.Lock()

    def script(self, contact_id: str, outcome: str) -> None:
        with self._lock:
            self._contacts[contact_id] = _Contact(outcome_name(outcome))

    def forget(self, contact_id: str) -> None:
        with self._lock:
            self._contacts.pop(contact_id, None)

    def _contact(self, contact_id: str) -> _Contact:
        with self._lock:
            return self._contacts.setdefault(contact_id, _Contact(self.default_outcome))

    def status(self, speaker_id: str, contact_id: str) -> VoiceEnrolment:
        contact = self._contact(contact_id)
        if contact.opted_out or contact.outcome == "opted_out":
            return VoiceEnrolment.OPTED_OUT
        if contact.enrolled or contact.outcome not in _NEW_CALLERS:
            return VoiceEnrolment.ENROLLED
        return VoiceEnrolment.NOT_ENROLLED

    def verify(self, sample: VoiceSample) -> VoiceOutcome:
        contact = self._contact(sample.contact_id)
        with self._lock:
            contact.verify_samples += 1
            per_sample = SHORT_SAMPLE_SECONDS if contact.short_speech else VERIFY_SAMPLE_SECONDS
            speech = per_sample * contact.verify_samples
        if contact.opted_out:
            return VoiceOutcome(VoiceResult.OPTED_OUT)
        result, score = _RESULTS[contact.outcome]
        if contact.enrolled and result is VoiceResult.NOT_ENROLLED:
            result, score = VoiceResult.AUTHENTICATED, 96
        return VoiceOutcome(result, score, speech)

    def enrol(self, sample: VoiceSample, required_seconds: float) -> Enrolment:
        contact = self._contact(sample.contact_id)
        if contact.outcome == "error":
            raise VoiceProviderError("simulated provider error")
        if contact.opted_out or contact.outcome == "opted_out":
            raise VoiceProviderError("the speaker opted out")
        with self._lock:
            short = contact.short_speech
            contact.enrol_seconds += SHORT_ENROL_SAMPLE_SECONDS if short else ENROL_SAMPLE_SECONDS
            contact.enrolled = contact.enrolled or contact.enrol_seconds >= required_seconds
            return Enrolment(contact.enrolled, contact.enrol_seconds)

    def opt_out(self, speaker_id: str, contact_id: str) -> None:
        contact = self._contact(contact_id)
        if contact.outcome == "error":
            raise VoiceProviderError("simulated provider error")
        with self._lock:
            contact.opted_out = True
            contact.enrolled = False


_REGISTRY = SimulatedVoiceProvider()


def simulated_voice() -> SimulatedVoiceProvider:
    """The one simulated provider of this process: the simulator scripts it, the Lambdas ask it."""
    return _REGISTRY

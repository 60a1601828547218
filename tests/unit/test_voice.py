"""The voice policy, the simulated provider, and the voice steps, with in-memory stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ivr.adapters.local.simulated_voice import SimulatedVoiceProvider, outcome_name
from ivr.auth.voice import (
    EnrolmentStep,
    VoiceOutcome,
    VoicePolicy,
    VoiceResult,
    VoiceSample,
    VoiceServices,
    enrol_voice,
    opt_out_of_voice,
    speaker_id_for,
    verify_voice,
    voice_status,
)
from ivr.callers import VoiceEnrolment
from tests import fakes
from tests.unit.test_keypad_auth import PEPPER, ana

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
POLICY = VoicePolicy(threshold=90, verify_speech_seconds=10, enrol_speech_seconds=30)


@pytest.mark.parametrize(
    ("outcome", "verdict"),
    [
        (VoiceOutcome(VoiceResult.AUTHENTICATED, 96, 12), VoiceResult.AUTHENTICATED),
        (VoiceOutcome(VoiceResult.AUTHENTICATED, 89, 12), VoiceResult.NOT_AUTHENTICATED),
        (VoiceOutcome(VoiceResult.AUTHENTICATED, None, 12), VoiceResult.NOT_AUTHENTICATED),
        (VoiceOutcome(VoiceResult.AUTHENTICATED, 99, 4), VoiceResult.INCONCLUSIVE),
        (VoiceOutcome(VoiceResult.INCONCLUSIVE, 99, 30), VoiceResult.INCONCLUSIVE),
        (VoiceOutcome(VoiceResult.ERROR, 99, 30), VoiceResult.ERROR),
    ],
)
def test_only_a_score_at_the_threshold_with_enough_speech_passes(
    outcome: VoiceOutcome, verdict: VoiceResult
) -> None:
    check = POLICY.judge(outcome)
    assert check.result is verdict
    assert check.passed is (verdict is VoiceResult.AUTHENTICATED)


def test_the_threshold_is_configuration() -> None:
    lenient = VoicePolicy(threshold=80)
    assert lenient.judge(VoiceOutcome(VoiceResult.AUTHENTICATED, 85, 12)).passed


def test_simulated_outcomes_accept_every_spelling() -> None:
    assert outcome_name("NotEnoughSpeech") == "not_enough_speech"
    assert outcome_name("not-authenticated") == "not_authenticated"
    with pytest.raises(ValueError):
        outcome_name("maybe")


def services(provider: SimulatedVoiceProvider) -> VoiceServices:
    callers = fakes.FakeCallerStore()
    callers.save(ana())
    return VoiceServices(provider, callers, fakes.FakeActivityLog(), POLICY, PEPPER)


def sample(contact: str = "c1") -> VoiceSample:
    return VoiceSample(contact, speaker_id_for(PEPPER, ana()))


def test_the_provider_never_sees_the_phone_number() -> None:
    assert "3125550142" not in speaker_id_for(PEPPER, ana())
    assert speaker_id_for(PEPPER, ana()) == speaker_id_for(PEPPER, ana())


def test_a_verified_voice_is_logged_with_its_score() -> None:
    provider = SimulatedVoiceProvider()
    provider.script("c1", "authenticated")
    voice = services(provider)
    assert verify_voice(ana(), sample(), services=voice, now=T0).passed
    assert [e.text for e in voice.activity.for_contact("c1")] == ["voice: authenticated (score 96)"]


def test_too_little_speech_is_inconclusive_and_logged_so() -> None:
    provider = SimulatedVoiceProvider()
    provider.script("c1", "not_enough_speech")
    voice = services(provider)
    check = verify_voice(ana(), sample(), services=voice, now=T0)
    assert check.result is VoiceResult.INCONCLUSIVE and not check.enough_speech
    assert voice.activity.for_contact("c1")[0].text == "voice: inconclusive (not enough speech)"


def test_an_opted_out_caller_is_never_sent_to_the_provider() -> None:
    provider = SimulatedVoiceProvider()
    provider.script("c1", "authenticated")
    voice = services(provider)
    opt_out_of_voice(ana(), "c0", services=voice, now=T0)
    customer = voice.callers.find_by_phone(ana().phone)
    assert customer is not None and customer.voice_enrolment is VoiceEnrolment.OPTED_OUT
    assert voice_status(customer, "c1", services=voice, now=T0) is VoiceEnrolment.OPTED_OUT
    assert verify_voice(customer, sample(), services=voice, now=T0).result is VoiceResult.OPTED_OUT


def test_enrolment_needs_proof_first() -> None:
    provider = SimulatedVoiceProvider()
    provider.script("c1", "not_enrolled")
    voice = services(provider)
    refused = enrol_voice(ana(), sample(), proven=False, services=voice, now=T0)
    assert refused.step is EnrolmentStep.NOT_ALLOWED


def test_enrolment_asks_for_more_speech_until_there_is_enough() -> None:
    provider = SimulatedVoiceProvider()
    provider.script("c1", "not_enrolled")
    voice = services(provider)
    first = enrol_voice(ana(), sample(), proven=True, services=voice, now=T0)
    second = enrol_voice(ana(), sample(), proven=True, services=voice, now=T0)
    assert (first.step, second.step) == (EnrolmentStep.NEEDS_MORE_SPEECH, EnrolmentStep.ENROLLED)
    customer = voice.callers.find_by_phone(ana().phone)
    assert customer is not None and customer.voice_enrolment is VoiceEnrolment.ENROLLED


def test_a_caller_who_never_says_enough_is_not_enrolled() -> None:
    provider = SimulatedVoiceProvider()
    provider.script("c1", "not_enough_speech")
    voice = services(provider)
    steps = [enrol_voice(ana(), sample(), proven=True, services=voice, now=T0).step for _ in "abc"]
    assert steps == [EnrolmentStep.NEEDS_MORE_SPEECH] * 3

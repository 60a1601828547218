"""Flows exported before Voice ID's end of support still run: CheckVoiceId asks the voice port."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from simulator.call import CallSetup, place_call
from simulator.flows import FlowLibrary
from simulator.people import ScriptedCaller

LEGACY = Path(__file__).parent.parent / "flows" / "legacy"


@pytest.mark.parametrize(
    ("voice", "heard"),
    [
        ("authenticated", "Voice ID: Authenticated"),
        ("not_authenticated", "Voice ID: NotAuthenticated"),
        ("inconclusive", "Voice ID: Inconclusive"),
        ("not_enough_speech", "Voice ID: Inconclusive"),  # our minimum speech applies here too
        ("not_enrolled", "Voice ID: NotEnrolled"),
        ("opted_out", "Voice ID: OptedOut"),
        ("error", "Voice ID: error branch"),  # CheckVoiceId has no Error result
    ],
)
def test_a_legacy_voice_id_flow_is_answered_by_the_voice_provider_port(
    aws: None, voice: str, heard: str
) -> None:
    setup = CallSetup(
        "+13125550142",
        datetime.fromisoformat("2026-12-01T09:30:00-06:00"),
        voice=voice,
        entry_flow="voice_id_check",
    )
    record = place_call(setup, ScriptedCaller.from_steps([]), FlowLibrary.from_directory(LEGACY))
    assert record.prompts == [heard]
    assert record.ended == "disconnected"

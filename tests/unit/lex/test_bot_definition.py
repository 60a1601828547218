"""lex_bots/ivr_bot.json: valid AWS::Lex::Bot properties, and a bot the emulator can run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.lex.bot import BotDefinitionError, load_bot
from simulator.paths import LEX_BOTS

DEFINITION = LEX_BOTS / "ivr_bot.json"


def properties() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DEFINITION.read_text())
    return loaded


def test_definition_passes_cfn_lint_as_a_lex_bot_resource() -> None:
    from cfnlint.api import lint

    bot = {**properties(), "RoleArn": "arn:aws:iam::123456789012:role/LexRuntime"}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Bot": {"Type": "AWS::Lex::Bot", "Properties": bot}},
    }
    assert [str(match) for match in lint(json.dumps(template))] == []


def test_deployer_adds_the_role() -> None:
    assert "RoleArn" not in properties()


#: Lex V2's build-time quota of sample utterances per intent.
MAX_UTTERANCES_PER_INTENT = 1500


def test_every_intent_but_the_fallback_has_at_least_ten_sample_utterances() -> None:
    locale = properties()["BotLocales"][0]
    for intent in locale["Intents"]:
        samples = [u["Utterance"].lower() for u in intent.get("SampleUtterances", [])]
        if intent.get("ParentIntentSignature") == "AMAZON.FallbackIntent":
            assert samples == [], "Lex refuses utterances on the fallback intent"
        else:
            assert 10 <= len(samples) <= MAX_UTTERANCES_PER_INTENT, intent["Name"]
            assert len(set(samples)) == len(samples), f"{intent['Name']} repeats an utterance"


def test_no_sample_utterance_belongs_to_two_intents() -> None:
    """Lex's build refuses an utterance used by two intents; the emulator would pick one."""
    owners: dict[str, str] = {}
    for intent in properties()["BotLocales"][0]["Intents"]:
        for sample in intent.get("SampleUtterances", []):
            said = sample["Utterance"].lower()
            assert said not in owners, f"{said!r} in {owners.get(said)} and {intent['Name']}"
            owners[said] = intent["Name"]


def test_every_slot_has_a_prompt_for_when_the_code_hook_asks_for_it() -> None:
    bot = load_bot(DEFINITION)
    for intent in bot.intents.values():
        for slot in intent.slots.values():
            assert slot.prompt, f"{intent.name}.{slot.name}"


def test_every_intent_calls_the_code_hook() -> None:
    bot = load_bot(DEFINITION)
    assert all(intent.fulfilment_hook for intent in bot.intents.values())
    assert all(i.dialog_hook for i in bot.intents.values() if not i.is_fallback)


def test_utterance_naming_a_missing_slot_is_refused(tmp_path: Path) -> None:
    bot = properties()
    bot["BotLocales"][0]["Intents"][0]["SampleUtterances"].append({"Utterance": "pay {Tip}"})
    path = tmp_path / "bot.json"
    path.write_text(json.dumps(bot))
    with pytest.raises(BotDefinitionError, match="Tip"):
        load_bot(path)


def test_bot_without_a_fallback_intent_is_refused(tmp_path: Path) -> None:
    bot = properties()
    intents = bot["BotLocales"][0]["Intents"]
    bot["BotLocales"][0]["Intents"] = [i for i in intents if "ParentIntentSignature" not in i]
    path = tmp_path / "bot.json"
    path.write_text(json.dumps(bot))
    with pytest.raises(BotDefinitionError, match="FallbackIntent"):
        load_bot(path)

"""The bot definitions in lex_bots/*.json (AWS::Lex::Bot properties), as the emulator needs them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.lex.text import normalise, template_tokens

FALLBACK_SIGNATURE = "AMAZON.FallbackIntent"
BUILT_IN_SLOT_TYPES = frozenset(
    {"AMAZON.Number", "AMAZON.Date", "AMAZON.Time", "AMAZON.Confirmation", "AMAZON.AlphaNumeric"}
)


class BotDefinitionError(ValueError):
    """A file in lex_bots/ is not a bot the emulator (or Lex) can build."""


@dataclass(frozen=True)
class SlotDef:
    name: str
    type_name: str
    required: bool
    prompt: str | None
    max_retries: int


@dataclass(frozen=True)
class IntentDef:
    name: str
    templates: tuple[tuple[str, ...], ...]  # sample utterances as tokens, slots as "{Name}"
    slots: Mapping[str, SlotDef]  # in elicitation order (SlotPriorities)
    dialog_hook: bool
    fulfilment_hook: bool
    is_fallback: bool = False
    confirmation_prompt: str | None = None
    confirmation_retries: int = 2
    declination: str | None = None
    closing: str | None = None


@dataclass(frozen=True)
class SlotTypeDef:
    name: str
    phrases: Mapping[tuple[str, ...], str]  # a value or synonym, as tokens -> the sample value
    top_resolution: bool  # ValueSelectionSetting.ResolutionStrategy TOP_RESOLUTION


@dataclass(frozen=True)
class BotDef:
    name: str
    locale_id: str
    idle_session_ttl: int
    confidence_threshold: float
    intents: Mapping[str, IntentDef]
    slot_types: Mapping[str, SlotTypeDef]

    @property
    def fallback(self) -> IntentDef:
        return next(intent for intent in self.intents.values() if intent.is_fallback)


def load_bots(directory: Path, locale_id: str = "en_US") -> dict[str, BotDef]:
    """Every *.json in ``directory``, by bot Name."""
    bots = [load_bot(path, locale_id) for path in sorted(directory.glob("*.json"))]
    return {bot.name: bot for bot in bots}


def load_bot(path: Path, locale_id: str = "en_US") -> BotDef:
    try:
        properties = json.loads(path.read_text())
        bot = _bot(properties, locale_id)
    except (KeyError, TypeError, IndexError, StopIteration, json.JSONDecodeError) as exc:
        raise BotDefinitionError(f"{path}: not an AWS::Lex::Bot definition ({exc!r})") from exc
    except BotDefinitionError as exc:
        raise BotDefinitionError(f"{path}: {exc}") from exc
    return bot


def _bot(properties: dict[str, Any], locale_id: str) -> BotDef:
    locale = next(loc for loc in properties["BotLocales"] if loc["LocaleId"] == locale_id)
    slot_types = {item["Name"]: _slot_type(item) for item in locale.get("SlotTypes", [])}
    intents = {item["Name"]: _intent(item) for item in locale["Intents"]}
    _check(intents, slot_types)
    return BotDef(
        name=properties["Name"],
        locale_id=locale_id,
        idle_session_ttl=int(properties["IdleSessionTTLInSeconds"]),
        confidence_threshold=float(locale["NluConfidenceThreshold"]),
        intents=intents,
        slot_types=slot_types,
    )


def _check(intents: Mapping[str, IntentDef], slot_types: Mapping[str, SlotTypeDef]) -> None:
    """What Lex's build would reject: no fallback intent, unknown slot types or slot references."""
    if sum(intent.is_fallback for intent in intents.values()) != 1:
        raise BotDefinitionError(f"needs exactly one intent based on {FALLBACK_SIGNATURE}")
    for intent in intents.values():
        for slot in intent.slots.values():
            if slot.type_name not in slot_types and slot.type_name not in BUILT_IN_SLOT_TYPES:
                raise BotDefinitionError(
                    f"{intent.name}.{slot.name}: unknown type {slot.type_name}"
                )
        for template in intent.templates:
            for token in template:
                if token.startswith("{") and token[1:-1] not in intent.slots:
                    raise BotDefinitionError(f"{intent.name}: utterance names unknown slot {token}")


def _intent(item: dict[str, Any]) -> IntentDef:
    slots = {slot["Name"]: _slot(slot) for slot in item.get("Slots", [])}
    priority = {p["SlotName"]: int(p["Priority"]) for p in item.get("SlotPriorities", [])}
    ordered = sorted(slots, key=lambda name: priority.get(name, len(priority) + 1))
    confirmation = item.get("IntentConfirmationSetting") or {}
    closing = item.get("IntentClosingSetting") or {}
    return IntentDef(
        name=item["Name"],
        templates=tuple(
            tuple(template_tokens(u["Utterance"])) for u in item.get("SampleUtterances", [])
        ),
        slots={name: slots[name] for name in ordered},
        dialog_hook=bool((item.get("DialogCodeHook") or {}).get("Enabled")),
        fulfilment_hook=bool((item.get("FulfillmentCodeHook") or {}).get("Enabled")),
        is_fallback=item.get("ParentIntentSignature") == FALLBACK_SIGNATURE,
        confirmation_prompt=message_text(confirmation.get("PromptSpecification")),
        confirmation_retries=_max_retries(confirmation.get("PromptSpecification")),
        declination=message_text(confirmation.get("DeclinationResponse")),
        closing=message_text(closing.get("ClosingResponse")),
    )


def _slot(item: dict[str, Any]) -> SlotDef:
    elicitation = item["ValueElicitationSetting"]
    return SlotDef(
        name=item["Name"],
        type_name=item["SlotTypeName"],
        required=elicitation["SlotConstraint"] == "Required",
        prompt=message_text(elicitation.get("PromptSpecification")),
        max_retries=_max_retries(elicitation.get("PromptSpecification")),
    )


def _slot_type(item: dict[str, Any]) -> SlotTypeDef:
    phrases: dict[tuple[str, ...], str] = {}
    for entry in item.get("SlotTypeValues", []):
        value = entry["SampleValue"]["Value"]
        for said in [value, *(synonym["Value"] for synonym in entry.get("Synonyms", []))]:
            phrases.setdefault(tuple(normalise(said)), value)
    strategy = (item.get("ValueSelectionSetting") or {}).get("ResolutionStrategy")
    return SlotTypeDef(item["Name"], phrases, top_resolution=strategy == "TOP_RESOLUTION")


def message_text(specification: Mapping[str, Any] | None) -> str | None:
    """The first message of a Prompt- or ResponseSpecification (Lex picks one; we take the 1st)."""
    if not specification:
        return None
    message = specification["MessageGroupsList"][0]["Message"]
    for kind in ("PlainTextMessage", "SSMLMessage"):
        if kind in message:
            return str(message[kind]["Value"])
    return None


def _max_retries(specification: Mapping[str, Any] | None) -> int:
    return int((specification or {}).get("MaxRetries", 2))

"""The Lex V2 code hook contract: the event Lex sends the Lambda, and the checks on its answer.

Shapes from the Lex V2 developer guide: lambda-input-format, lambda-common-structures,
lambda-response-format. An answer Lex would reject raises InvalidCodeHookResponseError (Lex answers
RecognizeText with DependencyFailedException, and Connect takes the block's error branch).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from simulator.lex.values import SlotValue
from simulator.ports import LambdaInvocationError

DIALOG_ACTIONS = frozenset({"Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot"})
INTENT_STATES = frozenset(
    {"Failed", "Fulfilled", "FulfillmentInProgress", "InProgress", "ReadyForFulfillment", "Waiting"}
)
CONFIRMATION_STATES = frozenset({"Confirmed", "Denied", "None"})
CONTENT_TYPES = frozenset({"PlainText", "SSML", "CustomPayload", "ImageResponseCard"})
_SSML_TAG = re.compile(r"<[^>]*>")


class CodeHookError(LambdaInvocationError):
    """The hook failed: Lex answers DependencyFailedException; Connect takes the error branch."""


class InvalidCodeHookResponseError(CodeHookError):
    """The code hook answered something Lex V2 rejects."""


@dataclass(frozen=True)
class BotIdentity:
    id: str
    name: str
    alias_id: str
    alias_name: str
    locale_id: str
    version: str = "DRAFT"

    def to_lex(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name": self.name,
            "aliasId": self.alias_id,
            "aliasName": self.alias_name,
            "localeId": self.locale_id,
            "version": self.version,
        }


@dataclass(frozen=True)
class HookResponse:
    """A code hook answer that passed the checks."""

    action: str
    slot_to_elicit: str | None
    intent_name: str | None
    intent_state: str | None
    confirmation_state: str | None
    slots: dict[str, SlotValue | None] | None
    session_attributes: dict[str, str] | None
    messages: list[str]


def intent_to_lex(
    name: str, slots: Mapping[str, SlotValue | None], state: str, confirmation: str
) -> dict[str, Any]:
    return {
        "name": name,
        "slots": {slot: value.to_lex() if value else None for slot, value in slots.items()},
        "state": state,
        "confirmationState": confirmation,
    }


def parse_response(raw: object, intent_slots: Mapping[str, Collection[str]]) -> HookResponse:
    """Check an answer as Lex does; ``intent_slots`` names the bot's intents and their slots."""
    response = _mapping(raw, "the response")
    state = _mapping(response.get("sessionState"), "sessionState (always required)")
    action = _mapping(state.get("dialogAction"), "sessionState.dialogAction")
    kind = action.get("type")
    if kind not in DIALOG_ACTIONS:
        _fail(f"dialogAction.type must be one of {sorted(DIALOG_ACTIONS)}, not {kind!r}")
    messages = _messages(response.get("messages"))
    if kind in {"ElicitIntent", "ConfirmIntent"} and not messages:
        _fail(f"{kind} needs messages")
    intent = _intent(state.get("intent"), str(kind), intent_slots)
    slot_to_elicit = _slot_to_elicit(action, str(kind), intent, intent_slots)
    return HookResponse(
        action=str(kind),
        slot_to_elicit=slot_to_elicit,
        intent_name=intent.get("name"),
        intent_state=intent.get("state"),
        confirmation_state=intent.get("confirmationState"),
        slots=_slots(intent.get("slots"), intent_slots[intent["name"]]) if intent else None,
        session_attributes=_attributes(state.get("sessionAttributes")),
        messages=messages,
    )


def _intent(raw: object, kind: str, intent_slots: Mapping[str, Collection[str]]) -> dict[str, Any]:
    if raw is None and kind in {"Delegate", "ElicitIntent"}:
        return {}
    intent = _mapping(raw, f"sessionState.intent (required for {kind})")
    if intent.get("name") not in intent_slots:
        _fail(f"sessionState.intent.name {intent.get('name')!r} is not an intent of the bot")
    if intent.get("state") is not None and intent["state"] not in INTENT_STATES:
        _fail(f"intent.state {intent['state']!r} is not one of {sorted(INTENT_STATES)}")
    if kind == "Close" and intent.get("state") not in {"Fulfilled", "Failed"}:
        _fail("Close needs intent.state Fulfilled or Failed")
    confirmation = intent.get("confirmationState")
    if confirmation is not None and confirmation not in CONFIRMATION_STATES:
        _fail(f"intent.confirmationState {confirmation!r} is not one of Confirmed, Denied, None")
    return intent


def _slot_to_elicit(
    action: Mapping[str, Any],
    kind: str,
    intent: Mapping[str, Any],
    intent_slots: Mapping[str, Collection[str]],
) -> str | None:
    if kind != "ElicitSlot":
        return None
    slot = action.get("slotToElicit")
    if slot not in intent_slots[intent["name"]]:
        _fail(f"ElicitSlot needs slotToElicit naming a slot of {intent['name']}, not {slot!r}")
    return str(slot)


def _slots(raw: object, known: Collection[str]) -> dict[str, SlotValue | None] | None:
    if raw is None:
        return None
    slots = _mapping(raw, "intent.slots")
    unknown = set(slots) - set(known)
    if unknown:
        _fail(f"intent.slots names slots the intent does not have: {sorted(unknown)}")
    return {str(name): _slot_value(name, value) for name, value in slots.items()}


def _slot_value(name: object, raw: object) -> SlotValue | None:
    if raw is None:
        return None
    value = _mapping(_mapping(raw, f"slot {name}").get("value"), f"slot {name}.value")
    interpreted = value.get("interpretedValue")
    original = value.get("originalValue", interpreted)
    resolved = value.get("resolvedValues", [interpreted] if interpreted is not None else [])
    if interpreted is not None and not isinstance(interpreted, str):
        _fail(f"slot {name}: interpretedValue must be a string")
    if not isinstance(resolved, list) or not all(isinstance(v, str) for v in resolved):
        _fail(f"slot {name}: resolvedValues must be a list of strings")
    return SlotValue(str(original or ""), interpreted, tuple(resolved))


def _attributes(raw: object) -> dict[str, str] | None:
    if raw is None:
        return None
    attributes = _mapping(raw, "sessionState.sessionAttributes")
    for key, value in attributes.items():
        if not isinstance(value, str):
            _fail(f"sessionAttributes[{key!r}] must be a string, not {type(value).__name__}")
    return {str(key): str(value) for key, value in attributes.items()}


def _messages(raw: object) -> list[str]:
    """The texts the caller hears; CustomPayload and cards are not spoken on a voice call."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        _fail("messages must be a list")
    spoken: list[str] = []
    for message in raw:
        item = _mapping(message, "each message")
        if item.get("contentType") not in CONTENT_TYPES:
            _fail(f"message contentType must be one of {sorted(CONTENT_TYPES)}")
        if item["contentType"] in {"PlainText", "SSML"}:
            if not isinstance(item.get("content"), str) or not item["content"]:
                _fail(f"a {item['contentType']} message needs a non-empty content string")
            spoken.append(_SSML_TAG.sub("", item["content"]).strip())
    return spoken


def _mapping(raw: object, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        _fail(f"{what} must be an object, not {type(raw).__name__}")
    return raw


def _fail(reason: str) -> NoReturn:
    raise InvalidCodeHookResponseError(f"Lex V2 rejects the code hook response: {reason}")


def build_event(
    *,
    bot: BotIdentity,
    session_id: str,
    source: str,
    text: str,
    input_mode: str,
    session_state: dict[str, Any],
    interpretations: list[dict[str, Any]],
    proposed_next_state: dict[str, Any] | None,
) -> dict[str, Any]:
    """The event Lex V2 sends a code hook (messageVersion 1.0)."""
    event: dict[str, Any] = {
        "messageVersion": "1.0",
        "invocationSource": source,
        "inputMode": input_mode,
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": session_id,
        "inputTranscript": text,
        "bot": bot.to_lex(),
        "interpretations": interpretations,
        "requestAttributes": {},
        "sessionState": session_state,
    }
    if proposed_next_state is not None:
        event["proposedNextState"] = proposed_next_state
    if input_mode == "Speech":
        top = interpretations[0]["intent"]["name"] if interpretations else None
        event["transcriptions"] = [
            {
                "transcription": text,
                "transcriptionConfidence": 0.9,
                "resolvedContext": {"intent": top},
            }
        ]
    return event

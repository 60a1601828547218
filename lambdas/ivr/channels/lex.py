"""Amazon Lex V2's code hook: event -> LexRequest (a domain Turn); domain Step -> Lex V2 response.

Shapes from the Lex V2 developer guide (lambda-input-format, lambda-response-format): a response
always carries ``sessionState`` with a ``dialogAction``; ElicitIntent and ConfirmIntent need
``messages``; Close needs ``intent.state`` Fulfilled or Failed. A raised error would make Lex fail
the turn (DependencyFailedException) and Connect drop to its error branch with the caller none the
wiser, so every failure here becomes a reprompt instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ivr.core.errors import IvrError, MalformedEventError
from ivr.core.observability import logger
from ivr.core.settings import settings
from ivr.intents import SORRY, SlotValue, Step, Turn

#: Where a Lex event carries its session id; Connect uses the contact id as the Lex session id.
SESSION_ID_PATH = "sessionId"
INVOCATION_SOURCES = frozenset({"DialogCodeHook", "FulfillmentCodeHook"})
CONFIRMATION_STATES = frozenset({"None", "Confirmed", "Denied"})
#: Lex V2 takes at most 1024 characters of text per turn; intent names are at most 100.
MAX_INPUT_CHARS = 1024
MAX_NAME_CHARS = 100

LexAnswer = dict[str, Any]
DialogActionType = Literal["Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot"]


@dataclass(frozen=True)
class LexRequest:
    """The parts of a Lex V2 code hook event the IVR uses."""

    invocation_source: str  # DialogCodeHook | FulfillmentCodeHook
    intent_name: str
    session_id: str = ""
    input_mode: str = "Text"  # DTMF | Speech | Text
    input_transcript: str = ""
    intent_state: str = "InProgress"
    confirmation_state: str = "None"
    slots: Mapping[str, SlotValue | None] = field(default_factory=dict)
    session_attributes: Mapping[str, str] = field(default_factory=dict)
    request_id: str | None = None  # sessionState.originatingRequestId: the same for both hooks

    @property
    def fulfilment(self) -> bool:
        return self.invocation_source == "FulfillmentCodeHook"

    def turn(self) -> Turn:
        return Turn(
            intent=self.intent_name,
            fulfilment=self.fulfilment,
            said=self.input_transcript,
            slots=self.slots,
            attributes=self.session_attributes,
            confirmation=self.confirmation_state,
            turn_id=self.request_id,
            input_mode=self.input_mode,
        )


def parse_event(event: Any) -> LexRequest:
    """Read a code hook event; MalformedEventError if it is not one."""
    if not isinstance(event, dict):
        raise MalformedEventError("not a Lex V2 code hook event")
    source = event.get("invocationSource")
    if source not in INVOCATION_SOURCES:
        raise MalformedEventError("invocationSource is not DialogCodeHook or FulfillmentCodeHook")
    state = event.get("sessionState")
    if not isinstance(state, dict):
        raise MalformedEventError("event has no sessionState")
    intent = state.get("intent")
    name = intent.get("name") if isinstance(intent, dict) else None
    if not isinstance(intent, dict) or not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
        raise MalformedEventError("event has no sessionState.intent.name")
    confirmation = intent.get("confirmationState")
    return LexRequest(
        invocation_source=str(source),
        intent_name=name,
        session_id=_text(event.get("sessionId"))[:MAX_INPUT_CHARS],
        input_mode=_text(event.get("inputMode")) or "Text",
        input_transcript=_text(event.get("inputTranscript"))[:MAX_INPUT_CHARS],
        intent_state=_text(intent.get("state")) or "InProgress",
        confirmation_state=confirmation if confirmation in CONFIRMATION_STATES else "None",
        slots=_slots(intent.get("slots")),
        session_attributes=session_attributes_of(event),
        request_id=_text(state.get("originatingRequestId")) or None,
    )


def session_attributes_of(event: Any) -> dict[str, str]:
    """The event's session attributes (string values only), even from a malformed event."""
    state = event.get("sessionState") if isinstance(event, dict) else None
    raw = state.get("sessionAttributes") if isinstance(state, dict) else None
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}


def _slots(raw: object) -> dict[str, SlotValue | None]:
    if not isinstance(raw, dict):
        return {}
    return {name: _slot(value) for name, value in raw.items() if isinstance(name, str)}


def _slot(raw: object) -> SlotValue | None:
    """A Scalar slot's value; a List slot or anything malformed reads as unfilled."""
    value = raw.get("value") if isinstance(raw, dict) else None
    if not isinstance(value, dict):
        return None
    interpreted = value.get("interpretedValue")
    resolved = value.get("resolvedValues")
    return SlotValue(
        original=_text(value.get("originalValue")),
        interpreted=interpreted if isinstance(interpreted, str) else None,
        resolved=tuple(v for v in resolved if isinstance(v, str))
        if isinstance(resolved, list)
        else (),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# --- responses -----------------------------------------------------------------------------------


def elicit_slot(
    request: LexRequest,
    slot: str,
    *,
    slots: Mapping[str, SlotValue | None],
    attributes: Mapping[str, str],
    message: str | None = None,
) -> LexAnswer:
    """Ask for ``slot``; without a message Lex speaks the slot's own prompt."""
    intent = _intent(request, slots, "InProgress")
    return _answer({"type": "ElicitSlot", "slotToElicit": slot}, attributes, message, intent)


def confirm_intent(
    request: LexRequest,
    *,
    slots: Mapping[str, SlotValue | None],
    attributes: Mapping[str, str],
    message: str,
) -> LexAnswer:
    """Ask a yes/no question about the whole intent (Lex requires the message)."""
    intent = _intent(request, slots, "InProgress")
    return _answer({"type": "ConfirmIntent"}, attributes, message, intent)


def delegate(
    request: LexRequest,
    *,
    slots: Mapping[str, SlotValue | None],
    attributes: Mapping[str, str],
    message: str | None = None,
) -> LexAnswer:
    """Let Lex take the next step itself (elicit the next slot, confirm, or fulfil)."""
    intent = _intent(request, slots, "InProgress")
    return _answer({"type": "Delegate"}, attributes, message, intent)


def close(
    request: LexRequest,
    *,
    fulfilled: bool,
    slots: Mapping[str, SlotValue | None],
    attributes: Mapping[str, str],
    message: str | None = None,
) -> LexAnswer:
    """End the intent; Connect leaves the Lex block and routes on the intent name."""
    intent = _intent(request, slots, "Fulfilled" if fulfilled else "Failed")
    return _answer({"type": "Close"}, attributes, message, intent)


def elicit_intent(message: str, attributes: Mapping[str, str]) -> LexAnswer:
    """Start over: ask what the caller wants (Lex requires the message)."""
    return _answer({"type": "ElicitIntent"}, attributes, message or SORRY, None)


def respond(request: LexRequest, step: Step) -> LexAnswer:
    """The Lex answer for the domain's decision (in another intent, when the step switched)."""
    if step.intent and step.intent != request.intent_name:
        request = replace(request, intent_name=step.intent, confirmation_state="None")
    if step.kind == "elicit_slot" and step.slot:
        return elicit_slot(
            request, step.slot, slots=step.slots, attributes=step.attributes, message=step.message
        )
    if step.kind in {"fulfilled", "failed"}:
        fulfilled = step.kind == "fulfilled"
        return close(
            request,
            fulfilled=fulfilled,
            slots=step.slots,
            attributes=step.attributes,
            message=step.message,
        )
    if step.kind == "delegate":
        return delegate(request, slots=step.slots, attributes=step.attributes, message=step.message)
    return elicit_intent(step.message or SORRY, step.attributes)


def _intent(
    request: LexRequest, slots: Mapping[str, SlotValue | None], state: str
) -> dict[str, Any]:
    return {
        "name": request.intent_name,
        "slots": {name: _slot_to_lex(value) for name, value in slots.items()},
        "state": state,
        "confirmationState": request.confirmation_state,
    }


def _slot_to_lex(value: SlotValue | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "shape": "Scalar",
        "value": {
            "originalValue": value.original,
            "interpretedValue": value.interpreted,
            "resolvedValues": list(value.resolved),
        },
    }


def _answer(
    dialog_action: dict[str, str],
    attributes: Mapping[str, str],
    message: str | None,
    intent: dict[str, Any] | None,
) -> LexAnswer:
    session_state: dict[str, Any] = {
        "dialogAction": dialog_action,
        "sessionAttributes": dict(attributes),
    }
    if intent is not None:
        session_state["intent"] = intent
    answer: LexAnswer = {"sessionState": session_state}
    if message:
        answer["messages"] = [{"contentType": "PlainText", "content": message}]
    return answer


# --- the handler wrapper -------------------------------------------------------------------------


def lex_handler(serve: Callable[[LexRequest], LexAnswer]) -> Callable[[Any, Any], LexAnswer]:
    """Wrap a handler body: parse the event, and answer every failure with a reprompt.

    A malformed event or a domain error is expected; anything else is a bug, logged with its
    stack trace. Either way the caller hears "Sorry, how can I help?" and the dialog goes on.
    """

    settings()  # at cold start: a variable the IVR cannot run with fails the init, named

    @functools.wraps(serve)
    def handler(event: Any, context: Any) -> LexAnswer:
        try:
            return serve(parse_event(event))
        except MalformedEventError as error:
            logger.warning("malformed Lex event", extra={"reason": str(error)})
        except IvrError as error:
            logger.warning("request refused", extra={"errorCode": error.code})
        except Exception:
            logger.exception("unexpected failure")
        return elicit_intent(SORRY, session_attributes_of(event))

    return handler

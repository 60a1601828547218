"""One caller turn through a Lex V2 bot: interpret, elicit, confirm, fulfil, and obey the code hook.

Lex's default dialog: fill the intent's required slots in priority order with their prompts, ask the
confirmation prompt if the intent has one, then fulfil. With DialogCodeHook enabled, Lex calls the
code hook on every turn, telling it what it would do next (``proposedNextState``); the answer's
dialog action decides instead (Delegate hands the decision back to Lex). With FulfillmentCodeHook
enabled, fulfilment is a code hook call whose answer closes the intent. A reply that fills no slot
or answers no confirmation is retried up to the prompt's MaxRetries, then the fallback intent runs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from simulator.lex.bot import BotDef, IntentDef
from simulator.lex.codehook import (
    BotIdentity,
    CodeHookError,
    HookResponse,
    build_event,
    intent_to_lex,
    parse_response,
)
from simulator.lex.nlu import Interpretation, Recogniser
from simulator.lex.slots import yes_or_no
from simulator.lex.text import normalise
from simulator.lex.values import SlotValue
from simulator.ports import LexTurn

CodeHook = Callable[[dict[str, Any]], dict[str, Any]]
#: How many interpretations Lex lists in a code hook event (the best first).
MAX_INTERPRETATIONS = 5


@dataclass
class ActiveIntent:
    definition: IntentDef
    slots: dict[str, SlotValue | None]
    state: str = "InProgress"
    confirmation: str = "None"

    @classmethod
    def start(cls, definition: IntentDef, slots: Mapping[str, SlotValue]) -> ActiveIntent:
        return cls(definition, {name: slots.get(name) for name in definition.slots})

    def to_lex(self) -> dict[str, Any]:
        return intent_to_lex(self.definition.name, self.slots, self.state, self.confirmation)


@dataclass
class Session:
    """What Lex keeps between turns of one session (Connect uses the contact id as session id)."""

    session_id: str
    attributes: dict[str, str] = field(default_factory=dict)
    intent: ActiveIntent | None = None
    action: str = "ElicitIntent"  # the last dialog action
    slot_to_elicit: str | None = None
    attempts: int = 0  # replies that did not answer the current prompt
    requests: int = 0
    last_seen: datetime | None = None


@dataclass(frozen=True)
class Step:
    """What Lex would do next: ElicitSlot, ConfirmIntent, Decline or Fulfil."""

    action: str
    slot: str | None = None


class DialogTurn:
    def __init__(
        self,
        *,
        bot: BotDef,
        identity: BotIdentity,
        recogniser: Recogniser,
        code_hook: CodeHook | None,
        session: Session,
        text: str,
        input_mode: str,
        today: date,
        request_id: str,
    ) -> None:
        self.bot, self.identity, self.recogniser = bot, identity, recogniser
        self.code_hook, self.session = code_hook, session
        self.text, self.input_mode, self.today, self.request_id = (
            text,
            input_mode,
            today,
            request_id,
        )
        self.messages: list[str] = []
        self.interpretations: list[Interpretation] = []

    def run(self) -> LexTurn:
        intent = self.session.intent
        if intent is not None and self.session.action == "ElicitSlot":
            self._answer_slot(intent)
        elif intent is not None and self.session.action == "ConfirmIntent":
            self._answer_confirmation(intent)
        else:
            self._start(self.recogniser.interpret(self.text, self.today))
        return self._result()

    # --- the caller's input ---------------------------------------------------------------------

    def _start(self, ranking: list[Interpretation]) -> None:
        self.interpretations = ranking
        top = ranking[0]
        self.session.intent = ActiveIntent.start(self.bot.intents[top.intent], top.slots)
        self.session.attempts = 0
        self._after_input()

    def _answer_slot(self, intent: ActiveIntent) -> None:
        slot = intent.definition.slots[str(self.session.slot_to_elicit)]
        value = self.recogniser.slot_value(slot.type_name, self.text, self.today)
        if value is not None:
            intent.slots[slot.name] = value
            self.session.attempts = 0
            self._after_input()
            return
        ranking = self.recogniser.interpret(self.text, self.today)
        if ranking[0].intent not in {intent.definition.name, self.bot.fallback.name}:
            self._start(ranking)  # the caller changed their mind: Lex switches intent
            return
        self._retry(slot.max_retries, Step("ElicitSlot", slot.name))

    def _answer_confirmation(self, intent: ActiveIntent) -> None:
        answer = yes_or_no(normalise(self.text))
        if answer is None:
            self._retry(intent.definition.confirmation_retries, Step("ConfirmIntent"))
            return
        intent.confirmation = "Confirmed" if answer else "Denied"
        self.session.attempts = 0
        self._after_input()

    def _retry(self, max_retries: int, step: Step) -> None:
        self.session.attempts += 1
        if self.session.attempts > max_retries:
            self.session.attempts = 0
            self.session.intent = ActiveIntent.start(self.bot.fallback, {})
            self._after_input()
            return
        self._after_input(step, attempt=f"Retry{self.session.attempts}")

    # --- Lex's next step, or the dialog code hook's -----------------------------------------------

    def _after_input(self, step: Step | None = None, attempt: str = "Initial") -> None:
        intent = self._intent()
        step = step or self._next_step(intent)
        if intent.definition.dialog_hook and self.code_hook is not None:
            proposed = self._proposed(intent, step, attempt)
            self._obey(self._invoke("DialogCodeHook", proposed), fulfilment=False)
            return
        self._execute(step)

    def _next_step(self, intent: ActiveIntent) -> Step:
        if intent.definition.is_fallback:
            return Step("Fulfil")
        for slot in intent.definition.slots.values():
            if slot.required and intent.slots.get(slot.name) is None:
                return Step("ElicitSlot", slot.name)
        if intent.definition.confirmation_prompt and intent.confirmation == "None":
            return Step("ConfirmIntent")
        if intent.confirmation == "Denied":
            return Step("Decline")
        return Step("Fulfil")

    def _execute(self, step: Step) -> None:
        intent = self._intent()
        if step.action == "ElicitSlot":
            self._elicit_slot(str(step.slot), with_prompt=True)
        elif step.action == "ConfirmIntent":
            self._say(intent.definition.confirmation_prompt)
            self._set_action("ConfirmIntent")
        elif step.action == "Decline":
            self._say(intent.definition.declination)
            self._close("Failed")
        else:
            self._fulfil(intent)

    def _fulfil(self, intent: ActiveIntent) -> None:
        if intent.definition.fulfilment_hook and self.code_hook is not None:
            intent.state = "ReadyForFulfillment"
            self._obey(self._invoke("FulfillmentCodeHook", None), fulfilment=True)
            return
        # Without a fulfilment code hook Lex hands the filled intent back to the client (Connect).
        self._say(intent.definition.closing)
        self._close("ReadyForFulfillment")

    def _obey(self, response: HookResponse, *, fulfilment: bool) -> None:
        if response.session_attributes is not None:
            self.session.attributes = response.session_attributes
        self._adopt_intent(response)
        self.messages.extend(response.messages)
        if response.action == "Close":
            self._close(str(response.intent_state))
        elif response.action == "ElicitSlot":
            self._elicit_slot(str(response.slot_to_elicit), with_prompt=not response.messages)
        elif response.action == "ConfirmIntent":
            self._set_action("ConfirmIntent")
        elif response.action == "ElicitIntent":
            self.session.intent = None
            self._set_action("ElicitIntent")
        elif fulfilment:  # Delegate after fulfilment: nothing is left for Lex to do
            self._close(response.intent_state or "Fulfilled")
        else:
            self._execute(self._next_step(self._intent()))

    def _adopt_intent(self, response: HookResponse) -> None:
        """The code hook may change slots, state and confirmation, or switch to another intent."""
        if response.intent_name is None:
            return
        intent = self.session.intent
        if intent is None or intent.definition.name != response.intent_name:
            intent = ActiveIntent.start(self.bot.intents[response.intent_name], {})
            self.session.intent = intent
        if response.slots is not None:
            intent.slots = {name: response.slots.get(name) for name in intent.definition.slots}
        intent.state = response.intent_state or "InProgress"
        intent.confirmation = response.confirmation_state or intent.confirmation

    # --- effects --------------------------------------------------------------------------------

    def _elicit_slot(self, slot_name: str, *, with_prompt: bool) -> None:
        intent = self._intent()
        if self.session.slot_to_elicit != slot_name:
            self.session.attempts = 0
        intent.state = "InProgress"
        self._set_action("ElicitSlot", slot_name)
        if with_prompt:
            self._say(intent.definition.slots[slot_name].prompt)

    def _close(self, state: str) -> None:
        self._intent().state = state
        self._set_action("Close")

    def _set_action(self, action: str, slot: str | None = None) -> None:
        self.session.action, self.session.slot_to_elicit = action, slot

    def _say(self, template: str | None) -> None:
        """A prompt from the definition; Lex fills {SlotName} with the slot's value."""
        if template:
            self.messages.append(_SLOT_REFERENCE.sub(self._slot_text, template))

    def _slot_text(self, match: re.Match[str]) -> str:
        value = self._intent().slots.get(match.group(1))
        return (value.interpreted or value.original) if value else match.group(0)

    def _intent(self) -> ActiveIntent:
        assert self.session.intent is not None, "the dialog has an active intent here"
        return self.session.intent

    # --- the code hook --------------------------------------------------------------------------

    def _invoke(self, source: str, proposed: dict[str, Any] | None) -> HookResponse:
        event = build_event(
            bot=self.identity,
            session_id=self.session.session_id,
            source=source,
            text=self.text,
            input_mode=self.input_mode,
            session_state=self._session_state(),
            interpretations=self._interpretations(),
            proposed_next_state=proposed,
        )
        assert self.code_hook is not None
        try:
            raw = self.code_hook(copy.deepcopy(event))
        except Exception as exc:  # any failure of the Lambda is Lex's DependencyFailedException
            raise CodeHookError(f"the code hook failed on {source}: {exc!r}") from exc
        known = {name: tuple(intent.slots) for name, intent in self.bot.intents.items()}
        return parse_response(raw, known)

    def _session_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "sessionAttributes": dict(self.session.attributes),
            "activeContexts": [],
            "intent": self._intent().to_lex(),
            "originatingRequestId": self.request_id,
        }
        if self.session.action in {"ElicitSlot", "ConfirmIntent"}:
            state["dialogAction"] = _dialog_action(self.session.action, self.session.slot_to_elicit)
        return state

    def _proposed(self, intent: ActiveIntent, step: Step, attempt: str) -> dict[str, Any] | None:
        if step.action not in {"ElicitSlot", "ConfirmIntent"}:
            return None
        return {
            "dialogAction": _dialog_action(step.action, step.slot),
            "intent": intent.to_lex(),
            "prompt": {"attempt": attempt},
        }

    def _interpretations(self) -> list[dict[str, Any]]:
        current = self._intent()
        ranking = self.interpretations or [Interpretation(current.definition.name, {}, 1.0)]
        listed = []
        for found in ranking[:MAX_INTERPRETATIONS]:
            if found.intent == current.definition.name:
                intent = current.to_lex()
            else:
                other = ActiveIntent.start(self.bot.intents[found.intent], found.slots)
                intent = other.to_lex()
            item: dict[str, Any] = {"intent": intent, "interpretationSource": "Lex"}
            if found.confidence is not None:
                item["nluConfidence"] = found.confidence
            listed.append(item)
        return listed

    def _result(self) -> LexTurn:
        intent = self.session.intent
        return LexTurn(
            messages=list(self.messages),
            dialog_action=self.session.action,
            intent_name=intent.definition.name if intent else None,
            intent_state=intent.state if intent else None,
            slots={
                name: value.interpreted if value else None for name, value in intent.slots.items()
            }
            if intent
            else {},
            session_attributes=dict(self.session.attributes),
            intent_confidence=self.interpretations[0].confidence if self.interpretations else None,
        )


_SLOT_REFERENCE = re.compile(r"\{(\w+)\}")


def _dialog_action(action: str, slot: str | None) -> dict[str, str]:
    return {"type": action, "slotToElicit": slot} if slot else {"type": action}

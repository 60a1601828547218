"""Why the caller is calling: slot rules per intent, the reply to each turn, the running transcript.

The Lex bot (lex_bots/ivr_bot.json) recognises the intent; this module decides, turn by turn,
whether the slots are acceptable, what to ask next and what to say when the intent is done. It knows
no event format: channels/lex.py turns a code hook event into a Turn and a Step into Lex's answer.

Slot values are untrusted input (anyone can type into a chat widget, and speech recognition can
produce anything): each is capped and checked against an allowlist before any rule reads it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Literal

from ivr.callbacks.scheduling import OpeningHours
from ivr.callbacks.times import (
    DAY_PARTS,
    day_part_said,
    keyed_time,
    only_bookable_reading,
    reading_for_day_part,
)
from ivr.core.money import Money


class IntentName(StrEnum):
    CHECK_BALANCE = "CheckBalance"
    MAKE_PAYMENT = "MakePayment"
    TALK_TO_AGENT = "TalkToAgent"
    REQUEST_CALLBACK = "RequestCallback"
    END_CONVERSATION = "EndConversation"  # "no, that's all" to "anything else?"
    CHOOSE_AMOUNT = "ChooseAmount"  # the answer to the payment flow's amount question
    CLARIFY_REQUEST = "ClarifyRequest"
    FALLBACK = "FallbackIntent"


#: Each intent's slots, as in lex_bots/ivr_bot.json (a test keeps the two in step). Lex rejects an
#: answer naming a slot the intent does not have, so other names in an event are dropped.
INTENT_SLOTS: dict[str, tuple[str, ...]] = {
    IntentName.CHECK_BALANCE: (),
    IntentName.MAKE_PAYMENT: ("Amount", "PaymentMethod"),
    IntentName.TALK_TO_AGENT: (),
    IntentName.REQUEST_CALLBACK: ("CallbackDate", "CallbackTime"),
    IntentName.END_CONVERSATION: (),
    IntentName.CHOOSE_AMOUNT: ("Amount",),
    IntentName.CLARIFY_REQUEST: (),
    IntentName.FALLBACK: (),
}

# --- session attributes this module keeps (Lex session attributes are strings) -------------------
TRANSCRIPT = "transcript"  # JSON list of {"who": "caller"|"bot", "text": ...}
INTENT = "intent"  # the last intent the caller asked for, for the agent's whisper
LAST_TURN = "lastTurnId"  # Lex calls the hook twice in one turn (dialog, then fulfilment)
TIME_CHOICES = "callbackTimeChoices"  # "10:00,22:00" while we ask "AM or PM?"
INVALID_REPLIES = "invalidReplies"
FALLBACKS = "fallbacks"
CLARIFICATIONS = "clarifications"  # clarifying questions asked in a row
DAY_PART = "callbackDayPart"  # "AF" while we ask "What time in the afternoon?"
#: Lex's session attribute for the caller's time zone (the callback flow sets it).
TIME_ZONE = "x-amz-lex:time-zone"

SORRY = "Sorry, how can I help?"
HELP = (
    "Sorry, I didn't catch that. You can say check my balance, make a payment, "
    "talk to an agent, or call me back."
)
HAND_OVER = "Let me get someone to help you."
SAY_AGAIN = "Sorry, I didn't catch that. Could you say it again?"
CLARIFY_PAYMENT_OR_BALANCE = "Would you like to hear your balance, or make a payment?"
CLARIFY_ALREADY_PAID = (
    "I can check that for you. Would you like to hear your balance, or talk to an agent?"
)

#: Untrusted slot text: at most this long, and only these characters (security brief V5).
MAX_SLOT_CHARS = 100
_SLOT_TEXT = re.compile(r"[A-Za-z0-9 .,:'/$-]+")
#: The transcript attribute stays under ~2 KB (UTF-8), dropping the oldest entries first.
TRANSCRIPT_MAX_BYTES = 2000
MAX_ENTRY_CHARS = 300
#: Replies breaking a slot rule before the caller is handed over (flows route Failed to an agent).
MAX_INVALID_REPLIES = 3
#: Unrecognised turns before the caller is handed over.
MAX_FALLBACKS = 2
#: Clarifying questions in a row before the caller is handed over.
MAX_CLARIFICATIONS = 2
_ALREADY_PAID = re.compile(r"\b(paid|sent|made|went through|gone through)\b", re.IGNORECASE)
MAX_PAYMENT = Decimal("10000")
_CENT = Decimal("0.01")
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_MORNING = frozenset({"AM", "MO"})
_LATER = frozenset({"PM", "AF", "EV", "NI"})


@dataclass(frozen=True)
class SlotValue:
    original: str
    interpreted: str | None  # None when ambiguous ("ten o'clock"): see resolved
    resolved: tuple[str, ...] = ()


@dataclass(frozen=True)
class Turn:
    """One code hook call: the intent so far and what the caller just said."""

    intent: str
    fulfilment: bool  # True when every slot is in and the intent is to be fulfilled
    said: str
    slots: Mapping[str, SlotValue | None] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)
    confirmation: str = "None"  # None | Confirmed | Denied
    turn_id: str | None = None
    input_mode: str = "Text"  # DTMF | Speech | Text
    #: The callback queue's opening hours: a time only one reading makes bookable needs no
    #: "AM or PM?" question.
    opening_hours: OpeningHours | None = None


StepKind = Literal["delegate", "elicit_slot", "fulfilled", "failed", "elicit_intent"]


@dataclass(frozen=True)
class Step:
    """The reply: let Lex carry on, ask for a slot, finish (fulfilled or failed), or start over."""

    kind: StepKind
    slots: Mapping[str, SlotValue | None] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)
    message: str | None = None
    slot: str | None = None
    intent: str | None = None  # another intent than the turn's: a key or a reading switched it


def next_step(turn: Turn, *, opening_hours: OpeningHours | None = None) -> Step:
    """Decide the reply to one code hook call, and keep the transcript and intent attributes."""
    turn = replace(turn, attributes=_record_caller(turn))
    if opening_hours is not None:
        turn = replace(turn, opening_hours=opening_hours)
    if turn.intent not in INTENT_SLOTS:
        step = Step("elicit_intent", attributes=turn.attributes, message=SORRY)
    else:
        own_slots = {name: turn.slots.get(name) for name in INTENT_SLOTS[turn.intent]}
        turn = replace(turn, slots=own_slots, attributes={**turn.attributes, INTENT: turn.intent})
        step = _fulfil(turn) if turn.fulfilment else _check(turn)
    if step.message:
        transcript = add_to_transcript(step.attributes.get(TRANSCRIPT), "bot", step.message)
        step = replace(step, attributes={**step.attributes, TRANSCRIPT: transcript})
    return step


# --- slot rules (dialog code hook) ---------------------------------------------------------------

Rule = Callable[[Turn], "Turn | Step"]


def _check(turn: Turn) -> Step:
    slots = {name: accept_slot(value) for name, value in turn.slots.items()}
    rejected = [name for name, value in turn.slots.items() if value and not slots[name]]
    turn = replace(turn, slots=slots)
    if rejected:
        return _reask(turn, rejected[0], SAY_AGAIN)
    for rule in _RULES.get(turn.intent, ()):
        outcome = rule(turn)
        if isinstance(outcome, Step):
            return outcome
        turn = outcome
    attributes = {k: v for k, v in turn.attributes.items() if k != INVALID_REPLIES}
    return Step("delegate", turn.slots, attributes)


def accept_slot(value: SlotValue | None) -> SlotValue | None:
    """The slot if every text in it is short and made of allowed characters, else None."""
    if value is None:
        return None
    texts = [value.original, *value.resolved]
    if value.interpreted is not None:
        texts.append(value.interpreted)
    if len(value.resolved) > 10 or not all(_allowed(text) for text in texts):
        return None
    return value


def _allowed(text: str) -> bool:
    return len(text) <= MAX_SLOT_CHARS and (not text or bool(_SLOT_TEXT.fullmatch(text)))


def amount_problem(value: SlotValue) -> str | None:
    """Why a spoken amount cannot be paid (a message for the caller), or None if it can."""
    try:
        amount = Decimal(value.interpreted or "")
    except InvalidOperation:
        return "Sorry, how much would you like to pay? For example, 45 dollars."
    if not amount.is_finite() or amount <= 0:
        return "The amount needs to be more than zero. How much would you like to pay?"
    if amount > MAX_PAYMENT:
        return "I can take up to 10,000 dollars over the phone. How much would you like to pay?"
    if amount != amount.quantize(_CENT):
        return "Please say the amount in dollars and cents, for example 45.50."
    return None


def _check_amount(turn: Turn) -> Turn | Step:
    amount = turn.slots.get("Amount")
    problem = amount_problem(amount) if amount else None
    return _reask(turn, "Amount", problem) if problem else turn


def _check_callback_date(turn: Turn) -> Turn | Step:
    value = turn.slots.get("CallbackDate")
    if value is None or _iso_date(value.interpreted) is not None:
        return turn
    # "next week" resolves to an ISO week ("2026-W49"): a callback needs a day.
    return _reask(turn, "CallbackDate", "Which day should we call you? For example, tomorrow.")


def _check_callback_time(turn: Turn) -> Turn | Step:
    value = turn.slots.get("CallbackTime") or _keyed_callback_time(turn)
    if value is None:
        return turn
    turn = replace(turn, slots={**turn.slots, "CallbackTime": value})
    choices = [t for t in value.resolved if _HHMM.fullmatch(t)]
    if value.interpreted is None and len(choices) >= 2:
        picked = _one_reading(turn, choices)
        if picked is None:
            return _ask_am_or_pm(turn, choices[:2])
        value = SlotValue(value.original, picked, (picked,))
        turn = replace(turn, slots={**turn.slots, "CallbackTime": value})
    pending = turn.attributes.get(TIME_CHOICES, "")
    if value.interpreted in _MORNING | _LATER and pending:
        return _pick_time(turn, value, pending.split(","))
    if value.interpreted in DAY_PARTS:
        return _ask_hour_in(turn, value.interpreted)
    if value.interpreted is None or not _HHMM.fullmatch(value.interpreted):
        return _reask(turn, "CallbackTime", "What time should we call you? For example, 3 pm.")
    return replace(turn, attributes=_without(turn.attributes, TIME_CHOICES, DAY_PART))


def _keyed_callback_time(turn: Turn) -> SlotValue | None:
    """Four keypad digits ("1500", "0300") when Lex left the time slot empty - once the day is
    in (the day is asked first), so digits keyed for a date are never read as a time."""
    if turn.slots.get("CallbackDate") is None:
        return None
    at = keyed_time(turn.said)
    return SlotValue(turn.said.strip(), at, (at,)) if at else None


def _one_reading(turn: Turn, choices: list[str]) -> str | None:
    """The caller's part of the day ("tomorrow afternoon at three", or the one they gave before
    we asked for the hour) decides; else the opening hours, when only one reading is open."""
    part = day_part_said(turn.said) or turn.attributes.get(DAY_PART)
    picked = reading_for_day_part(choices, part)
    if picked is not None:
        return picked
    day_value = turn.slots.get("CallbackDate")
    return only_bookable_reading(
        choices,
        day=_iso_date(day_value.interpreted if day_value else None),
        hours=turn.opening_hours,
        caller_zone=turn.attributes.get(TIME_ZONE),
    )


def _ask_hour_in(turn: Turn, part: str) -> Step:
    """ "Tomorrow afternoon": remember the afternoon and ask only for the hour."""
    attributes = {**_without(turn.attributes, TIME_CHOICES), DAY_PART: part}
    words = DAY_PARTS[part][1]
    return _ask(replace(turn, attributes=attributes), "CallbackTime", f"What time in the {words}?")


def _ask_am_or_pm(turn: Turn, choices: list[str]) -> Step:
    """Lex leaves "ten o'clock" unresolved (10:00 or 22:00): ask which one."""
    first, second = (spoken_time(choice) for choice in choices)
    attributes = {**turn.attributes, TIME_CHOICES: ",".join(choices)}
    return _ask(
        replace(turn, attributes=attributes), "CallbackTime", f"Did you mean {first} or {second}?"
    )


def _pick_time(turn: Turn, value: SlotValue, choices: list[str]) -> Turn | Step:
    """The caller answered "the morning" / "PM" to our question: pick that one of the choices."""
    morning = value.interpreted in _MORNING
    picked = [c for c in choices if _HHMM.fullmatch(c) and (int(c[:2]) < 12) == morning]
    if not picked:
        return _reask(turn, "CallbackTime", "What time should we call you? For example, 3 pm.")
    slot = SlotValue(value.original, picked[0], (picked[0],))
    return replace(
        turn,
        slots={**turn.slots, "CallbackTime": slot},
        attributes=_without(turn.attributes, TIME_CHOICES),
    )


def _complete_callback(turn: Turn) -> Turn | Step:
    """A day without a time (or a time without a day) is half a schedule: ask for the other half."""
    has_date, has_time = (turn.slots.get(s) is not None for s in ("CallbackDate", "CallbackTime"))
    if has_date and not has_time:
        part = day_part_said(turn.said)
        return _ask_hour_in(turn, part) if part else _ask(turn, "CallbackTime")
    if has_time and not has_date:
        return _ask(turn, "CallbackDate")
    return turn


_RULES: dict[str, tuple[Rule, ...]] = {
    IntentName.MAKE_PAYMENT: (_check_amount,),
    IntentName.CHOOSE_AMOUNT: (_check_amount,),
    IntentName.REQUEST_CALLBACK: (_check_callback_date, _check_callback_time, _complete_callback),
}


def _ask(turn: Turn, slot: str, message: str | None = None) -> Step:
    """Elicit ``slot`` (cleared, so the answer fills it); no message means the bot's own prompt."""
    return Step("elicit_slot", {**turn.slots, slot: None}, turn.attributes, message, slot)


def _reask(turn: Turn, slot: str, message: str) -> Step:
    """Ask again after a reply that broke a rule; after a few, hand the caller over."""
    count = _count(turn.attributes, INVALID_REPLIES) + 1
    if count >= MAX_INVALID_REPLIES:
        attributes = _without(turn.attributes, INVALID_REPLIES)
        return Step("failed", {**turn.slots, slot: None}, attributes, HAND_OVER)
    return _ask(
        replace(turn, attributes={**turn.attributes, INVALID_REPLIES: str(count)}), slot, message
    )


# --- fulfilment (fulfilment code hook) -----------------------------------------------------------


def _fulfil(turn: Turn) -> Step:
    if turn.intent == IntentName.FALLBACK:
        return _fall_back(turn)
    if turn.intent == IntentName.CLARIFY_REQUEST:
        return _clarify(turn)
    attributes = _without(turn.attributes, FALLBACKS, INVALID_REPLIES, CLARIFICATIONS)
    if turn.confirmation == "Denied":
        return Step("failed", turn.slots, attributes, "Okay, I won't do that.")
    return Step("fulfilled", turn.slots, attributes, _done_message(turn))


def _fall_back(turn: Turn) -> Step:
    count = _count(turn.attributes, FALLBACKS) + 1
    if count >= MAX_FALLBACKS:
        return Step("failed", turn.slots, _without(turn.attributes, FALLBACKS), HAND_OVER)
    return Step(
        "elicit_intent", attributes={**turn.attributes, FALLBACKS: str(count)}, message=HELP
    )


def _clarify(turn: Turn) -> Step:
    """A request that could mean two things gets one short question, not a guess; a caller
    still unclear after two questions is handed over."""
    count = _count(turn.attributes, CLARIFICATIONS) + 1
    if count > MAX_CLARIFICATIONS:
        return Step("failed", turn.slots, _without(turn.attributes, CLARIFICATIONS), HAND_OVER)
    question = (
        CLARIFY_ALREADY_PAID if _ALREADY_PAID.search(turn.said) else (CLARIFY_PAYMENT_OR_BALANCE)
    )
    return Step(
        "elicit_intent",
        attributes={**turn.attributes, CLARIFICATIONS: str(count)},
        message=question,
    )


def _done_message(turn: Turn) -> str | None:
    if turn.intent in {IntentName.CHOOSE_AMOUNT, IntentName.END_CONVERSATION}:
        return None  # the flow confirms the amount, or says goodbye
    if turn.intent == IntentName.MAKE_PAYMENT:
        amount = turn.slots.get("Amount")
        if amount and amount.interpreted and amount_problem(amount) is None:
            return f"Okay, let's take your payment of {Money.parse(amount.interpreted).spoken()}."
        return "Okay, let's set up your payment."
    if turn.intent == IntentName.REQUEST_CALLBACK:
        return _callback_message(turn)
    if turn.intent == IntentName.TALK_TO_AGENT:
        return None  # the flow says "Connecting you to an agent." once
    return "Let me look up your balance."


def _callback_message(turn: Turn) -> str:
    day_value, time_value = turn.slots.get("CallbackDate"), turn.slots.get("CallbackTime")
    day = _iso_date(day_value.interpreted if day_value else None)
    at = time_value.interpreted if time_value else None
    if day is None or at is None or not _HHMM.fullmatch(at):
        return "Okay, let's set up your callback."
    # The callback flow checks the time (hours, zone, capacity) before anything is promised.
    return f"Let me check {day:%A, %B} {day.day} at {spoken_time(at)} for your callback."


# --- the transcript ------------------------------------------------------------------------------

Speaker = Literal["caller", "bot"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def mask_digits(text: str) -> str:
    """Digits the caller says (account numbers, card digits) never reach the transcript."""
    return re.sub(r"\d", "\u2022", text)


def read_transcript(text: str | None) -> list[dict[str, str]]:
    """The transcript attribute's entries; anything malformed reads as an empty transcript."""
    try:
        entries = json.loads(text or "[]")
    except ValueError:
        return []
    if not isinstance(entries, list):
        return []
    return [
        {"who": e["who"], "text": e["text"]}
        for e in entries
        if isinstance(e, dict)
        and e.get("who") in ("caller", "bot")
        and isinstance(e.get("text"), str)
    ]


def add_to_transcript(text: str | None, who: Speaker, said: str) -> str:
    """The transcript attribute with one more entry, oldest entries dropped to stay in budget."""
    clean = " ".join(_CONTROL.sub(" ", said).split())[:MAX_ENTRY_CHARS]
    entries = [
        *read_transcript(text),
        {"who": who, "text": mask_digits(clean) if who == "caller" else clean},
    ]
    encoded = _encode(entries)
    while len(encoded.encode()) > TRANSCRIPT_MAX_BYTES and len(entries) > 1:
        entries = entries[1:]
        encoded = _encode(entries)
    return encoded


def _record_caller(turn: Turn) -> dict[str, str]:
    attributes = dict(turn.attributes)
    if not turn.said.strip() or (turn.turn_id and attributes.get(LAST_TURN) == turn.turn_id):
        return attributes
    attributes[TRANSCRIPT] = add_to_transcript(attributes.get(TRANSCRIPT), "caller", turn.said)
    if turn.turn_id:
        attributes[LAST_TURN] = turn.turn_id
    return attributes


def _encode(entries: list[dict[str, str]]) -> str:
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":"))


# --- small helpers -------------------------------------------------------------------------------


def spoken_time(hhmm: str) -> str:
    """'22:30' -> '10:30 PM', '10:00' -> '10 AM', '00:00' -> '12 AM'."""
    hour, minute = int(hhmm[:2]), int(hhmm[3:])
    twelve = hour % 12 or 12
    clock = f"{twelve}:{minute:02d}" if minute else str(twelve)
    return f"{clock} {'AM' if hour < 12 else 'PM'}"


def _iso_date(text: str | None) -> date | None:
    if not text or len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _count(attributes: Mapping[str, str], key: str) -> int:
    value = attributes.get(key, "")
    return int(value) if value.isdigit() and len(value) < 4 else 0


def _without(attributes: Mapping[str, str], *keys: str) -> dict[str, str]:
    return {k: v for k, v in attributes.items() if k not in keys}

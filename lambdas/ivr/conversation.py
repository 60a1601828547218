"""The bot's side of one conversation per call: keys at every question, amounts as people say them.

Connect hands keys pressed at a Lex prompt to the bot as DTMF text ("2", "7500"). What they mean
depends on the question, which the flow names in the session attribute ``keypad``: ``menu`` (the
main menu and "anything else?": 1 balance, 2 pay, 3 callback, 9 that's all, 0 agent) or
``amount`` (the payment flow's amount question: 1 the amount offered, two or more digits then
# an amount in cents, 0 agent). Any other question (``time``) keeps 0 for the agent and leaves
other keys to the intent's rules. A key means what the spoken answer means: the reply switches to
that intent.

Spoken amounts are read from the caller's own words as well as from Lex's number slot, because
AMAZON.Number has no notion of money: "a hundred and twenty fifty" is $120.50, not 170.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from ivr.callbacks.scheduling import OpeningHours
from ivr.intents import (
    FALLBACKS,
    INTENT,
    IntentName,
    SlotValue,
    Step,
    Turn,
    add_to_transcript,
    next_step,
)
from ivr.intents import TRANSCRIPT as TRANSCRIPT_ATTRIBUTE

#: Session attribute the flow sets on each Lex block: which question the keys answer.
KEYPAD = "keypad"
MENU_KEYS: dict[str, str] = {
    "1": IntentName.CHECK_BALANCE,
    "2": IntentName.MAKE_PAYMENT,
    "3": IntentName.REQUEST_CALLBACK,
    "9": IntentName.END_CONVERSATION,
    "0": IntentName.TALK_TO_AGENT,
}
AGENT_KEY = "0"
#: At the amount question a single 1 takes the amount offered; an amount is keyed in cents.
ACCEPT_OFFER_KEY = "1"
MAX_KEYED_DIGITS = 9  # $9,999,999.99: far above any limit, short enough to parse safely
MENU_HELP = (
    "Sorry, that key isn't on the menu. Press 1 for your balance, 2 to pay, 3 for a callback, "
    "9 if that's all, or 0 for an agent."
)
AMOUNT_HELP = (
    "Sorry, I didn't get that amount. Key it in dollars and cents, then press pound: for $75.00, "
    "key 7 5 0 0 pound. Or press 1 for the amount I offered, or 0 for an agent."
)
#: Unrecognised keys before the caller is handed over (as for unrecognised speech).
MAX_KEY_MISTAKES = 2


def reply(turn: Turn, *, opening_hours: OpeningHours | None = None) -> Step:
    """The code hook's answer to one turn: keys and spoken amounts first, then the intent rules
    (``opening_hours``: the callback queue's, for times only one reading makes bookable)."""
    if opening_hours is not None:
        turn = replace(turn, opening_hours=opening_hours)
    if turn.input_mode == "DTMF":
        return _keyed(turn)
    if turn.attributes.get(KEYPAD) == "amount" and turn.intent == IntentName.FALLBACK:
        # "a hundred and twenty fifty" is no number Lex knows: read the amount from the words.
        said = spoken_amount(turn.said)
        if said is None:
            return _key_mistake(turn, AMOUNT_HELP)
        text = str(said.quantize(Decimal("0.01")))
        amount = SlotValue(turn.said, text, (text,))
        chosen = replace(turn, intent=IntentName.CHOOSE_AMOUNT, fulfilment=True)
        return _switched(replace(chosen, slots={"Amount": amount}))
    if turn.intent in {IntentName.MAKE_PAYMENT, IntentName.CHOOSE_AMOUNT}:
        turn = _with_spoken_amount(turn)
    if turn.intent == IntentName.CHOOSE_AMOUNT and turn.attributes.get(KEYPAD) != "amount":
        # A bare amount at the main menu ("seventy-five dollars") is a payment of that amount.
        return _switched(replace(turn, intent=IntentName.MAKE_PAYMENT))
    return next_step(turn)


def _keyed(turn: Turn) -> Step:
    keys = turn.said.strip().rstrip("#")
    if keys == AGENT_KEY:
        return _switched(replace(turn, intent=IntentName.TALK_TO_AGENT, slots={}, fulfilment=True))
    keypad = turn.attributes.get(KEYPAD, "")
    if keypad == "amount":
        return _keyed_amount(turn, keys)
    if keypad != "menu":  # a question of its own (the callback time): the intent rules decide
        return next_step(turn)
    intent = MENU_KEYS.get(keys)
    if intent is None:
        return _key_mistake(turn, MENU_HELP)
    return _switched(replace(turn, intent=intent, slots={}, fulfilment=True))


def _keyed_amount(turn: Turn, keys: str) -> Step:
    chosen = replace(turn, intent=IntentName.CHOOSE_AMOUNT, fulfilment=True)
    if keys == ACCEPT_OFFER_KEY:
        return _switched(replace(chosen, slots={}))
    # A lone key other than 1 or 0 is a menu reflex, not an amount of a few cents.
    if not keys.isdigit() or not 2 <= len(keys) <= MAX_KEYED_DIGITS:
        return _key_mistake(turn, AMOUNT_HELP)
    dollars = str(Decimal(int(keys)).scaleb(-2))
    return _switched(replace(chosen, slots={"Amount": SlotValue(keys, dollars, (dollars,))}))


def _switched(turn: Turn) -> Step:
    step = next_step(turn)
    return replace(step, intent=turn.intent, attributes={**step.attributes, INTENT: turn.intent})


def _key_mistake(turn: Turn, help_text: str) -> Step:
    """A key that answers nothing: explain the keys, then (bounded) hand the caller over."""
    count = int(turn.attributes.get(FALLBACKS, "0") or 0) + 1 if _small(turn) else 1
    if count >= MAX_KEY_MISTAKES + 1:
        return next_step(replace(turn, intent=IntentName.FALLBACK, fulfilment=True))
    attributes = {**turn.attributes, FALLBACKS: str(count)}
    transcript = add_to_transcript(attributes.get(TRANSCRIPT_ATTRIBUTE), "bot", help_text)
    attributes[TRANSCRIPT_ATTRIBUTE] = transcript
    return Step("elicit_intent", attributes=attributes, message=help_text)


def _small(turn: Turn) -> bool:
    value = turn.attributes.get(FALLBACKS, "")
    return value.isdigit() and len(value) < 3


# --- amounts as people say them -----------------------------------------------------------------

_UNITS = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    word: (index + 2) * 10
    for index, word in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_NUMBER_WORDS = set(_UNITS) | set(_TENS) | {"hundred", "thousand", "a", "and"}
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+")


def spoken_amount(text: str) -> Decimal | None:
    """The amount in what the caller said: '75.50', 'seventy-five', 'seventy five dollars and
    fifty cents', 'a hundred and twenty fifty' (dollars, then two-digit cents); else None."""
    tokens = _TOKEN.findall(text.lower().replace(",", ""))
    for token in tokens:
        if token[0].isdigit():
            return Decimal(token)
    runs = _number_runs(tokens)
    if not runs:
        return None
    dollars, cents = _dollars_and_cents(runs[0])
    if cents is None and len(runs) > 1:
        cents = _words_to_int(runs[1])
    if dollars is None or (cents is not None and not 0 <= cents <= 99):
        return None
    return Decimal(dollars) + Decimal(cents or 0) / 100


def _number_runs(tokens: list[str]) -> list[list[str]]:
    runs: list[list[str]] = [[]]
    for token in tokens:
        if token in _NUMBER_WORDS and (token not in {"a", "and"} or runs[-1] or token == "a"):
            runs[-1].append(token)
        elif runs[-1]:
            runs.append([])
    return [_trimmed(run) for run in runs if _trimmed(run)]


def _trimmed(run: list[str]) -> list[str]:
    while run and run[-1] in {"a", "and"}:
        run = run[:-1]
    return run


def _dollars_and_cents(run: list[str]) -> tuple[int | None, int | None]:
    """The longest prefix that reads as one number is the dollars; the rest, if any, the cents."""
    for end in range(len(run), 0, -1):
        whole = _words_to_int(run[:end])
        if whole is not None:
            rest = _trimmed(run[end:])
            if rest and rest[0] == "and":
                rest = rest[1:]
            return whole, _words_to_int(rest) if rest else None
    return None, None


def _words_to_int(words: list[str]) -> int | None:
    """'a hundred and twenty' -> 120, 'seventy five' -> 75, 'two thousand' -> 2000, else None."""
    total, current, last = 0, 0, ""
    for index, word in enumerate(words):
        if word == "a" and index == 0:
            last = "a"
            continue
        if word == "and" and last in {"hundred", "thousand"}:
            last = "and"
            continue
        if word in _UNITS and last in {"", "tens", "hundred", "thousand", "and"}:
            current += _UNITS[word]
            last = "unit"
        elif word in _TENS and last in {"", "hundred", "thousand", "and"}:
            current += _TENS[word]
            last = "tens"
        elif word == "hundred" and last in {"", "a", "unit", "tens"} and current < 100:
            current = (current or 1) * 100
            last = "hundred"
        elif word == "thousand" and last in {"", "a", "unit", "tens", "hundred"}:
            total, current = total + (current or 1) * 1000, 0
            last = "thousand"
        else:
            return None
    return total + current if last not in {"", "a", "and"} else None


def _with_spoken_amount(turn: Turn) -> Turn:
    """Lex's number slot, corrected by the caller's own words where Lex lost the cents."""
    said = spoken_amount(turn.said)
    if said is None:
        return turn
    slot = turn.slots.get("Amount")
    if slot is None and not _mentions_amount(turn):
        return turn
    if slot is not None and not _lost_cents(slot.interpreted, said):
        return turn
    text = str(said.quantize(Decimal("0.01")))
    original = slot.original if slot else turn.said
    return replace(turn, slots={**turn.slots, "Amount": SlotValue(original, text, (text,))})


def _mentions_amount(turn: Turn) -> bool:
    """Without a slot, only a reply to the amount question (or a ChooseAmount) is an amount."""
    return turn.intent == IntentName.CHOOSE_AMOUNT or turn.attributes.get(KEYPAD) == "amount"


def _lost_cents(interpreted: str | None, said: Decimal) -> bool:
    """Lex read "a hundred and twenty fifty" as 120 (or 170): whole dollars where cents were said.
    Anything else Lex read (a negative, another number) stands, for the amount rules to judge."""
    try:
        value = Decimal(interpreted or "")
    except ArithmeticError:
        return True
    cents = said - int(said)
    whole = value == value.to_integral_value()
    return bool(cents) and whole and value in {int(said), int(said) + cents * 100}

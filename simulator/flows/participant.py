"""Participant actions: play a prompt, gather keypad input, hand the caller to a Lex bot."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from simulator.flows.contact import LexState
from simulator.flows.encryption import InputEncryptionError, encrypt_stored_input
from simulator.flows.flow_log import log_block
from simulator.flows.jsonpath import render_text, resolve_value
from simulator.flows.model import Action
from simulator.flows.outcome import NEXT, FlowStop, Outcome, end, error, result
from simulator.flows.params import resolve_map, seconds, whole_number
from simulator.flows.phone import validate_phone_input
from simulator.ports import Digits, InputRequest, LexBot, LexTurn, Silence, Speech

if TYPE_CHECKING:
    from simulator.flows.interpreter import Run

#: Get customer input's default time limit in the Connect console.
DEFAULT_INPUT_SECONDS = 5.0
#: Lex V2 waits this long for speech to start unless the block sets
#: x-amz-lex:audio:start-timeout-ms (a local default; Connect's varies by bot).
DEFAULT_LEX_SECONDS = 5.0
#: Lex's own retry limits end a conversation long before this; it stops a bot emulator or a
#: scripted caller that would talk forever.
LEX_TURN_LIMIT = 30

_TAG = re.compile(r"<[^>]*>")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.!?;:])")


def strip_ssml(ssml: str) -> str:
    """What a listener hears of SSML, as text: tags dropped, entities decoded."""
    text = html.unescape(_TAG.sub(" ", ssml))
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(text.split()))


def prompt_text(run: Run, action: Action) -> str:
    """The block's Text, SSML, PromptId or Media, as the text the record keeps."""
    contact = run.contact
    text, ssml, prompt = action.param("Text"), action.param("SSML"), action.param("PromptId")
    if text is not None:
        return render_text(text, contact)
    if ssml is not None:
        return strip_ssml(render_text(ssml, contact))
    if prompt is not None:
        prompt_ref = resolve_value(prompt, contact)
        return f"[prompt {prompt_ref}]" if prompt_ref else ""
    media = action.mapping("Media")
    return f"[audio {media.get('Uri', '')}]" if media else ""


def message_participant(run: Run, action: Action) -> Outcome:
    text = prompt_text(run, action)
    run.say(text)
    log_block(run, action, Parameters={"Text": text})
    return NEXT


def disconnect_participant(run: Run, action: Action) -> Outcome:
    return end("disconnected")


# --- GetParticipantInput --------------------------------------------------------------------------


def get_participant_input(run: Run, action: Action) -> Outcome:
    run.say(prompt_text(run, action))
    timeout = seconds(action.param("InputTimeLimitSeconds"), DEFAULT_INPUT_SECONDS)
    if timeout is None:
        return run.fail(action, "NoMatchingError", "InputTimeLimitSeconds is not a number > 0")
    if action.param("StoreInput") == "True":
        return _store_input(run, action, timeout)
    return _menu_choice(run, action, timeout)


def _keys(run: Run, request: InputRequest, *, menu: bool) -> str | None:
    """The keys pressed; None when the time limit passed without any."""
    answer = run.listen(request, menu=menu)
    if isinstance(answer, Speech):  # without Lex, a voice block hears keys only
        run.clock.advance(request.timeout_seconds)
    return answer.value if isinstance(answer, Digits) and answer.value else None


def _menu_choice(run: Run, action: Action, timeout: float) -> Outcome:
    """A menu: the result is the one key pressed, matched against Equals conditions."""
    keys = _keys(run, InputRequest("dtmf", timeout, max_digits=1), menu=True)
    log_block(run, action, Results=keys[0] if keys else "Timeout")
    return error("InputTimeLimitExceeded") if keys is None else result(keys[0])


def _entered(keys: str, terminator: str, max_length: int | None) -> str:
    """The digits before the termination sequence, cut at the maximum length."""
    digits = keys.split(terminator, 1)[0] if terminator else keys
    return digits[:max_length] if max_length else digits


def _submapping(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _store_input(run: Run, action: Action, timeout: float) -> Outcome:
    """Store customer input: the digits go to $.StoredCustomerInput, never into the record."""
    validation = action.mapping("InputValidation")
    custom = _submapping(validation, "CustomValidation")
    phone = _submapping(validation, "PhoneNumberValidation")
    max_length = whole_number(custom.get("MaximumLength")) if custom else None
    terminator = str(action.mapping("DTMFConfiguration").get("InputTerminationSequence") or "#")
    request = InputRequest(
        "dtmf",
        timeout,
        max_digits=max_length,
        terminator=terminator,
        encrypted=bool(action.mapping("InputEncryption")),
    )
    keys = _keys(run, request, menu=False)
    if keys is None:
        # Connect takes the success branch on a timeout and stores the word "Timeout"
        # (admin guide, "Store customer input").
        run.contact.stored_customer_input = "Timeout"
        return NEXT
    digits = _entered(keys, terminator, max_length)
    if phone:
        number = validate_phone_input(digits, phone)
        if number is None:
            return error("InvalidPhoneNumber")
        digits = number
    encryption = action.mapping("InputEncryption")
    if encryption:
        # Connect stores ciphertext for our certificate, and so does the local contact center:
        # the Lambda that gets $.StoredCustomerInput decrypts it as it would in AWS.
        try:
            digits = encrypt_stored_input(digits, encryption)
        except InputEncryptionError as unusable:
            return run.fail(action, "NoMatchingError", str(unusable))
    run.contact.stored_customer_input = digits
    log_block(run, action, Results=digits)  # what Connect stored (ciphertext when encrypted)
    return NEXT


# --- ConnectParticipantWithLexBot -----------------------------------------------------------------


class _CallerSilent(Exception):
    """The caller said nothing twice in a row: the block's InputTimeLimitExceeded."""


class _BotFailed(Exception):
    """The Lex bot raised: the block's NoMatchingError."""


def _lex_seconds(session: Mapping[str, str]) -> float:
    for key, value in session.items():
        if key.startswith("x-amz-lex:audio:start-timeout-ms"):
            milliseconds = whole_number(value)
            if milliseconds and milliseconds > 0:
                return milliseconds / 1000
    return DEFAULT_LEX_SECONDS


def _ask_bot(
    run: Run, bot: LexBot, alias: str, answer: Digits | Speech, session: dict[str, str]
) -> LexTurn:
    mode: Literal["Speech", "DTMF"] = "Speech"
    text = answer.text if isinstance(answer, Speech) else answer.value.rstrip("#")
    if isinstance(answer, Digits):  # keys pressed at a Lex prompt reach the bot as DTMF text
        mode = "DTMF"
    try:
        # Connect uses the contact id as the Lex session id.
        return bot.recognize_text(alias, run.contact.contact_id, text, session, mode)
    except Exception as exc:
        raise _BotFailed(f"the Lex bot {alias} failed: {type(exc).__name__}: {exc}") from exc


def _converse(run: Run, bot: LexBot, alias: str, session: dict[str, str], opening: str) -> LexTurn:
    """Caller and bot take turns until the bot closes the dialog or the intent is decided."""
    request = InputRequest("speech", _lex_seconds(session))
    last_said = [opening] if opening.strip() else []
    silences = 0
    for _ in range(LEX_TURN_LIMIT):
        answer = run.listen(request)
        if isinstance(answer, Silence):
            silences += 1
            if silences == 2:
                raise _CallerSilent
            for message in last_said:  # Lex prompts again after the first silence
                run.say(message, kind="bot")
            continue
        silences = 0
        turn = _ask_bot(run, bot, alias, answer, session)
        session = dict(turn.session_attributes) or session
        for message in turn.messages:
            run.say(message, kind="bot")
        last_said = turn.messages or last_said
        if turn.finished:
            return turn
    raise FlowStop(f"the Lex conversation with {alias} went on for {LEX_TURN_LIMIT} turns")


def connect_participant_with_lex_bot(run: Run, action: Action) -> Outcome:
    """The result is the intent name; $.Lex.* holds the intent, slots and session attributes."""
    alias = resolve_value(str(action.mapping("LexV2Bot").get("AliasArn") or ""), run.contact)
    if not alias:
        raise FlowStop(f"{run.where(action)}: no LexV2Bot.AliasArn (Lex V1 bots are not simulated)")
    if run.lex is None:
        raise FlowStop(f"{run.where(action)}: the call reached a Lex block but has no Lex bot")
    session = resolve_map(action.mapping("LexSessionAttributes"), run.contact)
    opening = prompt_text(run, action)
    run.say(opening)
    try:
        turn = _converse(run, run.lex, alias, session, opening)
    except _CallerSilent:
        return error("InputTimeLimitExceeded")
    except _BotFailed as failed:
        return run.fail(action, "NoMatchingError", str(failed))
    run.contact.lex = LexState(
        intent_name=turn.intent_name,
        slots=dict(turn.slots),
        session_attributes=dict(turn.session_attributes) or session,
    )
    run.note("lex", f"intent {turn.intent_name} ({turn.intent_state})")
    return result(turn.intent_name or "")

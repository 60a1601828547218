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
from simulator.flows.outcome import NEXT, AgentAnswered, FlowStop, Outcome, end, error, result
from simulator.flows.params import resolve_map, seconds, whole_number
from simulator.flows.phone import validate_phone_input
from simulator.ports import Digits, InputRequest, LexBot, LexTurn, Silence, Speech

if TYPE_CHECKING:
    from simulator.flows.context import BlockContext

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


def prompt_text(ctx: BlockContext, action: Action) -> str:
    """The block's Text, SSML, PromptId or Media, as the text the record keeps."""
    contact = ctx.contact
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


def message_participant(ctx: BlockContext, action: Action) -> Outcome:
    text = prompt_text(ctx, action)
    ctx.say(text)
    log_block(ctx, action, Parameters={"Text": text})
    return NEXT


def disconnect_participant(ctx: BlockContext, action: Action) -> Outcome:
    return end("disconnected")


# --- GetParticipantInput --------------------------------------------------------------------------


def get_participant_input(ctx: BlockContext, action: Action) -> Outcome:
    if ctx.contact.channel == "TASK":
        return ctx.fail(action, "NoMatchingError", "a TASK contact has no participant to ask")
    ctx.say(prompt_text(ctx, action))
    timeout = seconds(action.param("InputTimeLimitSeconds"), DEFAULT_INPUT_SECONDS)
    if timeout is None:
        return ctx.fail(action, "NoMatchingError", "InputTimeLimitSeconds is not a number > 0")
    if action.param("StoreInput") == "True":
        return _store_input(ctx, action, timeout)
    return _menu_choice(ctx, action, timeout)


def _keys(ctx: BlockContext, request: InputRequest, *, menu: bool) -> str | None:
    """The keys pressed; None when the time limit passed without any."""
    answer = ctx.listen(request, menu=menu)
    if isinstance(answer, Speech):  # without Lex, a voice block hears keys only
        ctx.clock.advance(request.timeout_seconds)
    return answer.value if isinstance(answer, Digits) and answer.value else None


def _menu_choice(ctx: BlockContext, action: Action, timeout: float) -> Outcome:
    """A menu: the result is the one key pressed, matched against Equals conditions."""
    keys = _keys(ctx, InputRequest("dtmf", timeout, max_digits=1), menu=True)
    log_block(ctx, action, Results=keys[0] if keys else "Timeout")
    return error("InputTimeLimitExceeded") if keys is None else result(keys[0])


def _entered(keys: str, terminator: str, max_length: int | None) -> str:
    """The digits before the termination sequence, cut at the maximum length."""
    digits = keys.split(terminator, 1)[0] if terminator else keys
    return digits[:max_length] if max_length else digits


def _submapping(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _store_input(ctx: BlockContext, action: Action, timeout: float) -> Outcome:
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
    keys = _keys(ctx, request, menu=False)
    if keys is None:
        # Connect takes the success branch on a timeout and stores the word "Timeout"
        # (admin guide, "Store customer input").
        ctx.contact.stored_customer_input = "Timeout"
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
            return ctx.fail(action, "NoMatchingError", str(unusable))
    ctx.contact.stored_customer_input = digits
    log_block(ctx, action, Results=digits)  # what Connect stored (ciphertext when encrypted)
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
    ctx: BlockContext, bot: LexBot, alias: str, answer: Digits | Speech, session: dict[str, str]
) -> LexTurn:
    mode: Literal["Speech", "DTMF"] = "Speech"
    text = answer.text if isinstance(answer, Speech) else answer.value.rstrip("#")
    if isinstance(answer, Digits):  # keys pressed at a Lex prompt reach the bot as DTMF text
        mode = "DTMF"
    try:
        # Connect uses the contact id as the Lex session id.
        return bot.recognize_text(alias, ctx.contact.contact_id, text, session, mode)
    except Exception as exc:
        raise _BotFailed(f"the Lex bot {alias} failed: {type(exc).__name__}: {exc}") from exc


def _converse(
    ctx: BlockContext, bot: LexBot, alias: str, session: dict[str, str], opening: str
) -> LexTurn:
    """Caller and bot take turns until the bot closes the dialog or the intent is decided."""
    request = InputRequest("speech", _lex_seconds(session))
    last_said = [opening] if opening.strip() else []
    silences = 0
    for _ in range(LEX_TURN_LIMIT):
        answer = ctx.listen(request)
        if isinstance(answer, Silence):
            silences += 1
            if silences == 2:
                raise _CallerSilent
            for message in last_said:  # Lex prompts again after the first silence
                ctx.say(message, kind="bot")
            continue
        silences = 0
        turn = _ask_bot(ctx, bot, alias, answer, session)
        session = dict(turn.session_attributes) or session
        for message in turn.messages:
            ctx.say(message, kind="bot")
        last_said = turn.messages or last_said
        if turn.finished:
            return turn
    raise FlowStop(f"the Lex conversation with {alias} went on for {LEX_TURN_LIMIT} turns")


def connect_participant_with_lex_bot(ctx: BlockContext, action: Action) -> Outcome:
    """The result is the intent name; $.Lex.* holds the intent, slots and session attributes."""
    written = str(action.mapping("LexV2Bot").get("AliasArn") or "")
    alias = resolve_value(written, ctx.contact)
    if not alias:
        # A dynamic alias ($.Attributes.bot, $.External.alias) that resolved to nothing, or a
        # Lex V1 bot (LexBot{Name, Region}): Connect takes the error branch; so does this.
        reason = (
            f"the Lex bot alias {written!r} resolved to nothing"
            if written
            else ("no LexV2Bot.AliasArn (Lex V1 bots are not simulated)")
        )
        return ctx.fail(action, "NoMatchingError", reason)
    if ctx.lex is None or not ctx.lex.knows(alias):
        ctx.stand_in(f"unknown Lex bot {alias} (not ours: the Lex block takes its error branch)")
        return ctx.fail(action, "NoMatchingError", f"no Lex bot here answers for {alias}")
    session = resolve_map(action.mapping("LexSessionAttributes"), ctx.contact)
    opening = prompt_text(ctx, action)
    ctx.say(opening)
    try:
        turn = _converse(ctx, ctx.lex, alias, session, opening)
    except _CallerSilent:
        return error("InputTimeLimitExceeded")
    except _BotFailed as failed:
        return ctx.fail(action, "NoMatchingError", str(failed))
    ctx.contact.lex = LexState(
        intent_name=turn.intent_name,
        slots=dict(turn.slots),
        session_attributes=dict(turn.session_attributes) or session,
        intent_confidence=turn.intent_confidence,
        sentiment=dict(turn.sentiment),
    )
    ctx.note("lex", f"intent {turn.intent_name} ({turn.intent_state})")
    return result(turn.intent_name or "")


# --- MessageParticipantIteratively ----------------------------------------------------------------

#: How long one pass of a loop of prompts lasts when its messages are recordings or hold music
#: (a local assumption: the audio's real length is unknown offline).
PASS_SECONDS = 30.0
#: Nothing interrupts a loop of prompts played to nobody; stop it as the step budget would.
PASS_LIMIT = 500


def _message_text(ctx: BlockContext, message: Mapping[str, Any]) -> str:
    if "Text" in message:
        return render_text(str(message["Text"]), ctx.contact)
    if "SSML" in message:
        return strip_ssml(render_text(str(message["SSML"]), ctx.contact))
    if "PromptId" in message:
        return f"[prompt {resolve_value(str(message['PromptId']), ctx.contact)}]"
    media = message.get("Media")
    return f"[audio {media.get('Uri', '')}]" if isinstance(media, dict) else ""


def message_participant_iteratively(ctx: BlockContext, action: Action) -> Outcome:
    """Loop prompts: plays ``Messages`` again and again until interrupted. With
    InterruptFrequencySeconds the result MessagesInterrupted comes every that many seconds; in a
    customer-queue or hold flow an agent answering interrupts it; otherwise it plays until the
    caller hangs up (the call then ends as a hangup)."""
    raw = action.parameters.get("Messages")
    messages = [m for m in raw if isinstance(m, dict)] if isinstance(raw, list) else []
    if not messages:
        return ctx.fail(action, "NoMatchingError", "Messages must list at least one message")
    interrupt = seconds(action.param("InterruptFrequencySeconds"), 0.0)
    if interrupt is None:
        return ctx.fail(action, "NoMatchingError", "InterruptFrequencySeconds is not a number > 0")
    played = 0.0
    for _ in range(PASS_LIMIT):
        for message in messages:
            ctx.say(_message_text(ctx, message))
        step = min(PASS_SECONDS, interrupt - played) if interrupt else PASS_SECONDS
        _stay_on_the_line(ctx, step)
        if ctx.agent_answered():
            raise AgentAnswered
        played += step
        if interrupt and played >= interrupt:
            return result("MessagesInterrupted")
    raise FlowStop(f"{ctx.where(action)}: the prompts looped {PASS_LIMIT} times uninterrupted")


def _stay_on_the_line(ctx: BlockContext, pass_seconds: float) -> None:
    """The caller listens for one pass; keys pressed do not interrupt a loop of prompts."""
    if ctx.contact.channel != "VOICE":
        ctx.clock.advance(pass_seconds)
        return
    answer = ctx.listen(InputRequest("dtmf", pass_seconds))
    if not isinstance(answer, Silence):
        ctx.clock.advance(pass_seconds)

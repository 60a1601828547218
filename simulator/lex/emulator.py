"""LexEmulator: the local stand-in for Lex V2 RecognizeText, built from lex_bots/*.json."""

from __future__ import annotations

import copy
import hashlib
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from simulator.lex.bot import BotDef, BotDefinitionError, load_bots
from simulator.lex.codehook import BotIdentity
from simulator.lex.dialog import CodeHook, DialogTurn, Session
from simulator.lex.nlu import Recogniser
from simulator.ports import LexTurn

#: A real alias ARN: arn:aws:lex:<region>:<account>:bot-alias/<botId>/<botAliasId>.
_ALIAS_ARN = re.compile(r"^arn:aws[\w-]*:lex:[\w-]+:\d{12}:bot-alias/(\w+)/(\w+)$")
#: The session attribute Lex reads the caller's time zone from (dates resolve in that zone).
TIME_ZONE_ATTRIBUTE = "x-amz-lex:time-zone"


class UnknownBotError(LookupError):
    """No bot in lex_bots/ answers to this alias reference."""


class LexEmulator:
    """Implements ``simulator.ports.LexBot``.

    ``clock`` returns an aware datetime; "today" and "tomorrow" are days in its zone (or in the
    session attribute ``x-amz-lex:time-zone`` when set). ``code_hook`` gets each Lex V2 code hook
    event and returns the Lambda's answer; None runs the bot with no Lambda attached. ``aliases``
    maps alias references (ARNs or ``${Placeholder}``) to bot names; otherwise a reference picks
    the bot whose name it contains, or the only bot.
    """

    def __init__(
        self,
        bots_dir: Path | str,
        clock: Callable[[], datetime],
        code_hook: CodeHook | None = None,
        *,
        locale_id: str = "en_US",
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.bots = load_bots(Path(bots_dir), locale_id)
        if not self.bots:
            raise BotDefinitionError(f"no bot definitions (*.json) in {bots_dir}")
        self.clock = clock
        self.code_hook = code_hook
        self.aliases = dict(aliases or {})
        self._recognisers = {name: Recogniser(bot) for name, bot in self.bots.items()}
        self._sessions: dict[tuple[str, str], Session] = {}

    def fresh(
        self,
        clock: Callable[[], datetime],
        code_hook: CodeHook | None = None,
        *,
        aliases: Mapping[str, str] | None = None,
    ) -> LexEmulator:
        """An emulator over these bots as already parsed (they and their recognisers hold no
        per-call state), with its own clock, code hook and aliases (these, unless given) and no
        session yet: what one call talks to, without reading lex_bots/ again."""
        lex = copy.copy(self)
        lex.clock, lex.code_hook = clock, code_hook
        lex.aliases = dict(self.aliases if aliases is None else aliases)
        lex._sessions = {}
        return lex

    def recognize_text(
        self,
        bot_alias_arn: str,
        session_id: str,
        text: str,
        session_attributes: dict[str, str],
        input_mode: Literal["Speech", "DTMF", "Text"] = "Speech",
    ) -> LexTurn:
        bot = self.bot_for(bot_alias_arn)
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the Lex emulator's clock must return an aware datetime")
        session = self._session(bot, session_id, now)
        session.attributes.update(session_attributes)
        session.requests += 1
        turn = DialogTurn(
            bot=bot,
            identity=_identity(bot, bot_alias_arn),
            recogniser=self._recognisers[bot.name],
            code_hook=self.code_hook,
            session=session,
            text=text,
            input_mode=input_mode,
            today=_today(now, session.attributes),
            request_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{session_id}/{session.requests}")),
        )
        return turn.run()

    def knows(self, bot_alias_arn: str) -> bool:
        try:
            self.bot_for(bot_alias_arn)
        except UnknownBotError:
            return False
        return True

    def session(self, bot_alias_arn: str, session_id: str) -> Session | None:
        """The dialog state Lex keeps for a session (for tests and the agent dashboard)."""
        return self._sessions.get((self.bot_for(bot_alias_arn).name, session_id))

    def bot_for(self, alias_ref: str) -> BotDef:
        name = self.aliases.get(alias_ref)
        if name is None:
            named = [bot for bot in self.bots if bot.lower() in alias_ref.lower()]
            name = named[0] if len(named) == 1 else None
        if name is None and len(self.bots) == 1 and not _ALIAS_ARN.match(alias_ref):
            name = next(iter(self.bots))  # a placeholder or name: the one bot there is
        if name not in self.bots:
            raise UnknownBotError(f"no bot in lex_bots/ for alias {alias_ref!r}")
        return self.bots[name]

    def _session(self, bot: BotDef, session_id: str, now: datetime) -> Session:
        key = (bot.name, session_id)
        session = self._sessions.get(key)
        idle = (now - session.last_seen).total_seconds() if session and session.last_seen else 0
        if session is None or idle > bot.idle_session_ttl:
            session = self._sessions[key] = Session(session_id)
        session.last_seen = now
        return session


def _today(now: datetime, attributes: Mapping[str, str]) -> date:
    zone = attributes.get(TIME_ZONE_ATTRIBUTE)
    if zone:
        try:
            return now.astimezone(ZoneInfo(zone)).date()
        except (ZoneInfoNotFoundError, ValueError):
            pass  # Lex ignores a zone it does not know and keeps its default
    return now.date()


def _identity(bot: BotDef, alias_ref: str) -> BotIdentity:
    """The bot block of the event: ids from a real alias ARN, else stable made-up ones."""
    match = _ALIAS_ARN.match(alias_ref)
    if match:
        bot_id, alias_id = match.groups()
        alias_name = "LiveAlias"
    else:
        bot_id = hashlib.sha256(bot.name.encode()).hexdigest()[:10].upper()
        alias_id, alias_name = "TSTALIASID", "TestBotAlias"  # Lex's built-in test alias
    return BotIdentity(bot_id, bot.name, alias_id, alias_name, bot.locale_id)

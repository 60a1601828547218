"""A local Lex V2: reads lex_bots/*.json, understands utterances, runs dialogs and the code hook."""

from simulator.lex.bot import BotDefinitionError
from simulator.lex.codehook import CodeHookError, InvalidCodeHookResponseError
from simulator.lex.emulator import LexEmulator, UnknownBotError
from simulator.lex.values import SlotValue

__all__ = [
    "BotDefinitionError",
    "CodeHookError",
    "InvalidCodeHookResponseError",
    "LexEmulator",
    "SlotValue",
    "UnknownBotError",
]

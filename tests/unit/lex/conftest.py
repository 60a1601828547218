"""Fixtures for the Lex bot: the emulator over lex_bots/, with and without the real code hook."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.lex import LexEmulator
from simulator.paths import LEX_BOTS
from tests.unit.lex.helpers import CodeHook, clock


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the corpus accuracy whenever the corpus test ran (``make test`` shows it)."""
    from tests.unit.lex.corpus import score_corpus

    if score_corpus.cache_info().currsize == 0:
        return
    terminalreporter.section("Lex utterance corpus (local emulator)")
    for line in score_corpus().lines():
        terminalreporter.write_line(line)


@pytest.fixture
def real_hook(lambda_context: Any) -> CodeHook:
    """The lex_fulfil Lambda, invoked in-process as Lex would invoke it."""
    import lex_fulfil

    return lambda event: lex_fulfil.lambda_handler(event, lambda_context)


@pytest.fixture
def lex(real_hook: CodeHook) -> LexEmulator:
    """The IVR bot from lex_bots/ with the real code hook."""
    return LexEmulator(LEX_BOTS, clock, real_hook)


@pytest.fixture
def bare_lex() -> LexEmulator:
    """The IVR bot with no Lambda attached: Lex's own dialog only."""
    return LexEmulator(LEX_BOTS, clock)

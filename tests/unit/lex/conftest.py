"""Fixtures for the Lex bot: the emulator over lex_bots/, with and without the real code hook.

The corpus score `make test` prints is written by tests/conftest.py (from every xdist worker)."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.lex import LexEmulator
from simulator.paths import LEX_BOTS
from tests.unit.lex.helpers import CodeHook, clock


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

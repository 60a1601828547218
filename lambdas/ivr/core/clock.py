"""The time the handlers go by: the wall clock, or the local contact center's virtual clock.

The simulator runs a 10-minute wait in milliseconds; the portal session's expiry must see the
same time the call does, so it installs its clock here for the duration of a call. Several calls
at once (the local web phone) each install theirs in their own context only (``installed_here``, a
context variable, so it follows the call into the worker threads that copy its context), which
wins over the process-wide one (``installed``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_source: Callable[[], datetime] | None = None
_here: ContextVar[Callable[[], datetime] | None] = ContextVar("ivr_clock", default=None)


def now() -> datetime:
    source = _here.get() or _source
    return source() if source is not None else datetime.now(UTC)


@contextmanager
def installed(source: Callable[[], datetime]) -> Iterator[None]:
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous


@contextmanager
def installed_here(source: Callable[[], datetime]) -> Iterator[None]:
    """``source`` for the calling context only (one call among several in one process)."""
    token = _here.set(source)
    try:
        yield
    finally:
        _here.reset(token)

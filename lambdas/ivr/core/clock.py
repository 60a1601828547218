"""The time the handlers go by: the wall clock, or the local contact center's virtual clock.

The simulator runs a 10-minute wait in milliseconds; the portal session's expiry must see the
same time the call does, so it installs its clock here for the duration of a call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    return _source() if _source is not None else datetime.now(UTC)


@contextmanager
def installed(source: Callable[[], datetime]) -> Iterator[None]:
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous

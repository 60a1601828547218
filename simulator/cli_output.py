"""What the `ivr` command prints: the call on stdout; the handlers' logs off, or on stderr.

The handlers log JSON lines through Powertools (to stdout, as Lambda wants it). At a terminal those
lines drown the call, and after ``--json`` they would break the one document a tool reads, so the
CLI turns them off, or with ``--verbose`` sends them to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout

#: Powertools reads these when its Logger is made (ivr.core.observability, at import).
_OFF = "CRITICAL"
_VERBOSE = "INFO"


def route_handler_logs(verbose: bool) -> None:
    """Handler logs off, or (``verbose``) at INFO on stderr. Call after the local environment is
    applied (the template's Globals set a log level of their own)."""
    os.environ["POWERTOOLS_LOG_LEVEL"] = _VERBOSE if verbose else _OFF
    from simulator.paths import use_lambda_path

    use_lambda_path()
    from ivr.core.observability import logger

    logger.setLevel(_VERBOSE if verbose else _OFF)
    for handler in logging.getLogger(logger.name).handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is not _STDERR:
            handler.setStream(_STDERR)


class _CurrentStderr:
    """Whatever sys.stderr is when a record is written: a stream fixed at the first call would
    outlive it (pytest's capsys closes its stream after each test; the next setStream then
    flushed a closed file)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


_STDERR = _CurrentStderr()


@contextmanager
def stdout_for_the_answer_only() -> Iterator[None]:
    """Anything printed inside goes to stderr; stdout stays for the answer printed after."""
    with redirect_stdout(sys.stderr):
        yield

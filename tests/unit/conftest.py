"""The unit tier opens no sockets: what needs the network (moto's server, HTTP fakes, the local
stack) belongs in tests/integration. Every unit test runs with connect and bind refused."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest


class SocketBlockedError(RuntimeError):
    """A unit test tried to open a network connection or listen on a port."""


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise SocketBlockedError("unit tests open no sockets: move this test to tests/integration")


@pytest.fixture(autouse=True)
def _no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("connect", "connect_ex", "bind"):
        monkeypatch.setattr(socket.socket, name, _refuse)


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """What a test (or the CLI it runs: log levels, the local stack's variables) sets in the
    environment ends with it, so the next test reads the environment tests/conftest.py set."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)

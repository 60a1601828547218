"""The unit tier opens no sockets: what needs the network (moto's server, HTTP fakes, the local
stack) belongs in tests/integration. Every unit test runs with connect and bind refused."""

from __future__ import annotations

import socket
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

"""The unit tier cannot reach the network, so it stays fast and cannot depend on a server."""

from __future__ import annotations

import socket

import pytest

from tests.unit.conftest import SocketBlockedError


def test_a_unit_test_cannot_connect_anywhere() -> None:
    with pytest.raises(SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)


def test_a_unit_test_cannot_listen_on_a_port() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server,
        pytest.raises(SocketBlockedError),
    ):
        server.bind(("127.0.0.1", 0))

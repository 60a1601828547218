"""Free ports for local stacks that tests and benchmarks start side by side.

A port the kernel hands out for ``bind(0)`` lies in the ephemeral range, the same range every
client connection takes its local port from: between the check and the real bind, a parallel
test's HTTP request to moto can sit on it, and the bind fails with "Address already in use" (a
red CI once). These ports are drawn below that range instead, where only listeners go.
"""

from __future__ import annotations

import random
import socket

#: Below Linux's default ephemeral range (32768-60999) and above the well-known services.
LOW, HIGH = 20000, 32700
_handed_out: set[int] = set()


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(span: int = 2) -> int:
    """A port that nothing holds, with the ``span - 1`` ports after it free as well (the local web
    server takes its port and the next, the card page's origin); never the same one twice in a
    process."""
    draw = random.SystemRandom()
    for _ in range(200):
        port = draw.randrange(LOW, HIGH - span)
        ports = range(port, port + span)
        if _handed_out.isdisjoint(ports) and all(_bindable(p) for p in ports):
            _handed_out.update(ports)
            return port
    raise RuntimeError(f"no {span} free neighbouring ports between {LOW} and {HIGH}")

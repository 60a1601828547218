"""`ivr call --from ...` in a real terminal (a pty): the person types, the IVR answers."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from simulator.free_ports import free_port
from simulator.paths import ROOT


class Terminal:
    def __init__(self, *args: str) -> None:
        if args[:1] == ("call",) and "--web-port" not in args:
            args = (*args, "--web-port", "0")  # its portal on a free port, never 8080
        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "simulator", *args],
            cwd=ROOT,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
        )
        os.close(slave)
        self.screen = ""

    def read_until(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"never saw {text!r}; screen:\n{self.screen}"
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 4096).decode(errors="replace")
                except OSError:
                    chunk = ""
                assert chunk or text in self.screen, f"terminal closed; screen:\n{self.screen}"
                self.screen += chunk
        return self.screen

    def type(self, line: str) -> None:
        os.write(self.master, f"{line}\n".encode())

    def close(self) -> int:
        try:
            return self.process.wait(timeout=30)
        finally:
            os.close(self.master)


def test_a_person_checks_their_balance_in_a_terminal() -> None:
    terminal = Terminal("call", "--from", "+1 312 555 0142", "--port", str(free_port()))
    terminal.read_until("IVR: Hello Ana, welcome back to Example Bank.")
    terminal.read_until("To finish it now, press 1.")  # the sample caller's unfinished payment
    terminal.type("")  # not now: stay silent
    terminal.read_until("you (speak, or type a key like 1)> ")
    terminal.type("what's my balance")
    terminal.read_until("IVR: Your balance is $120.50.")
    terminal.read_until("Is there anything else")
    terminal.read_until("you (speak, or type a key like 1)> ")
    terminal.type("9")  # a single key is a key press at any question
    terminal.read_until("IVR: Thank you for calling Example Bank. Goodbye.")
    terminal.read_until("-- call ended: disconnected")
    assert terminal.close() == 0


def test_a_person_can_hang_up() -> None:
    terminal = Terminal("call", "--from", "+12025550100", "--port", str(free_port()))
    terminal.read_until("you (speak, or type a key like 1)> ")
    terminal.type("/hangup")
    terminal.read_until("-- call ended: hangup")
    assert terminal.close() == 0

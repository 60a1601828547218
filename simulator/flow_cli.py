"""The `ivr call --flow` options, kept apart so that building the CLI imports no interpreter."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_flow_call_options(call: argparse.ArgumentParser) -> None:
    """`ivr call --flow PATH [--flows DIR] [--stubs FILE] ...`."""
    call.add_argument("--flow", type=Path, help="run this exported flow (any instance's)")
    call.add_argument("--flows", type=Path, help="a directory of the flows it may reach")
    call.add_argument("--stubs", type=Path, help="JSON answers {Lambda or bot ARN/name: answer}")
    call.add_argument("--given", type=Path, help="YAML for the stand-ins (profiles, cases, ...)")
    call.add_argument(
        "--input", action="append", default=[], help='what the caller does, in order: "#12#" '
        'presses keys, words are speech, "" is silence (then silence, then a hangup)',
    )  # fmt: skip
    call.add_argument("--channel", choices=("VOICE", "CHAT", "TASK"), default="VOICE")
    call.add_argument("--queue", help="the preset working queue (a queue-transfer flow's)")
    call.add_argument("--agent", help="the preset agent (an agent-transfer flow's)")

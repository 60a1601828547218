"""What a handler reads from the Lambda context object it is given."""

from __future__ import annotations

from typing import Any


def seconds_left(context: Any) -> float:
    """Seconds before the invocation times out; no limit for a context without the method (a
    local run, a test calling the handler directly)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if callable(remaining) else float("inf")

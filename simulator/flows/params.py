"""Reading action parameters: strings in every export, resolved against the contact."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from simulator.flows.contact import Contact
from simulator.flows.jsonpath import resolve_value, substitute
from simulator.flows.model import Action


def resolved(action: Action, name: str, contact: Contact) -> str:
    """Parameter ``name`` with a JSONPath value resolved; "" when absent."""
    return resolve_value(action.param(name) or "", contact)


def resolve_map(values: Mapping[str, Any], contact: Contact) -> dict[str, str]:
    """A map whose keys and values may each be static, one JSONPath, or text with JSONPath
    written inline (Connect substitutes each)."""
    return {
        substitute(str(key), contact): substitute(str(value), contact)
        for key, value in values.items()
    }


def whole_number(text: str | None) -> int | None:
    try:
        return int(str(text).strip())
    except ValueError:
        return None


def seconds(text: str | None, default: float) -> float | None:
    """A time limit: ``default`` when absent, None when it is not a positive number."""
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None

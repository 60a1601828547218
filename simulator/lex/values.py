"""A resolved slot value, in the shape Lex V2 puts in ``sessionState.intent.slots``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SlotValue:
    """What the caller said and what Lex made of it.

    ``interpreted`` is None when the value is ambiguous ("ten o'clock"): ``resolved`` then lists
    the candidates, exactly as Lex V2 does.
    """

    original: str
    interpreted: str | None
    resolved: tuple[str, ...]

    @classmethod
    def exact(cls, original: str, value: str) -> SlotValue:
        return cls(original, value, (value,))

    def to_lex(self) -> dict[str, Any]:
        return {
            "shape": "Scalar",
            "value": {
                "originalValue": self.original,
                "interpretedValue": self.interpreted,
                "resolvedValues": list(self.resolved),
            },
        }

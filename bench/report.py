"""Where every bench writes its figures: one JSON document, one section per bench."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "bench.json"


def record(section: str, figures: dict[str, Any]) -> None:
    """Replace ``section`` in test-output/bench.json, keeping the other benches' sections."""
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    try:
        document = json.loads(OUTPUT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        document = {}
    document[section] = figures
    OUTPUT.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")

"""Every scenario in tests/scenarios/*.yaml is a whole call through the real flows and handlers."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario import run_file
from tests.scenarios.conftest import RECORDS

SCENARIOS = sorted(Path(__file__).parent.glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    result = run_file(path)
    RECORDS.append(result.record)
    assert result.passed, "\n".join(
        [*result.failures, "--- transcript ---", result.record.transcript]
    )

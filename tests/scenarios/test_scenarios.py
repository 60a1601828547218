"""Every scenario in tests/scenarios/*.yaml is a whole call through the real flows and handlers.

The calls share one in-memory AWS, built once for this module; before each call its tables are
restored from the snapshot taken when they were empty (simulator/testing/warm.py), so each
scenario still starts from the same empty contact center, without building it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.scenario import run_file
from simulator.testing.warm import WarmAWS
from tests.scenarios.records import RECORDS

SCENARIOS = sorted(Path(__file__).parent.glob("*.yaml"))


@pytest.fixture(scope="module")
def warm_aws() -> Iterator[WarmAWS]:
    with WarmAWS() as aws:
        yield aws


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path, warm_aws: WarmAWS) -> None:
    result = run_file(path, warm_aws.fresh)
    RECORDS.append(result.record)
    assert result.passed, "\n".join(
        [*result.failures, "--- transcript ---", result.record.transcript]
    )

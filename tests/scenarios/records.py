"""The scenarios' call records, for the flow coverage printed at the end of the run.

Under pytest-xdist each worker runs some of the scenarios: a worker hands the blocks and branches
its calls took to the controller (``config.workeroutput``, read in ``pytest_testnodedown``), and
the controller, which runs no test, prints the coverage of all of them. The hooks that do this
live in tests/conftest.py: the controller never collects, so it never loads this directory's
conftest.
"""

from __future__ import annotations

from typing import Any

from simulator.flows import CallRecord

RECORDS: list[CallRecord] = []

#: The key in a worker's ``config.workeroutput`` (only plain lists cross to the controller).
WORKER_OUTPUT_KEY = "scenario_coverage"


def worker_output() -> dict[str, list[Any]]:
    """What the calls in this process took, as plain lists (execnet sends no dataclasses)."""
    return {
        "blocks": [list(record.blocks) for record in RECORDS],
        "branches": [[list(branch) for branch in record.branches] for record in RECORDS],
    }


def add_worker_output(output: dict[str, list[Any]]) -> None:
    """A worker's records, back as CallRecords holding what the coverage report reads."""
    for blocks, branches in zip(output["blocks"], output["branches"], strict=True):
        RECORDS.append(
            CallRecord(
                blocks=list(blocks),
                branches=[(flow, action, label) for flow, action, label in branches],
            )
        )


def write_coverage(terminalreporter: Any) -> None:
    if not RECORDS:
        return
    from simulator.call import flow_library
    from simulator.coverage import coverage

    terminalreporter.section("contact flow coverage (scenarios)")
    for flow in coverage(flow_library(), RECORDS):
        terminalreporter.write_line(flow.line())

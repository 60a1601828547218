"""Collects every scenario's call record and prints flow coverage at the end of the run."""

from __future__ import annotations

from typing import Any

from simulator.flows import CallRecord

RECORDS: list[CallRecord] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RECORDS:
        return
    from simulator.call import flow_library
    from simulator.coverage import coverage

    terminalreporter.section("contact flow coverage (scenarios)")
    for flow in coverage(flow_library(), RECORDS):
        terminalreporter.write_line(flow.line())

"""Which flow blocks and branches a set of calls exercised, per flow."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from simulator.flows import CallRecord, Flow, FlowLibrary


@dataclass(frozen=True)
class FlowCoverage:
    flow: str
    blocks: set[str]
    blocks_hit: set[str]
    branches: set[tuple[str, str]]
    branches_hit: set[tuple[str, str]]

    @staticmethod
    def _percent(hit: int, total: int) -> float:
        return 100.0 * hit / total if total else 100.0

    def line(self) -> str:
        blocks = self._percent(len(self.blocks_hit), len(self.blocks))
        branches = self._percent(len(self.branches_hit), len(self.branches))
        text = f"{self.flow}: blocks {blocks:.0f}% ({len(self.blocks_hit)}/{len(self.blocks)}), "
        text += f"branches {branches:.0f}% ({len(self.branches_hit)}/{len(self.branches)})"
        untouched = sorted(self.blocks - self.blocks_hit)
        if untouched:
            text += f"\n    blocks never run: {', '.join(untouched)}"
        missed = sorted(f"{a}->{label}" for a, label in self.branches - self.branches_hit)
        if missed:
            text += f"\n    branches never taken: {', '.join(missed)}"
        return text


def possible_branches(flow: Flow) -> set[tuple[str, str]]:
    """Every (action, label) a flow can take, labelled as the interpreter records them."""
    branches = set()
    for action in flow.actions.values():
        transitions = action.transitions
        if transitions.next_action:
            branches.add((action.identifier, "NextAction"))
        for index, _ in enumerate(transitions.conditions):
            branches.add((action.identifier, f"Condition:{index}"))
        for error in transitions.errors:
            branches.add((action.identifier, f"Error:{error.error_type}"))
    return branches


def coverage(library: FlowLibrary, records: Iterable[CallRecord]) -> list[FlowCoverage]:
    records = list(records)
    report = []
    for name in library.names():
        flow = library.get(name)
        blocks_hit = {
            block.split(":", 1)[1]
            for r in records
            for block in r.blocks
            if block.startswith(f"{name}:")
        }
        branches = possible_branches(flow)
        hit = {(action, label) for r in records for f, action, label in r.branches if f == name}
        report.append(FlowCoverage(name, set(flow.actions), blocks_hit, branches, hit & branches))
    return report

"""The repository's flows pass the linter, and the linter catches a broken copy of them."""

from __future__ import annotations

import json

from deploy.template import function_handlers
from simulator.flow_check import known_bots, lint_repository
from simulator.flows import lint_flow
from simulator.paths import CONTACT_FLOWS


def test_every_flow_in_the_repository_passes_the_linter() -> None:
    assert [str(p) for p in lint_repository()] == []


def _inbound() -> dict[str, object]:
    flow: dict[str, object] = json.loads((CONTACT_FLOWS / "inbound.json").read_text())
    return flow


def _lint(flow: dict[str, object]) -> list[str]:
    problems = lint_flow(
        flow,
        name="inbound",
        known_functions=set(function_handlers()),
        known_bots=known_bots(),
        known_flows=set(),
    )
    return [str(p) for p in problems]


def test_a_transition_to_a_missing_block_is_rejected() -> None:
    flow = _inbound()
    actions = flow["Actions"]
    assert isinstance(actions, list)
    greet = next(a for a in actions if a["Identifier"] == "greet-known")
    greet["Transitions"]["NextAction"] = "no-such-block"
    problems = _lint(flow)
    assert any("no-such-block" in p for p in problems), problems


def test_a_lambda_missing_from_the_template_is_rejected() -> None:
    flow = _inbound()
    actions = flow["Actions"]
    assert isinstance(actions, list)
    lookup = next(a for a in actions if a["Identifier"] == "caller-lookup")
    lookup["Parameters"]["LambdaFunctionARN"] = "${ForgottenFunction.Arn}"
    assert any("ForgottenFunction" in p for p in _lint(flow))


def test_the_cli_lints_the_repository() -> None:
    from simulator.cli import main

    assert main(["flows", "lint"]) == 0


def test_flows_are_the_files_connect_accepts() -> None:
    for path in CONTACT_FLOWS.glob("*.json"):
        flow = json.loads(path.read_text())
        assert flow["Version"] == "2019-10-30"
        assert len(flow["Actions"]) <= 250  # Connect's limit per flow
        assert len(path.read_text()) < 256_000  # AWS::Connect::ContactFlow Content limit

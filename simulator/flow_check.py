"""`ivr flows lint` over the repository: flows checked against template.yaml and lex_bots/."""

from __future__ import annotations

import json

from deploy.template import function_handlers
from simulator.flows import LintProblem, lint_paths
from simulator.paths import CONTACT_FLOWS, LEX_BOTS


def flow_reference_name(stem: str) -> str:
    """contact_flows/customer_queue.json is ``${CustomerQueueFlow.Arn}`` in other flows."""
    return "".join(part.capitalize() for part in stem.replace("-", "_").split("_")) + "Flow"


def known_bots() -> set[str]:
    """Each bot in lex_bots/ is reached through its alias, ``${<BotName>Alias.Arn}``."""
    names = set()
    for path in LEX_BOTS.glob("*.json"):
        names.add(f"{json.loads(path.read_text())['Name']}Alias")
    return names


def lint_repository() -> list[LintProblem]:
    stems = {path.stem for path in CONTACT_FLOWS.glob("*.json")}
    return lint_paths(
        [CONTACT_FLOWS],
        known_functions=set(function_handlers()),
        known_bots=known_bots(),
        known_flows={flow_reference_name(stem) for stem in stems},
    )

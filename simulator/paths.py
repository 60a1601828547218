"""Where things are in the repository, and the Lambda import path (artifact root: lambdas/)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAMBDAS = ROOT / "lambdas"
TEMPLATE = ROOT / "template.yaml"
CONTACT_FLOWS = ROOT / "contact_flows"
LEX_BOTS = ROOT / "lex_bots"
PORTAL = ROOT / "portal"
SCENARIOS = ROOT / "tests" / "scenarios"


def use_lambda_path() -> None:
    """Import handlers the way Lambda does: by module name from the artifact root."""
    if str(LAMBDAS) not in sys.path:
        sys.path.insert(0, str(LAMBDAS))

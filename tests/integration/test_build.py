"""The Lambda artifact: code + templates + runtime dependencies, and nothing else of the repo."""

from __future__ import annotations

from pathlib import Path

from deploy.build import smoke, stage
from deploy.template import function_handlers


def test_artifact_holds_the_handlers_and_package_but_no_tests_or_portal(tmp_path: Path) -> None:
    artifact = stage(tmp_path / "artifact", install=False)
    assert (artifact / "caller_lookup.py").is_file()
    assert (artifact / "ivr" / "callers.py").is_file()
    for forbidden in ("tests", "portal", "simulator", "contact_flows", "requirements.txt"):
        assert not (artifact / forbidden).exists(), forbidden


def test_every_handler_imports_from_the_artifact_alone(tmp_path: Path) -> None:
    artifact = stage(tmp_path / "artifact")
    smoke(artifact, sorted(set(function_handlers().values())))

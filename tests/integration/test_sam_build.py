"""`sam build` (SAM CLI from PyPI, makefile build method, no container) and its artifacts.

Runs the SAM CLI that SAM_CLI names, else .venv-sam/bin/sam (`make sam` installs aws-sam-cli there;
`make test` does it first), and fails, never skips, when there is none. The deployed artifact
holds CPython 3.12 arm64 wheels (cryptography, cffi, ...), which
this machine's Python cannot load, so the handlers are imported from a second `sam build` of the
same Makefile target with LAMBDA_PLATFORM=host (this machine's wheels), and the arm64 build is
checked for its layout and wheel platform.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.build import smoke
from deploy.template import function_handlers, load_template
from simulator.paths import ROOT

SAM_CLI = os.environ.get("SAM_CLI") or str(ROOT / ".venv-sam" / "bin" / "sam")


@pytest.fixture(autouse=True)
def sam_cli_installed() -> None:
    if not Path(SAM_CLI).is_file():
        pytest.fail(f"no SAM CLI at {SAM_CLI}: `make sam` installs it into .venv-sam")


_NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".venv-sam",
    "node_modules",
    "build",
    ".aws-sam",
    "test-output",
    "*_cache",
    "__pycache__",
    ".hypothesis",
    "vendor",
)


def _sam_build(tmp: Path, platform: str) -> Path:
    repo = tmp / "repo"
    if not repo.exists():
        shutil.copytree(ROOT, repo, ignore=_NOT_COPIED)
    build_dir = tmp / f"sam-{platform}"
    env = {**os.environ, "LAMBDA_PLATFORM": platform, "PYTHON": sys.executable}
    env["SAM_CLI_TELEMETRY"] = "0"
    result = subprocess.run(
        [str(SAM_CLI), "build", "--build-dir", str(build_dir)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return build_dir


@pytest.fixture(scope="module")
def sam_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sam")


def test_sam_build_gives_every_function_the_arm64_artifact_and_nothing_else(
    sam_workspace: Path,
) -> None:
    build_dir = _sam_build(sam_workspace, "manylinux2014_aarch64")
    built = load_template(build_dir / "template.yaml")["Resources"]
    for logical_id, handler in function_handlers().items():
        artifact = build_dir / logical_id
        assert built[logical_id]["Properties"]["CodeUri"] == logical_id
        assert (artifact / f"{handler.split('.')[0]}.py").is_file(), logical_id
        assert (artifact / "ivr" / "wiring.py").is_file(), logical_id
        assert (artifact / "templates").is_dir(), logical_id
        for forbidden in ("tests", "portal", "simulator", "contact_flows", "deploy", "Makefile"):
            assert not (artifact / forbidden).exists(), f"{logical_id} holds {forbidden}"
        compiled = [p.name for p in artifact.glob("*.so")]
        assert compiled and all("cpython-312-aarch64" in name for name in compiled), compiled


def test_every_handler_imports_from_its_sam_built_artifact(sam_workspace: Path) -> None:
    build_dir = _sam_build(sam_workspace, "host")
    for logical_id, handler in sorted(function_handlers().items()):
        smoke(build_dir / logical_id, [handler])

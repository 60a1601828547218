"""Stage the one Lambda artifact every function shares: lambdas/ (handlers + the ivr package),
templates/ beside it, and the runtime dependencies; nothing from tests/, portal/ or simulator/.

`make build` runs it into build/artifact; SAM's makefile build method runs it (through the
Makefile's `build-%` target) into $ARTIFACTS_DIR. `--smoke` then imports every handler named in
template.yaml from the artifact alone, with Python's site-packages switched off.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "requirements.txt")


def stage(target: Path, *, install: bool = True, platform: str | None = None) -> Path:
    """Copy the code and install the pinned runtime dependencies into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "lambdas", target, dirs_exist_ok=True, ignore=_IGNORED)
    templates = ROOT / "templates"
    if templates.is_dir():
        shutil.copytree(templates, target / "templates", dirs_exist_ok=True, ignore=_IGNORED)
    if install and not _uv_install(target, platform):
        _pip_install(target, platform)
    return target


def _uv_install(target: Path, platform: str | None) -> bool:
    """Install with uv (beside this Python, in .venv, else on the PATH): the same pinned wheels
    as pip, from uv's cache in a second, and no bytecode (pip compiled it with this machine's
    Python, not Lambda's 3.12, so it was never used). False without uv, or when it fails."""
    beside = [Path(sys.executable).parent / "uv", ROOT / ".venv" / "bin" / "uv"]
    found = next((str(uv) for uv in beside if uv.is_file()), None) or shutil.which("uv")
    target_platform = _uv_platform(platform) if platform else None
    if not found or (platform and not target_platform):
        return False
    command = [found, "pip", "install", "--quiet", "--target", str(target), "--link-mode", "copy"]
    command += ["-r", str(ROOT / "lambdas" / "requirements.txt"), "--python", sys.executable]
    if target_platform:
        command += ["--python-platform", target_platform, "--python-version", "3.12"]
        command += ["--only-binary", ":all:"]
    if subprocess.run(command, check=False).returncode != 0:
        print("uv failed: pip installs instead", file=sys.stderr)
        return False
    (target / ".lock").unlink(missing_ok=True)  # uv's lock on the target, not part of the code
    return True


def _uv_platform(platform: str) -> str | None:
    """pip's wheel tag (manylinux2014_aarch64) as uv's --python-platform (aarch64-manylinux2014)."""
    for arch in ("aarch64", "x86_64"):
        if platform.startswith("manylinux") and platform.endswith(f"_{arch}"):
            return f"{arch}-{platform.removesuffix(f'_{arch}')}"
    return None


def _pip_install(target: Path, platform: str | None) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["-r", str(ROOT / "lambdas" / "requirements.txt"), "--target", str(target)]
    if platform:  # e.g. manylinux2014_aarch64 for the arm64 functions, Python 3.12
        command += ["--platform", platform, "--python-version", "3.12"]
        command += ["--only-binary=:all:", "--implementation", "cp"]
    subprocess.run(command, check=True)


def _source_digest(platform: str | None) -> str:
    """What an artifact depends on: the code, templates/, the pins and the target platform."""
    digest = hashlib.sha256(f"{platform}\n".encode())
    for root in (ROOT / "lambdas", ROOT / "templates"):
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def stage_cached(target: Path, cache: Path, *, platform: str | None = None) -> Path:
    """Stage once per source digest into ``cache``, then link it into ``target``: SAM's makefile
    method builds every function separately, and all of them share this one artifact (hard links:
    the same files, without copying 120 MB per function; a copy where links cannot be made)."""
    cache.mkdir(parents=True, exist_ok=True)
    staged = cache / _source_digest(platform)
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # `sam build --parallel` runs several at once
        if not staged.is_dir():
            scratch = cache / f"{staged.name}.partial"
            shutil.rmtree(scratch, ignore_errors=True)
            stage(scratch, platform=platform)
            scratch.rename(staged)
    shutil.copytree(staged, target, dirs_exist_ok=True, copy_function=_link_or_copy)
    return target


def _link_or_copy(source: str, destination: str) -> None:
    # A file already there (an earlier build into the same directory) may be a link to an older
    # stage: replaced, never written through.
    Path(destination).unlink(missing_ok=True)
    try:
        os.link(source, destination)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, destination)


def smoke(artifact: Path, handlers: list[str]) -> None:
    """Import each 'module.function' with only the artifact on the path (no site-packages)."""
    code = (
        "import importlib, sys\n"
        f"sys.path.insert(0, {str(artifact)!r})\n"
        "for handler in sys.argv[1:]:\n"
        "    module, name = handler.rsplit('.', 1)\n"
        "    assert callable(getattr(importlib.import_module(module), name)), handler\n"
        "    print('imported', handler)\n"
    )
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-S", "-I", "-c", code, *handlers], check=True, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path)
    parser.add_argument("--platform", help="install wheels for this platform (cross-build)")
    parser.add_argument("--smoke", action="store_true", help="import every handler afterwards")
    parser.add_argument("--cache", type=Path, help="stage once into this directory, then copy")
    args = parser.parse_args(argv)
    if args.cache:
        stage_cached(args.target, args.cache, platform=args.platform)
    else:
        stage(args.target, platform=args.platform)
    if args.smoke:
        # Imported here: SAM's build-% target runs this module with a bare python3 (no PyYAML)
        # unless --smoke asks for the template.
        from deploy.template import function_handlers

        smoke(args.target, sorted(set(function_handlers().values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())

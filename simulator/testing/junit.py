"""A JUnit XML report of scripted calls: one testcase per call, what was heard against expected."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

#: At most this much of a call's transcript goes into a failure's text.
TRANSCRIPT_LINES = 60


def _failure_text(result: dict[str, Any]) -> str:
    lines = [f"- {failure}" for failure in result.get("failures", [])]
    for observation in result.get("observations", []):
        if not observation.get("passed", True):
            lines.append(
                f"observation {observation['identifier']}: expected {observation['expected']}, "
                f"heard {observation['heard']}"
            )
    prompts = result.get("prompts") or []
    if prompts:
        lines += ["--- heard ---", *prompts[:TRANSCRIPT_LINES]]
    return "\n".join(lines)


def write_junit(path: Path, results: list[dict[str, Any]], elapsed: float) -> None:
    """``results`` are the calls' JSON records (with ``scenario``, ``passed``, ``failures``,
    ``file`` and ``seconds``)."""
    failed = sum(not r.get("passed") for r in results)
    errors = sum(bool(r.get("error")) for r in results)
    suite = ET.Element(
        "testsuite",
        name="ivr scripted calls",
        tests=str(len(results)),
        failures=str(failed - errors),
        errors=str(errors),
        time=f"{elapsed:.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            name=str(result.get("scenario", "")),
            classname=str(result.get("file", "")),
            time=f"{float(result.get('seconds', 0.0)):.3f}",
        )
        if result.get("error"):
            node = ET.SubElement(case, "error", message=str(result["error"])[:500])
            node.text = str(result["error"])
        elif not result.get("passed"):
            failures = result.get("failures") or ["failed"]
            node = ET.SubElement(case, "failure", message=str(failures[0])[:500])
            node.text = _failure_text(result)
    root = ET.Element("testsuites")
    root.append(suite)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)

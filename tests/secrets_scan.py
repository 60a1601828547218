"""Secrets scan: after the whole suite, no card number, CVV, PIN or knowledge answer in anything
the suite's code stored, logged, sent or answered.

A pytest plugin (tests/conftest.py names it). While the tests run, every process scans, as it is
produced:

* ``dynamodb``: every request moto's DynamoDB serves and its answer (what is written to a table,
  read from it, in conditions and keys), in memory or over HTTP in the test process; the SQS
  bodies the same way (``sqs``);
* ``log``: every log line a handler formats (``logging.Handler.format``: Powertools' JSON lines
  as they are written to stdout/stderr, pytest's capture, anything else);
* ``outbox``: every SMS and e-mail the local outbox takes (text, subject, HTML);
* ``lambda``: every Connect-invoked function's answer (without ``pinSpoken``, the one field meant
  to carry the portal PIN, which the flow reads out with logging off), and every portal API answer
  a scripted customer gets;
* ``record``: every scripted call's record as `ivr call --json` prints it, without the prompts
  (what the IVR said: the PIN it reads out to the caller);
* ``http``: every answer the local web server (web phone, portal, agent dashboard) sends;
* ``load``: the load run's tables, outbox, call records and handler logs (tests/load/);
* ``file``: at the end, every file under test-output/.

Card numbers are found by shape (13-19 digits, separators allowed, Luhn-valid) and by value (the
test cards the suite uses). CVVs, PINs and knowledge answers are found by value: the CVVs and
literal PINs the scenarios type, every PIN a portal session issued in this run (the
``pinSpoken`` answers), the knowledge answers of the sample data and the scenarios' customers;
CVVs only beside a key that names them (a three-digit number alone is no evidence).

Under pytest-xdist each worker writes what it scanned and found to a file of its own in
``test-output/secrets-scan/``; the controller (or the only process, without xdist) adds them up
at the end, prints the inventory and fails the session when anything was found.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.paths import ROOT, SCENARIOS

OUT = ROOT / "test-output"
SCAN_DIR = OUT / "secrets-scan"
#: The processors' published test cards the suite and the sample data use.
TEST_CARDS = {
    "4242424242424242",
    "4000000000000002",
    "4000000000009995",
    "4000056655665556",
    "4111111111111111",
    "5555555555554444",
}
#: A run of 13-19 digits standing on its own (spaces, dashes or dots may group it).
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])(?:\d[ .-]?){12,18}\d(?![0-9A-Za-z])")
#: Digits alone of a length a PIN or a knowledge answer has.
_SHORT_RUN = re.compile(r"(?<![0-9A-Za-z_.:+#-])\d{4,8}(?![0-9A-Za-z_])")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: Where random hex and ids stand, a run of digits is chance, not data (UUIDs, digests, tokens);
#: so is a duration in milliseconds ("answered in 1122 ms", or ``"ms": 1122`` in the load run's
#: report: four digits once the machine is busy, as under two xdist workers on a shared machine).
_NOISE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|\b[0-9a-fA-F]{16,}\b|[A-Za-z0-9_-]{20,}|\d{4}-\d{2}-\d{2}[T ][\d:.,]+(?:[+-]\d{2}:?\d{2}|Z)?"
    r"|\b\d+ ?ms\b"
    r"""|\b(?:\w*_)?(?:ms|millis|milliseconds|elapsed|latency|duration)["']?\s*[:=]\s*\d+"""
)
_CVV_FIELD = re.compile(
    r"""(?i)["']?(?:cvv|cvc|cvv2|security_?code|securityCode)["']?\s*[:=]\s*["']?(\d{3,4})\b"""
)


def _luhn(digits: str) -> bool:
    from ivr.core.observability import luhn_valid

    return luhn_valid(digits)


class Scanner:
    """What one process scanned and found; thread-safe (calls run in threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.texts: Counter[str] = Counter()  # kind -> texts scanned
        self.findings: list[dict[str, str]] = []
        self._runs: dict[str, tuple[str, str]] = {}  # short digit run -> (kind, excerpt)
        self._issued_pins: set[str] = set()

    def scan(self, kind: str, text: str) -> None:
        """Card numbers and CVVs now; short digit runs kept for the end (PINs are learnt as
        the run goes on)."""
        if not text:
            return
        found = []
        # A UUID whose last groups are all digits reads as 16 digits split by a dash.
        for match in _DIGIT_RUN.finditer(_UUID.sub(" ", text)):
            digits = re.sub(r"\D", "", match.group(0))
            if _epoch_milliseconds(match.group(0)) or _decimal(match.group(0)):
                continue
            if digits in TEST_CARDS or _luhn(digits):
                found.append(("card number", _excerpt(_UUID.sub(" ", text), match)))
        cvvs = known_values()["cvv"]
        found += [
            ("CVV", _excerpt(text, m)) for m in _CVV_FIELD.finditer(text) if m.group(1) in cvvs
        ]
        quiet = _NOISE.sub(" ", text)
        runs = {m.group(0): _excerpt(quiet, m) for m in _SHORT_RUN.finditer(quiet)}
        with self._lock:
            self.texts[kind] += 1
            self.findings += [{"kind": kind, "what": w, "excerpt": e} for w, e in found]
            for run, excerpt in runs.items():
                self._runs.setdefault(run, (kind, excerpt))

    def issued_pin(self, pin: str) -> None:
        """A PIN a portal session issued: nowhere but where the IVR reads it out."""
        digits = re.sub(r"\D", "", pin)
        if digits:
            with self._lock:
                self._issued_pins.add(digits)

    def all_findings(self) -> list[dict[str, str]]:
        """The card numbers and CVVs found, and the short runs that are a PIN or an answer."""
        known = known_values()
        with self._lock:
            wanted = dict.fromkeys(known["pins"] | self._issued_pins, "PIN")
            wanted |= dict.fromkeys(known["answers"], "knowledge answer")
            values = [
                {"kind": kind, "what": wanted[run], "excerpt": excerpt}
                for run, (kind, excerpt) in self._runs.items()
                if run in wanted
            ]
            return self.findings + values


#: This process's scanner: every hook below feeds it.
SESSION = Scanner()


def scan(kind: str, text: str) -> None:
    SESSION.scan(kind, text)


def _epoch_milliseconds(run: str) -> bool:
    """13 plain digits from 2000 to 2039 in milliseconds (SQS timestamps, Powertools' expiry):
    they pass Luhn one time in ten, and no card number has 13 digits starting with 1 or 2."""
    return len(run) == 13 and run.isdigit() and 946_684_800_000 <= int(run) < 2_200_000_000_000


def _decimal(run: str) -> bool:
    """One dot and nothing else between the digits: a decimal number (a float, epoch seconds
    with a fraction), not a card number split into groups."""
    return run.count(".") == 1 and not re.search(r"[ -]", run)


def _excerpt(text: str, match: re.Match[str]) -> str:
    start, end = max(0, match.start() - 60), match.end() + 60
    return text[start:end].replace("\n", " ")


_KNOWN: dict[str, set[str]] = {}


def known_values() -> dict[str, set[str]]:
    """CVVs, literal PINs and knowledge answers from the sample data and the scenarios."""
    if _KNOWN:
        return _KNOWN
    cvv: set[str] = set()
    pins: set[str] = set()
    answers: set[str] = set()
    sources = [ROOT / "simulator" / "sample_data.yaml", *sorted(SCENARIOS.glob("*.yaml"))]
    for path in sources:
        # libyaml's parser where PyYAML has it: 0.02 s for the 89 files, not 0.2 s a process.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        document = yaml.load(path.read_text(), Loader=loader) or {}  # noqa: S506  # a safe one
        given = document.get("given") or document
        for person in given.get("customers") or []:
            answers |= {
                str(person[k]) for k in ("national_id_last4", "postal_code") if person.get(k)
            }
        for step in document.get("steps") or []:
            portal = step.get("portal") if isinstance(step, dict) else None
            if isinstance(portal, dict):
                cvv |= {str(portal["cvv"])} if portal.get("cvv") else set()
                pin = str(portal.get("pin", "spoken"))
                pins |= {pin} if pin.isdigit() else set()
    from tests.load.driver import CVV, KNOWLEDGE_ANSWER, POSTAL_CODE

    cvv.add(CVV)
    answers |= {KNOWLEDGE_ANSWER, POSTAL_CODE}
    _KNOWN.update(cvv=cvv, pins=pins, answers=answers)
    return _KNOWN


# --- where the texts come from -----------------------------------------------------------------


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _install_hooks() -> None:
    from moto.core.responses import BaseResponse

    call_action = BaseResponse.call_action

    def scanned_action(self: Any) -> Any:
        answer = call_action(self)
        service = type(self).__module__.split(".")[1]
        if service in {"dynamodb", "sqs"}:
            scan(service, _as_text(getattr(self, "body", "")))
            scan(service, _as_text(answer[2] if isinstance(answer, tuple) else answer))
        return answer

    BaseResponse.call_action = scanned_action  # type: ignore[method-assign]

    format_record = logging.Handler.format

    def scanned_format(self: logging.Handler, record: logging.LogRecord) -> str:
        text = format_record(self, record)
        scan("log", text)
        return text

    logging.Handler.format = scanned_format  # type: ignore[method-assign]

    from simulator.paths import use_lambda_path

    use_lambda_path()
    from ivr.adapters.local.outbox import LocalOutbox

    send = LocalOutbox.send

    def scanned_send(self: LocalOutbox, message: Any) -> str:
        scan("outbox", _as_text([message.to, message.text, message.subject, message.html]))
        return send(self, message)

    LocalOutbox.send = scanned_send  # type: ignore[method-assign]

    from simulator.runtime import LocalRuntime

    invoke = LocalRuntime.invoke_lambda

    def scanned_invoke(self: LocalRuntime, ref: str, event: dict[str, Any], limit: float) -> Any:
        answer = invoke(self, ref, event, limit)
        if isinstance(answer, dict) and "pinSpoken" in answer:
            SESSION.issued_pin(str(answer["pinSpoken"]))
        scan("lambda", _as_text({k: v for k, v in dict(answer).items() if k != "pinSpoken"}))
        return answer

    LocalRuntime.invoke_lambda = scanned_invoke  # type: ignore[method-assign,assignment]

    import simulator.portal_client as portal_client

    call_api = portal_client.call_api

    def scanned_api(*args: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        status, body = call_api(*args, **kwargs)
        scan("lambda", _as_text(body))
        return status, body

    portal_client.call_api = scanned_api

    from simulator.scenario import ScenarioResult

    result_init = ScenarioResult.__init__

    def scanned_result(self: ScenarioResult, *args: Any, **kwargs: Any) -> None:
        result_init(self, *args, **kwargs)
        scan("record", _record_text(self.as_json()))

    ScenarioResult.__init__ = scanned_result  # type: ignore[method-assign]

    from simulator.web.server import _Handler

    reply = _Handler.send

    def scanned_reply(self: _Handler, answer: Any, csp: str | None = None) -> None:
        scan("http", _as_text(answer.body))
        reply(self, answer, csp)

    _Handler.send = scanned_reply  # type: ignore[method-assign]


def _record_text(record: dict[str, Any]) -> str:
    """A call's record without what the IVR said (the PIN it reads out to the caller)."""
    kept = {k: v for k, v in record.items() if k != "prompts"}
    kept["events"] = [e for e in record.get("events") or [] if e.get("kind") != "prompt"]
    return _as_text(kept)


def scan_load_run(directory: Path, items: dict[str, list[dict[str, Any]]]) -> None:
    """The load run's processes are not this one: scan what they left (tests/load/)."""
    for table, rows in items.items():
        for row in rows:
            scan("load", _as_text({table: row}))
    for path in sorted(directory.glob("*.log")) + [directory / "outbox.jsonl"]:
        if path.exists():
            for line in path.read_text(errors="replace").splitlines():
                scan("load", line)
    for path in sorted(directory.glob("records-*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            for answer in record.get("invocations") or []:
                answer.pop("pinSpoken", None)
            scan("load", _record_text(record))


def _scan_files(paths: Iterable[Path]) -> None:
    for path in paths:
        if path.is_file() and SCAN_DIR not in path.parents and path.stat().st_size < 50_000_000:
            data = path.read_bytes()
            if b"\0" in data[:8192]:
                # A screenshot or other binary: compressed pixels hold digit bytes by chance (a PNG
                # held "1122", a sample knowledge answer); what a page shows is asserted as text
                # by the browser tests, not read back from its picture.
                continue
            scan("file", data.decode(errors="replace"))


# --- pytest -------------------------------------------------------------------------------------


def _worker_id(config: pytest.Config) -> str | None:
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else None


def pytest_configure(config: pytest.Config) -> None:
    if _worker_id(config) is None:  # the controller, or the only process: start clean
        SCAN_DIR.mkdir(parents=True, exist_ok=True)
        for old in SCAN_DIR.glob("*.json"):
            old.unlink()
    _install_hooks()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    worker = _worker_id(config)
    if worker is None:
        _scan_files(p for p in OUT.rglob("*"))
    report = {"texts": dict(SESSION.texts), "findings": SESSION.all_findings()}
    SCAN_DIR.mkdir(parents=True, exist_ok=True)
    (SCAN_DIR / f"{worker or 'main'}.json").write_text(json.dumps(report, indent=1))
    if worker is not None:
        return
    texts, findings = _totals()
    config.stash[_RESULT] = (texts, findings)
    if findings and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_RESULT = pytest.StashKey[tuple[Counter[str], list[dict[str, str]]]]()


def _totals() -> tuple[Counter[str], list[dict[str, str]]]:
    texts: Counter[str] = Counter()
    findings: list[dict[str, str]] = []
    for path in sorted(SCAN_DIR.glob("*.json")):
        report = json.loads(path.read_text())
        texts.update(report["texts"])
        findings += report["findings"]
    # One log record is formatted by every handler that takes it: one finding, not three.
    unique = {(f["kind"], f["what"], f["excerpt"]): f for f in findings}
    return texts, list(unique.values())


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if _RESULT not in config.stash:
        return
    texts, findings = config.stash[_RESULT]
    terminalreporter.section("secrets scan")
    inventory = ", ".join(f"{kind} {count}" for kind, count in sorted(texts.items()))
    terminalreporter.write_line(f"scanned: {inventory or 'nothing'}")
    if not findings:
        terminalreporter.write_line("secrets scan: 0 card numbers, CVVs, PINs or knowledge answers")
        return
    terminalreporter.write_line(
        f"SECRETS SCAN FAILED: {len(findings)} finding(s) (test-output/secrets-scan/)", red=True
    )
    for finding in findings[:20]:
        terminalreporter.write_line(
            f"  {finding['what']} in {finding['kind']}: {finding['excerpt']}"
        )

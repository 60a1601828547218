"""Test set-up. The environment is set before anything imports ivr (PynamoDB reads it at import)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from simulator.local_aws import LOCAL_REGION, function_environment

# Hypothesis' per-example wall-clock deadline (200 ms) fails a property on a loaded CI machine or
# on the example that first loads a library's data (phonenumbers' metadata for a region: 273 ms
# once, a red fresh-clone run), and reports it as flaky. The properties are what the tests check;
# how long one example takes is not. Tests that set their own settings keep them.
settings.register_profile(
    "suite", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("suite")

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "AWS_REGION": LOCAL_REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "ivr-tests",
    "NOTIFIER": "local",
    "VOICE_PROVIDER": "simulated",
    "CONTACT_ATTRIBUTES": "activity",
    "HANDLED_CONTACTS": "activity",
    **function_environment(),
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)

#: After the whole suite: no card number, CVV, PIN or knowledge answer anywhere (README, Hardening).
pytest_plugins = ["tests.secrets_scan"]

EVENTS = Path(__file__).parent / "events"


def load_event(name: str) -> Any:
    """A sample event from tests/events/, e.g. load_event('connect/caller_lookup.json')."""
    return json.loads((EVENTS / name).read_text())


@pytest.fixture(autouse=True)
def _handler_log_level_restored() -> Iterator[None]:
    """The `ivr` CLI run in-process (simulator.cli.main) turns the handlers' Logger down to
    CRITICAL for the rest of the process; a test that reads the handlers' log lines must not
    depend on whether such a test ran before it in the same process (xdist workers run the
    files in another order than a single process does)."""
    observability = sys.modules.get("ivr.core.observability")
    level = observability.logger.log_level if observability is not None else None
    variable = os.environ.get("POWERTOOLS_LOG_LEVEL")
    yield
    if variable is None:
        os.environ.pop("POWERTOOLS_LOG_LEVEL", None)
    else:
        os.environ["POWERTOOLS_LOG_LEVEL"] = variable
    observability = sys.modules.get("ivr.core.observability")
    if observability is not None:  # the level it had, else the one it was made with
        observability.logger.setLevel(level or os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"))


@pytest.fixture
def aws() -> Iterator[None]:
    """moto's in-memory AWS with the template's tables and secrets (one request at a time), as
    in_memory_aws() makes it, put back from one snapshot per process before each test."""
    from simulator.testing.warm import restored_aws

    with restored_aws():
        yield


@pytest.fixture
def lambda_context() -> Any:
    from simulator.context import lambda_context as make

    return make("test-function")


# --- `make pytest` runs the suite on two xdist workers, a whole file per worker at a time
# (--dist loadfile: a file's module-scoped stack, browser or warm tables are built once, and its
# tests run in their order), the files in the order below (--no-loadscope-reorder). The files
# that take longest, mostly waiting on a subprocess or the IVR's timers, go first, so no worker
# is left with one of them at the end while the other has nothing to do. Measured on this
# 2-core machine (wall seconds under load, ranked; see README "The two commands").
LONGEST_FIRST = (
    "tests/integration/test_sam_build.py",
    "tests/browser/test_contact_center.py",
    "tests/integration/test_cli_ports_and_json.py",
    "tests/browser/test_several_calls.py",
    "tests/browser/test_payment_portal.py",
    "tests/integration/test_customer_import.py",
    "tests/integration/test_customers_cli.py",
    "tests/browser/test_agent_desk.py",
    "tests/integration/test_build.py",
    "tests/integration/test_interactive_voice.py",
    "tests/integration/test_template.py",
    "tests/integration/test_local_stack.py",
    "tests/integration/test_interactive_call.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each schemathesis operation its own id; under xdist, the longest files first, each
    file's tests kept in their order."""
    _one_id_per_operation(items)
    if not hasattr(config, "workerinput"):
        return
    rank = {path: index for index, path in enumerate(LONGEST_FIRST)}
    position = {id(item): index for index, item in enumerate(items)}
    items.sort(
        key=lambda item: (
            rank.get(item.nodeid.split("::", 1)[0], len(rank)),
            position[id(item)],
        )
    )


def _one_id_per_operation(items: list[pytest.Item]) -> None:
    """schemathesis (4.32, under pytest 9.2) names each operation's test ``test[POST /path]`` but
    builds every one's node id from the bare function name, so all the operations of a document
    share one id. xdist schedules by id: it would run the first operation of each document and
    silently drop the rest (tests/fuzz/test_api_schemathesis.py). Here each gets the label it
    is named by as its id's parameter, in every process alike, so the file runs on a worker
    like any other and each operation is counted and reported by its own id."""
    for item in items:
        label = getattr(item, "operation_label", None)  # a schemathesis item's operation
        if isinstance(label, str) and item.id.params is None:
            item._id = item.id.with_params(label)


# --- The scenarios' flow coverage, with or without pytest-xdist (`make pytest` runs 2 workers).
# A process running tests has no ``workerinput`` when it is the only one, and has it when it is
# an xdist worker; the controller of an xdist run has none and runs no test. Any session-end hook
# that looks at what the whole run did must work out which of the three it is in the same way.


#: The Lex corpus score's lines, as the worker that ran tests/unit/lex/test_utterance_corpus.py
#: printed them (empty without xdist: then this process scored the corpus itself).
_LEX_CORPUS_FROM_WORKERS: list[str] = []


def _lex_corpus_lines() -> list[str]:
    """The corpus score, when this process ran the corpus test (tests/unit/lex/corpus.py)."""
    corpus = sys.modules.get("tests.unit.lex.corpus")
    if corpus is None or corpus.score_corpus.cache_info().currsize == 0:
        return []
    lines: list[str] = list(corpus.score_corpus().lines())
    return lines


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):  # an xdist worker: hand the summaries over
        from tests.scenarios.records import WORKER_OUTPUT_KEY, worker_output

        output = session.config.workeroutput  # type: ignore[attr-defined]
        output[WORKER_OUTPUT_KEY] = worker_output()
        output["lex_corpus"] = _lex_corpus_lines()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """In the controller: a worker has finished (xdist's hook; absent without xdist)."""
    from tests.scenarios.records import WORKER_OUTPUT_KEY, add_worker_output

    output = getattr(node, "workeroutput", {})
    if output.get(WORKER_OUTPUT_KEY):
        add_worker_output(output[WORKER_OUTPUT_KEY])
    _LEX_CORPUS_FROM_WORKERS.extend(output.get("lex_corpus") or [])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The scenarios' flow coverage and the Lex corpus score, once, for the whole run."""
    from tests.scenarios.records import write_coverage

    if hasattr(terminalreporter.config, "workerinput"):
        return  # the controller prints them, for every worker
    write_coverage(terminalreporter)
    lex_lines = _LEX_CORPUS_FROM_WORKERS or _lex_corpus_lines()
    if lex_lines:
        terminalreporter.section("Lex utterance corpus (local emulator)")
        for line in lex_lines:
            terminalreporter.write_line(line)

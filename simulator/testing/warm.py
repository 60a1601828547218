"""One in-memory AWS per process, built once; its tables restored from a snapshot before each call.

Creating the template's tables (and a boto3 client for each service) costs about a second; a
call costs a fraction of that. A worker therefore enters moto once, takes a deep copy of the
empty tables, and before each call puts that copy back, empties the queues and forgets what
lives in memory only (the local outbox and dialer, the sandbox processor, settings read from the
environment, the callback policy), so each call still starts from the same empty contact center.
The tables after a scenario's ``given:`` are kept too (one snapshot per distinct seed), so a
batch that repeats a scenario restores them instead of storing the same customers again.

A batch's workers do not each build their own: the process they fork from does it once
(``process_aws()`` and ``warm_up()``, run by simulator/testing/worker.py), imports every handler
and plays one short call, so a worker starts with the imports, clients and tables already there.

The tests' ``aws`` fixture does the same per test (``restored_aws()``): moto is patched in for
that test only, its backends reset and the template's resources put back from one snapshot.
"""

from __future__ import annotations

import atexit
import copy
import os
import sys
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cache
from typing import Any

from simulator.lambda_service import load_handler
from simulator.local_aws import (
    LOCAL_REGION,
    apply_environment,
    in_memory_aws,
    moto_in_process,
    reset_caches,
)
from simulator.scenario import Seed

#: Seeded snapshots a worker keeps (each a deep copy of the tables after a scenario's given:).
SEEDED_SNAPSHOTS = 64


def _backends() -> tuple[Any, Any, Any]:
    """moto's DynamoDB, SQS and Secrets Manager in this process (new ones after a reset)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.sqs.models import sqs_backends

    return (
        dynamodb_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION],
        sqs_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION],
        secretsmanager_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION],
    )


def forget_call_state() -> None:
    """What one call leaves in memory (not in a table) that the next must not see."""
    from ivr import wiring
    from ivr.core import settings

    for factory in (
        wiring.local_outbox,
        wiring.local_dialer,
        wiring.dialer,
        wiring.notifier,
        wiring.sandbox_processor,
        wiring.payment_processor,
    ):
        factory.cache_clear()
    settings.settings.cache_clear()


def restore_tables(tables: dict[str, Any]) -> None:
    """The tables as ``tables`` holds them (a deep copy is put in), every queue emptied and what
    the last call kept in memory forgotten: the same empty contact center again."""
    dynamodb, sqs, _ = _backends()
    dynamodb.tables = copy.deepcopy(tables)
    for queue in sqs.queues.values():
        # What PurgeQueue does, without its once-a-minute limit.
        queue._messages = []
        queue._pending_messages = set()
    forget_call_state()


class Snapshot:
    """The template's resources as in_memory_aws() creates them, to put back into a moto whose
    backends were reset: the tables and secrets deep-copied, the queues themselves (a queue holds
    a lock, which a deep copy refuses; restore_tables() empties them)."""

    def __init__(self) -> None:
        dynamodb, sqs, secretsmanager = _backends()
        self.tables: dict[str, Any] = copy.deepcopy(dynamodb.tables)
        self.queues: dict[str, Any] = dict(sqs.queues)
        self.secrets: Any = copy.deepcopy(secretsmanager.secrets)

    def put_back(self) -> None:
        _, sqs, secretsmanager = _backends()
        sqs.queues = dict(self.queues)
        secretsmanager.secrets = copy.deepcopy(self.secrets)
        restore_tables(self.tables)


#: The empty AWS restored_aws() puts back, taken on its first use in this process.
_EMPTY_AWS: Snapshot | None = None

#: How the AWS clients stood when the last restored_aws() ended (see _clients_as_left()).
_CLIENTS_LEFT: tuple[Any, ...] | None = None


def _clients_as_left() -> tuple[Any, ...]:
    """What tells whether anyone made, dropped or re-pointed an AWS client since: the session
    cached, each client cache's counts and the endpoint settings a new client would read."""
    from ivr import wiring

    aws = sys.modules.get("ivr.adapters.aws")
    connection = sys.modules.get("ivr.adapters.dynamodb.connection")
    session = aws.botocore_session() if aws and aws.botocore_session.cache_info().currsize else None
    return (
        id(session),
        wiring.aws_client.cache_info(),
        connection.dynamodb_client.cache_info() if connection else None,
        sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_ENDPOINT_URL")),
    )


@contextmanager
def restored_aws() -> Iterator[None]:
    """What in_memory_aws() gives (moto with the template's empty tables, queues and secrets;
    no store, setting or secret cached for an earlier AWS), put back from a snapshot: creating
    the resources costs about 0.15 s, putting a copy back a few milliseconds. The AWS clients of
    the last restored_aws() are kept (their service models and endpoint data cost most of a
    first request) unless something else touched them since."""
    global _EMPTY_AWS, _CLIENTS_LEFT
    if _EMPTY_AWS is None:
        with in_memory_aws():
            _EMPTY_AWS = Snapshot()
    with moto_in_process():
        _EMPTY_AWS.put_back()
        reset_caches(clients=_CLIENTS_LEFT is None or _clients_as_left() != _CLIENTS_LEFT)
        try:
            yield
        finally:
            reset_caches(clients=False)
            _CLIENTS_LEFT = _clients_as_left()


@contextmanager
def restored_call(seed: Seed | None = None) -> Iterator[None]:
    """simulator.scenario.fresh_aws() from restored_aws()'s snapshot: one call in an AWS of its
    own, no store, setting or secret of an earlier call kept (what WarmAWS keeps), for tests
    that count what a call does from cold (run_file(path, restored_call))."""
    apply_environment(None)
    with restored_aws():
        if seed is not None:
            seed()
        yield


class BufferedActivityLog:
    """The activity log, written when someone reads it. A batch has no one watching the agent's
    timeline live, and the next call's restore drops whatever no handler read; a handler that
    reads (the whisper, the timeline) first gets every event before it, in order."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.pending: list[Any] = []

    def append(self, event: Any) -> None:
        self.pending.append(event)

    def for_contact(self, contact_id: str) -> list[Any]:
        self.flush()
        events: list[Any] = self.inner.for_contact(contact_id)
        return events

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for event in pending:
            self.inner.append(event)


class WarmAWS:
    """``with WarmAWS() as aws: run_file(path, environment=aws.fresh)``."""

    def __init__(self, *, buffer_activity: bool = True) -> None:
        #: False keeps every activity-log write going to its table as it happens (a test that
        #: scans every item, like the card-data check, needs them there).
        self.buffer_activity = buffer_activity
        self._stack = ExitStack()
        self._tables: dict[str, Any] = {}
        #: The tables as each seed left them, newest last (a batch repeats its scenarios).
        self._seeded: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def __enter__(self) -> WarmAWS:
        apply_environment(None)
        self._stack.enter_context(in_memory_aws())
        if self.buffer_activity:
            self._stack.callback(self._install_activity_log())
        dynamodb, _, _ = _backends()
        self._tables = copy.deepcopy(dynamodb.tables)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _install_activity_log(self) -> Any:
        """Put the buffered log in wiring.activity's place; answers how to take it out."""
        from ivr import wiring

        original = wiring.activity
        self.activity = BufferedActivityLog(original())
        wiring.activity = cache(lambda: self.activity)

        def uninstall() -> None:
            wiring.activity = original

        return uninstall

    def restore(self, seed: Seed | None = None) -> None:
        """The empty tables with ``seed`` stored: from its snapshot when this seed ran before."""
        if self.buffer_activity:
            self.activity.pending.clear()
        key = seed.key() if seed is not None else ""
        seeded = self._seeded.get(key)
        restore_tables(self._tables if seeded is None else seeded)
        if seed is not None and seeded is None:
            seed()
            dynamodb, _, _ = _backends()
            self._seeded[key] = copy.deepcopy(dynamodb.tables)
            if len(self._seeded) > SEEDED_SNAPSHOTS:
                self._seeded.popitem(last=False)

    @contextmanager
    def fresh(self, seed: Seed | None = None) -> Iterator[None]:
        """The environment one call runs in (simulator.scenario.Environment)."""
        self.restore(seed)
        yield


_PROCESS_AWS: WarmAWS | None = None

#: The call warm_up() plays: the first sample customer asks for their balance and hangs up.
#: Its result does not matter; what it leaves behind (imports, clients, parsed flows) does.
WARM_UP_CALL: dict[str, Any] = {
    "name": "warm-up",
    "call": {"from": "+13125550142", "at": "2026-12-01T09:30:00-06:00"},
    "steps": [{"say": "what's my balance"}],
}


def process_aws() -> WarmAWS:
    """This process's warm AWS, entered on first use and kept until the process ends. The
    Powertools log level a caller set is kept; otherwise handlers log at WARNING (a batch's INFO
    lines cost time and tell nobody anything): set before any handler module is imported."""
    global _PROCESS_AWS
    if _PROCESS_AWS is None:
        level = os.environ.get("POWERTOOLS_LOG_LEVEL")
        aws = WarmAWS().__enter__()
        os.environ["POWERTOOLS_LOG_LEVEL"] = level or "WARNING"
        _PROCESS_AWS = aws
        # Closed at exit while the interpreter still works: left to the garbage collector at
        # shutdown, its clean-up imports after imports have stopped (a batch's forkserver then
        # printed "ImportError: sys.meta_path is None"). Forked workers end by os._exit: not run.
        atexit.register(aws.__exit__, None, None, None)
    return _PROCESS_AWS


def warm_up(aws: WarmAWS) -> None:
    """Import every function's handler and play WARM_UP_CALL (the flows, the bot and the
    handlers' lazy imports and clients), then put the empty tables back."""
    from deploy.template import function_handlers
    from simulator.scenario import run_scenario
    from simulator.seed import sample_data

    for logical_id in function_handlers():
        load_handler(logical_id)
    run_scenario({**WARM_UP_CALL, "given": sample_data()}, aws.fresh)
    aws.restore()

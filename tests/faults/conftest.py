"""Fault injection at the wire: a botocore ``before-send`` hook that answers chosen AWS operations
with an error response, or with the timeout a hung endpoint gives, before moto sees the request.

The hook sits in botocore's built-in handlers ahead of moto's own, so every client created while
a test runs - PynamoDB's, ``wiring.aws_client``'s, the dialer's - meets it; the clients' own
timeouts, retry modes and backoff run for real. A hang is not slept through: the hook raises the
``ReadTimeoutError`` the client's own ``read_timeout`` would end in (``ConnectTimeoutError`` after
``connect_timeout`` for an endpoint that accepts nothing) and adds that many seconds to
``Faults.hung_seconds``, so a test measures wall time (less a loaded machine's queueing:
tests/timing.py) plus the time the hangs would have cost.
A request a fault answers never reaches moto: a throttled or timed-out write changes nothing.
"""

from __future__ import annotations

import copy
import fnmatch
import io
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from botocore.handlers import BUILTIN_HANDLERS
from moto.core.models import botocore_stubber

from deploy.template import template
from simulator.context import lambda_context
from tests.conftest import load_event
from tests.timing import Stopwatch, stopwatch

#: What a Connect-invoked step has: Connect waits 8 s for a Lambda block, retries included
#: (admin guide, InvokeLambdaFunction), and the template's Lambda timeout (Globals, 6 s) stops
#: the function sooner - a step that runs into it is an error Connect retries, side effects too.
CONNECT_BUDGET_SECONDS = min(8.0, float(template()["Globals"]["Function"]["Timeout"]))

ANA_PHONE = "+13125550142"
ANA = {
    "phone": ANA_PHONE,
    "name": "Ana Souza",
    "email": "ana@example.com",
    "balance": "120.50",
    "timezone": "America/Chicago",
    "national_id_last4": "4321",
    "postal_code": "60601",
}


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@dataclass
class Fault:
    """One injected behaviour for operations matching ``service``.``operation`` (globs)."""

    service: str
    operation: str
    code: str = ""  # an AWS error code to answer with
    status: int = 400
    hang: bool = False  # the endpoint never answers: the client's read timeout ends each try
    unreachable: bool = False  # nothing accepts the connection: the connect timeout ends it
    answer: dict[str, Any] | None = None  # a success body (a provider moto does not have)
    times: int | None = None  # fire only this many times, then the next matching fault (or none)
    body_contains: str = ""  # only requests whose body has this text (a table's name)
    #: Only requests made by threads so named: "lambda-invocation" is a handler the local
    #: contact center invokes (not its own reads of the tables when the call is over).
    thread: str = "*"
    fired: int = 0

    def matches(self, service: str, operation: str, body: bytes = b"") -> bool:
        return (
            fnmatch.fnmatch(service, self.service)
            and fnmatch.fnmatch(operation, self.operation)
            and self.body_contains.encode() in body
            and fnmatch.fnmatch(threading.current_thread().name, self.thread)
        )


@dataclass
class Faults:
    """The faults a test injects, and every request the hook saw (``calls``)."""

    active: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    hung_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, service: str, operation: str = "*", **how: Any) -> Fault:
        fault = Fault(service, operation, **how)
        with self._lock:
            self.active.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.active.clear()

    def count(self, service: str, operation: str = "*") -> int:
        return sum(1 for s, o in self.calls if Fault(service, operation).matches(s, o))

    def before_send(self, request: Any, event_name: str = "", **_: Any) -> AWSResponse | None:
        service, operation = (event_name.split(".") + ["", "", ""])[1:3]
        sent = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        with self._lock:
            self.calls.append((service, operation))
            fault = next(
                (
                    f
                    for f in self.active
                    if f.matches(service, operation, sent)
                    and (f.times is None or f.fired < f.times)
                ),
                None,
            )
            if fault is None:
                return None
            fault.fired += 1
            config = getattr(_CLIENT, "config", None)
            if fault.hang:
                self.hung_seconds += float(getattr(config, "read_timeout", 60))
            elif fault.unreachable:
                self.hung_seconds += float(getattr(config, "connect_timeout", 60))
        if fault.hang:
            raise ReadTimeoutError(endpoint_url=request.url)
        if fault.unreachable:
            raise ConnectTimeoutError(endpoint_url=request.url)
        _CLIENT.answered = True  # so moto does not also carry the request out
        if fault.answer is not None:
            return _response(request.url, 200, fault.answer)
        error = {"__type": fault.code, "message": f"injected {fault.code}"}
        headers = {"x-amzn-ErrorType": fault.code, "x-amzn-query-error": f"{fault.code};Sender"}
        return _response(request.url, fault.status, error, headers)


def _response(
    url: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> AWSResponse:
    head = {"Content-Type": "application/x-amz-json-1.0", **(headers or {})}
    return AWSResponse(url, status, head, _Body(json.dumps(body).encode()))


#: The config of the client whose request this thread is sending (set by ``before-call``).
_CLIENT = threading.local()


def _note_client(context: dict[str, Any] | None = None, **_: Any) -> None:
    _CLIENT.config = (context or {}).get("client_config")


class _Hook:
    """The one hook botocore knows; it serves whichever ``Faults`` the running test installed."""

    current: Faults | None = None

    def __call__(self, request: Any, event_name: str = "", **kwargs: Any) -> Any:
        faults = self.current
        return faults.before_send(request, event_name, **kwargs) if faults else None


def _moto_unless_answered(event_name: str, request: Any, **kwargs: Any) -> Any:
    """moto's stubber, skipped for a request a fault answered: botocore calls every before-send
    handler and keeps the first answer, and a throttled request must change nothing."""
    if getattr(_CLIENT, "answered", False):
        _CLIENT.answered = False
        return None
    return botocore_stubber(event_name=event_name, request=request, **kwargs)


_HOOK = _Hook()
if not any(entry[1] is _HOOK for entry in BUILTIN_HANDLERS):
    # First, so it answers before moto's stubber (appended when moto is imported), which only
    # serves the requests no fault answered.
    for index, entry in enumerate(BUILTIN_HANDLERS):
        if entry[1] is botocore_stubber:
            BUILTIN_HANDLERS[index] = ("before-send", _moto_unless_answered)
    BUILTIN_HANDLERS.insert(0, ("before-send", _HOOK))
    BUILTIN_HANDLERS.insert(0, ("before-call", _note_client))


def _forget_pynamodb_clients() -> None:
    """PynamoDB keeps one connection per model class, and every table sends through one shared
    client, made before the hook may have been in place (and with standard retries' quota, which
    an earlier test's faults may have drained); dropping them makes the next request build a
    client that has the hook and a full quota."""
    from pynamodb.models import Model

    from ivr.adapters.dynamodb.connection import dynamodb_client

    dynamodb_client.cache_clear()
    pending: list[type[Any]] = list(Model.__subclasses__())
    while pending:
        model = pending.pop()
        model._connection = None
        pending.extend(model.__subclasses__())


@pytest.fixture
def fault_aws(aws: None) -> None:
    """moto's AWS with the template's resources and Ana on record (a module whose faults change
    nothing stored may share one: ``shared_aws``)."""
    from simulator.seed import load_given

    load_given({"customers": [ANA]})


@contextmanager
def shared_aws() -> Iterator[None]:
    from simulator.local_aws import in_memory_aws
    from simulator.seed import load_given

    with in_memory_aws():
        load_given({"customers": [ANA]})
        yield


@contextmanager
def injected(plan: Faults) -> Iterator[Faults]:
    """``plan``'s faults in every AWS request made inside the block."""
    _forget_pynamodb_clients()
    _HOOK.current = plan
    try:
        yield plan
    finally:
        _HOOK.current = None
        _forget_pynamodb_clients()


@pytest.fixture
def faults(fault_aws: None) -> Iterator[Faults]:
    """The test's faults, injected into every AWS request until it ends."""
    with injected(Faults()) as plan:
        yield plan


@dataclass(frozen=True)
class Timed:
    """A step's answer and how long the caller waited for it (``seconds``: the budget's figure)."""

    answer: Any
    took: Stopwatch  # this machine's wall time, and the part of it other processes took
    hung: float  # the hangs the injected faults stood for (never slept through)

    @property
    def seconds(self) -> float:
        """Wall time less a loaded test machine's queueing (tests/timing.py), plus the hangs."""
        return self.took.seconds + self.hung


def timed(faults: Faults, call: Callable[[], Any]) -> Timed:
    before = faults.hung_seconds
    with stopwatch() as took:
        answer = call()
    return Timed(answer, took, faults.hung_seconds - before)


def connect_event(
    attributes: dict[str, str] | None = None,
    contact_id: str = "5b684483-2f39-4f37-a08c-0c1d2e3f4a5b",
    **parameters: str,
) -> dict[str, Any]:
    """A ContactFlowEvent from Ana's number with the block's parameters and the attributes."""
    event: dict[str, Any] = copy.deepcopy(load_event("connect/caller_lookup.json"))
    data = event["Details"]["ContactData"]
    data["ContactId"] = data["InitialContactId"] = contact_id
    data["CustomerEndpoint"]["Address"] = ANA_PHONE
    data["Attributes"] = {"callerNumber": ANA_PHONE, **(attributes or {})}
    event["Details"]["Parameters"] = parameters
    return event


def invoke(module: str, event: Any) -> Any:
    handler = __import__(module).lambda_handler
    return handler(copy.deepcopy(event), lambda_context(module))


def assert_connect_answer(answer: Any) -> None:
    """What Connect accepts: a flat map of strings under 32 KB."""
    assert isinstance(answer, dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items()), answer
    assert len(json.dumps(answer).encode()) < 32 * 1024


@pytest.fixture
def aws_notifier(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The deployed senders (End User Messaging SMS, SES v2) instead of the local outbox."""
    from ivr import wiring
    from ivr.core import settings

    monkeypatch.setenv("NOTIFIER", "aws")
    settings.settings.cache_clear()
    wiring.notifier.cache_clear()
    yield
    settings.settings.cache_clear()
    wiring.notifier.cache_clear()


def provider_up(faults: Faults) -> None:
    """The SMS and e-mail providers (not in moto) accept every message from now on."""
    faults.add("pinpoint-sms-voice-v2", "SendTextMessage", answer={"MessageId": "sms-id"})
    faults.add("sesv2", "SendEmail", answer={"MessageId": "email-id"})


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What our Logger writes (its own handler and formatter, pointed at a buffer)."""
    from ivr.core.observability import logger

    handler: Any = logger.registered_handler
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def hung_provider() -> Iterator[str]:
    """A listening socket nobody accepts from: connections open (the kernel's backlog), no
    byte ever comes back - what a hung HTTPS endpoint looks like to the client."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def use_http_voice(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    from simulator.local_aws import reset_caches

    monkeypatch.setenv("VOICE_PROVIDER", "http")
    monkeypatch.setenv("VOICE_API_URL", url)
    monkeypatch.setenv("VOICE_API_KEY_SECRET_ID", "VoiceApiKeySecret")
    reset_caches()

"""The local Lambda service: the template's functions, imported the way Lambda does, and faults.

Everything that calls a handler locally (the contact runtime, the sending queue, the portal
client, the web server) goes through here, so a handler is found by one rule: the template's
``Handler`` setting, imported from the artifact root (lambdas/, on sys.path from the entry point).
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from deploy.template import function_handlers, resources_of_type
from simulator.context import lambda_context
from simulator.ports import LambdaInvocationError

_PLACEHOLDER = re.compile(r"^\$\{(?P<id>[A-Za-z0-9]+)(?:\.Arn)?\}$")
_FUNCTION_ARN = re.compile(r"^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:(?P<id>[\w-]+)")

Handler = Callable[[Any, Any], Any]


def function_id(reference: str) -> str:
    """``${CallerLookupFunction.Arn}`` or a Lambda ARN -> the template's logical id."""
    for pattern in (_PLACEHOLDER, _FUNCTION_ARN):
        match = pattern.match(reference)
        if match:
            return match.group("id")
    return reference


@cache
def _handler_settings() -> dict[str, str]:
    return function_handlers()  # the template is read once per process (deploy.template)


def load_handler(logical_id: str) -> Handler:
    """Import a function's handler the way Lambda does, from the template's Handler setting."""
    handlers = _handler_settings()
    if logical_id not in handlers:
        raise LambdaInvocationError(f"no function {logical_id!r} in template.yaml")
    module_name, attribute = handlers[logical_id].rsplit(".", 1)
    handler: Handler = getattr(importlib.import_module(module_name), attribute)
    if logical_id in _api_functions():
        return _one_request_at_a_time(logical_id, handler)
    return handler


@cache
def _api_functions() -> frozenset[str]:
    """Functions API Gateway invokes: their Powertools resolver keeps the request being served on
    its module-level ``app`` (``app.current_event``). Lambda gives an execution environment one
    request at a time; locally, several calls' threads (or the web server's) share the module,
    and a second request would replace the first one's event halfway through its route."""
    functions = resources_of_type("AWS::Serverless::Function")
    return frozenset(
        logical_id
        for logical_id, resource in functions.items()
        if any(
            event.get("Type") == "Api"
            for event in (resource["Properties"].get("Events") or {}).values()
        )
    )


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_of(logical_id: str) -> threading.Lock:
    with _LOCKS_GUARD:  # two threads' first requests must get the same lock
        return _LOCKS.setdefault(logical_id, threading.Lock())


def _one_request_at_a_time(logical_id: str, handler: Handler) -> Handler:
    lock = _lock_of(logical_id)

    def serve(event: Any, context: Any) -> Any:
        with lock:
            return handler(event, context)

    return serve


def invoke_function(
    logical_id: str, event: dict[str, Any], *, faults: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Invoke a function synchronously, as Connect does; a failure is a LambdaInvocationError.

    ``faults`` by logical id: "raise" makes the handler fail as a crashed Lambda would.
    """
    handler = load_handler(logical_id)
    if (faults or {}).get(logical_id) == "raise":
        raise LambdaInvocationError(f"{logical_id} raised RuntimeError: injected fault")
    try:
        result = handler(event, lambda_context(logical_id))
    except Exception as exc:  # a raised error is what Connect sees as a failed invocation
        raise LambdaInvocationError(f"{logical_id} raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(result, dict):
        raise LambdaInvocationError(f"{logical_id} returned {type(result).__name__}, not a map")
    return result

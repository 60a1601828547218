"""What Amazon Connect provides around a flow, locally: the real Lambda handlers, queue, hours."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.context import lambda_context
from simulator.delivery import deliver_queued_messages
from simulator.paths import use_lambda_path
from simulator.ports import LambdaInvocationError
from simulator.template import function_handlers

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


def load_handler(logical_id: str) -> Handler:
    """Import a function's handler the way Lambda does, from the template's Handler setting."""
    handlers = function_handlers()
    if logical_id not in handlers:
        raise LambdaInvocationError(f"no function {logical_id!r} in template.yaml")
    use_lambda_path()
    module_name, attribute = handlers[logical_id].rsplit(".", 1)
    handler: Handler = getattr(importlib.import_module(module_name), attribute)
    return handler


@dataclass
class QueueState:
    """What CheckMetricData sees: scenario ``call.queue``."""

    wait_seconds: float = 30
    agents_available: int = 1
    contacts_in_queue: int = 0
    #: The queue's capacity (Connect's "maximum contacts in queue"); a transfer to a full queue
    #: takes QueueAtCapacity. None: no limit.
    max_contacts: int | None = None


@dataclass
class LocalRuntime:
    """Implements ``simulator.ports.ContactRuntime`` with in-process handlers."""

    queue: QueueState
    open_hours: bool = True
    voice_result: str = "authenticated"
    #: The contact this runtime serves (the simulated voice provider's outcomes are per contact).
    contact_id: str = ""
    #: Injected faults by function logical id: "raise" makes the handler fail as a crashed
    #: Lambda would (Connect takes the block's error branch).
    faults: dict[str, str] = field(default_factory=dict)

    def invoke_lambda(
        self, function_ref: str, event: dict[str, Any], timeout_seconds: float
    ) -> dict[str, Any]:
        logical_id = function_id(function_ref)
        handler = load_handler(logical_id)
        if self.faults.get(logical_id) == "raise":
            raise LambdaInvocationError(f"{logical_id} raised RuntimeError: injected fault")
        try:
            result = handler(event, lambda_context(logical_id))
        except Exception as exc:  # a raised error is what Connect sees as a failed invocation
            raise LambdaInvocationError(f"{logical_id} raised {type(exc).__name__}: {exc}") from exc
        if not isinstance(result, dict):
            raise LambdaInvocationError(f"{logical_id} returned {type(result).__name__}, not a map")
        deliver_queued_messages()  # what SQS + the sender function do in AWS, before the next block
        return result

    def code_hook(self, logical_id: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """The bot's code-hook Lambda as the Lex emulator calls it."""

        def invoke(event: dict[str, Any]) -> dict[str, Any]:
            result: dict[str, Any] = load_handler(logical_id)(event, lambda_context(logical_id))
            return result

        return invoke

    def queue_metric(self, queue_ref: str | None, metric: str) -> float:
        metrics = {
            "NumberOfAgentsAvailable": self.queue.agents_available,
            "NumberOfAgentsStaffed": self.queue.agents_available,
            "NumberOfAgentsOnline": self.queue.agents_available,
            "OldestContactInQueueAgeSeconds": self.queue.wait_seconds,
            "NumberOfContactsInQueue": self.queue.contacts_in_queue,
        }
        if metric == "MaxContactsInQueue" and self.queue.max_contacts is not None:
            return float(self.queue.max_contacts)  # what TransferContactToQueue checks
        if metric not in metrics:
            raise LambdaInvocationError(f"unknown queue metric {metric!r}")
        return float(metrics[metric])

    def hours_open(self, hours_ref: str | None) -> bool:
        return self.open_hours

    def voice_id(self, option: str, customer_id: str | None) -> str:
        """CheckVoiceId, answered from the voice provider port (simulator/voice.py)."""
        from simulator.voice import check_voice_id

        return check_voice_id(option, self.contact_id, customer_id)

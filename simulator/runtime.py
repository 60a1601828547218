"""What Amazon Connect provides around a flow, locally: the real Lambda handlers, queue, hours."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.context import lambda_context
from simulator.delivery import deliver_queued_messages
from simulator.lambda_service import function_id, invoke_function, load_handler
from simulator.local_aws import nothing_queued
from simulator.ports import LambdaInvocationError
from simulator.voice import check_voice_id


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
        result = invoke_function(function_id(function_ref), event, faults=self.faults)
        # What SQS + the sender function do in AWS, before the next block; with the AWS in this
        # process an empty queue is seen without a ReceiveMessage (most Lambdas queue nothing).
        if not nothing_queued(os.environ.get("NOTIFICATIONS_QUEUE_URL", "")):
            deliver_queued_messages()
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
        return check_voice_id(option, self.contact_id, customer_id)

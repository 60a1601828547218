"""Flow control actions: compare, loop, wait, check queues/hours/Voice ID, transfer, logging."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from simulator.flows.contact import queue_name
from simulator.flows.jsonpath import substitute
from simulator.flows.model import Action
from simulator.flows.outcome import NEXT, AgentAnswered, Outcome, end, result
from simulator.flows.params import resolved, seconds, whole_number
from simulator.ports import InputRequest, Silence

if TYPE_CHECKING:
    from simulator.flows.context import BlockContext

T = TypeVar("T")

#: The Loop block counts from 0 to 100 at most.
MAX_LOOP_COUNT = 100


def _ask_runtime(
    ctx: BlockContext, action: Action, what: str, call: Callable[[], T]
) -> T | Outcome:
    """A contact-center lookup; its failure is the block's NoMatchingError."""
    try:
        return call()
    except Exception as exc:  # whatever the runtime raises, Connect takes the error branch
        return ctx.fail(action, "NoMatchingError", f"{what} failed: {type(exc).__name__}: {exc}")


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def compare(ctx: BlockContext, action: Action) -> Outcome:
    return result(resolved(action, "ComparisonValue", ctx.contact))


def loop(ctx: BlockContext, action: Action) -> Outcome:
    """ContinueLooping LoopCount times, then DoneLooping once, then the count starts again."""
    count = whole_number(resolved(action, "LoopCount", ctx.contact))
    if count is None or not 0 <= count <= MAX_LOOP_COUNT:
        return ctx.fail(action, "NoMatchingError", f"LoopCount must be 0-{MAX_LOOP_COUNT}")
    counts = ctx.loop_counts
    done = counts.get(action.identifier, 0)
    if done < count:
        counts[action.identifier] = done + 1
        return result("ContinueLooping")
    counts[action.identifier] = 0
    return result("DoneLooping")


def wait(ctx: BlockContext, action: Action) -> Outcome:
    """Pauses until the time is up (WaitCompleted) or one of ``Events`` happens, which is then
    the result (flow-control-actions-wait). Exports use TimeLimitSeconds, the reference
    TimeoutSeconds. CustomerReturned happens when the customer answers within the time; no bot
    participant joins a local contact, so BotParticipantDisconnected takes ParticipantNotFound."""
    name = "TimeLimitSeconds" if action.param("TimeLimitSeconds") else "TimeoutSeconds"
    duration = seconds(resolved(action, name, ctx.contact), 0.0)
    if duration is None:
        return ctx.fail(action, "NoMatchingError", "the wait time is not a number > 0")
    raw_events = action.parameters.get("Events")
    events = [str(e) for e in raw_events] if isinstance(raw_events, list) else []
    if "BotParticipantDisconnected" in events:
        return ctx.fail(action, "ParticipantNotFound", "no bot participant is on the contact")
    if "CustomerReturned" in events and ctx.contact.channel != "TASK":
        answer = ctx.listen(InputRequest("speech", duration))
        if not isinstance(answer, Silence):
            ctx.note("wait", "the customer returned")
            return result("CustomerReturned")
    else:
        ctx.clock.advance(duration)
    ctx.note("wait", f"waited {duration:g} s")
    if ctx.agent_answered():
        raise AgentAnswered
    return result("WaitCompleted")


def distribute_by_percentage(ctx: BlockContext, action: Action) -> Outcome:
    """The result is a number from 1 to 100 drawn for the contact; the conditions
    (NumberLessThan ...) split it by percentage. The draw is seeded with the contact id, so a
    run repeats exactly."""
    draw = random.Random(f"{ctx.contact.contact_id}/{action.identifier}").randint(1, 100)
    ctx.note("branch", f"{ctx.where(action)} drew {draw} of 100")
    return result(str(draw))


def check_outbound_call_status(ctx: BlockContext, action: Action) -> Outcome:
    """Outbound campaigns' answering-machine detection, answered by the stand-in
    (``given.outbound``: CallAnswered, VoicemailBeep, VoicemailNoBeep or NotDetected)."""
    ctx.stand_in("outbound call status (local stand-in, given.outbound)")
    return result(ctx.services.outbound_status)


#: GetMetricData's results under $.Metrics, and the queue metric each is read from.
_METRICS = {
    "Queue.Size": "NumberOfContactsInQueue",
    "Queue.OldestContactAge": "OldestContactInQueueAgeSeconds",
    "Agents.Online.Count": "NumberOfAgentsOnline",
    "Agents.Available.Count": "NumberOfAgentsAvailable",
    "Agents.Staffed.Count": "NumberOfAgentsStaffed",
}


def get_metric_data(ctx: BlockContext, action: Action) -> Outcome:
    """Get queue metrics: the working queue's (or QueueId's, AgentId's) current metrics go to
    $.Metrics.Queue.* and $.Metrics.Agents.*; no conditions."""
    queue = (
        resolved(action, "QueueId", ctx.contact)
        or resolved(action, "AgentId", ctx.contact)
        or ctx.contact.target_queue
    )
    metrics = {"Queue.Name": queue_name(queue) if queue else "", "Queue.ARN": queue or ""}
    for path, metric in _METRICS.items():
        answer = _ask_runtime(ctx, action, metric, partial(ctx.runtime.queue_metric, queue, metric))
        if isinstance(answer, Outcome):
            return answer
        metrics[path] = _number_text(answer)
    ctx.contact.metrics = metrics
    return NEXT


def update_flow_attributes(ctx: BlockContext, action: Action) -> Outcome:
    """Flow attributes ($.FlowAttributes.x) live only in the flow that sets them; each value is
    ``{"Value": ...}`` in exports (a bare string is accepted too); all are set or none."""
    raw = action.mapping("FlowAttributes")
    updates: dict[str, str] = {}
    for key, spec in raw.items():
        value = spec.get("Value", "") if isinstance(spec, dict) else spec
        updates[substitute(str(key), ctx.contact)] = substitute(str(value), ctx.contact)
    ctx.contact.flow_attributes.update(updates)
    ctx.note("attributes", "flow: " + ", ".join(sorted(updates)))
    return NEXT


def check_metric_data(ctx: BlockContext, action: Action) -> Outcome:
    metric = action.param("MetricType") or ""
    queue = (
        resolved(action, "QueueId", ctx.contact)
        or resolved(action, "AgentId", ctx.contact)
        or ctx.contact.target_queue
    )
    answer = _ask_runtime(ctx, action, metric, lambda: ctx.runtime.queue_metric(queue, metric))
    return answer if isinstance(answer, Outcome) else result(_number_text(answer))


def check_hours_of_operation(ctx: BlockContext, action: Action) -> Outcome:
    """HoursOfOperationId (or Hours) names the hours; None means the working queue's hours."""
    hours = resolved(action, "HoursOfOperationId", ctx.contact) or resolved(
        action, "Hours", ctx.contact
    )
    answer = _ask_runtime(ctx, action, "hours", lambda: ctx.runtime.hours_open(hours or None))
    return answer if isinstance(answer, Outcome) else result("True" if answer else "False")


def check_voice_id(ctx: BlockContext, action: Action) -> Outcome:
    option = action.param("CheckVoiceIdOption") or ""
    customer = ctx.contact.customer_id
    answer = _ask_runtime(ctx, action, option, lambda: ctx.runtime.voice_id(option, customer))
    return answer if isinstance(answer, Outcome) else result(answer)


def transfer_to_flow(ctx: BlockContext, action: Action) -> Outcome:
    reference = resolved(action, "ContactFlowId", ctx.contact)
    flow_name = ctx.resolve_flow(reference)
    if flow_name is None:
        ctx.stand_in(f"unknown flow {reference} (TransferToFlow takes its error branch)")
        return ctx.fail(action, "NoMatchingError", f"ContactFlowId {reference!r} is no known flow")
    return Outcome("transfer", flow_name)


def update_flow_logging_behavior(ctx: BlockContext, action: Action) -> Outcome:
    ctx.contact.flow_logging = action.param("FlowLoggingBehavior") == "Enabled"
    return NEXT


def end_flow_execution(ctx: BlockContext, action: Action) -> Outcome:
    """The end of a flow that transfers nowhere: Connect disconnects the contact."""
    return end("disconnected")

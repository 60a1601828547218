"""Flow control actions: compare, loop, wait, check queues/hours/Voice ID, transfer, logging."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from simulator.flows.model import Action
from simulator.flows.outcome import NEXT, Outcome, end, result
from simulator.flows.params import resolved, seconds, whole_number

if TYPE_CHECKING:
    from simulator.flows.interpreter import Run

T = TypeVar("T")

#: The Loop block counts from 0 to 100 at most.
MAX_LOOP_COUNT = 100


def _ask_runtime(run: Run, action: Action, what: str, call: Callable[[], T]) -> T | Outcome:
    """A contact-center lookup; its failure is the block's NoMatchingError."""
    try:
        return call()
    except Exception as exc:  # whatever the runtime raises, Connect takes the error branch
        return run.fail(action, "NoMatchingError", f"{what} failed: {type(exc).__name__}: {exc}")


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def compare(run: Run, action: Action) -> Outcome:
    return result(resolved(action, "ComparisonValue", run.contact))


def loop(run: Run, action: Action) -> Outcome:
    """ContinueLooping LoopCount times, then DoneLooping once, then the count starts again."""
    count = whole_number(resolved(action, "LoopCount", run.contact))
    if count is None or not 0 <= count <= MAX_LOOP_COUNT:
        return run.fail(action, "NoMatchingError", f"LoopCount must be 0-{MAX_LOOP_COUNT}")
    counts = run.frame.loop_counts
    done = counts.get(action.identifier, 0)
    if done < count:
        counts[action.identifier] = done + 1
        return result("ContinueLooping")
    counts[action.identifier] = 0
    return result("DoneLooping")


def wait(run: Run, action: Action) -> Outcome:
    """Exports use TimeLimitSeconds, the reference TimeoutSeconds; no event ever interrupts."""
    name = "TimeLimitSeconds" if action.param("TimeLimitSeconds") else "TimeoutSeconds"
    duration = seconds(resolved(action, name, run.contact), 0.0)
    if duration is None:
        return run.fail(action, "NoMatchingError", "the wait time is not a number > 0")
    run.clock.advance(duration)
    run.note("wait", f"waited {duration:g} s")
    return result("WaitCompleted")


def check_metric_data(run: Run, action: Action) -> Outcome:
    metric = action.param("MetricType") or ""
    queue = (
        resolved(action, "QueueId", run.contact)
        or resolved(action, "AgentId", run.contact)
        or run.contact.target_queue
    )
    answer = _ask_runtime(run, action, metric, lambda: run.runtime.queue_metric(queue, metric))
    return answer if isinstance(answer, Outcome) else result(_number_text(answer))


def check_hours_of_operation(run: Run, action: Action) -> Outcome:
    """HoursOfOperationId (or Hours) names the hours; None means the working queue's hours."""
    hours = resolved(action, "HoursOfOperationId", run.contact) or resolved(
        action, "Hours", run.contact
    )
    answer = _ask_runtime(run, action, "hours", lambda: run.runtime.hours_open(hours or None))
    return answer if isinstance(answer, Outcome) else result("True" if answer else "False")


def check_voice_id(run: Run, action: Action) -> Outcome:
    option = action.param("CheckVoiceIdOption") or ""
    customer = run.contact.customer_id
    answer = _ask_runtime(run, action, option, lambda: run.runtime.voice_id(option, customer))
    return answer if isinstance(answer, Outcome) else result(answer)


def transfer_to_flow(run: Run, action: Action) -> Outcome:
    reference = resolved(action, "ContactFlowId", run.contact)
    flow_name = run.library.resolve(reference)
    if flow_name is None:
        return run.fail(action, "NoMatchingError", f"ContactFlowId {reference!r} is no known flow")
    return Outcome("transfer", flow_name)


def update_flow_logging_behavior(run: Run, action: Action) -> Outcome:
    run.contact.flow_logging = action.param("FlowLoggingBehavior") == "Enabled"
    return NEXT


def end_flow_execution(run: Run, action: Action) -> Outcome:
    """The end of a flow that transfers nowhere: Connect disconnects the contact."""
    return end("disconnected")

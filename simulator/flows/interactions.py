"""InvokeLambdaFunction: the ContactFlowEvent Connect sends, and the response rules it enforces."""

from __future__ import annotations

import contextvars
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from simulator.flows.contact import Contact, Invocation, queue_name
from simulator.flows.flow_log import log_block
from simulator.flows.model import Action
from simulator.flows.outcome import NEXT, FlowStop, Outcome
from simulator.flows.params import resolve_map, resolved, seconds
from simulator.ports import LambdaInvocationError

if TYPE_CHECKING:
    from simulator.flows.context import BlockContext

#: InvocationTimeLimitSeconds is 1-8; 8 when the block leaves it out.
DEFAULT_TIMEOUT_SECONDS = 8.0
#: Connect rejects a Lambda response of 32 KB or more.
MAX_RESPONSE_BYTES = 32 * 1024
#: Stretches every block's time limit (default 1: Connect's own). Only a load run sets it: in AWS
#: each concurrent call's Lambda has an execution environment of its own, while locally hundreds
#: of calls share the machine's cores, so a wall-clock limit would time out the machine, not the
#: handler. The run reports the invocation times it measured against the real limit.
TIME_LIMIT_SCALE_VARIABLE = "IVR_LOCAL_TIME_LIMIT_SCALE"


def _endpoint(address: str | None) -> dict[str, str] | None:
    return None if address is None else {"Address": address, "Type": "TELEPHONE_NUMBER"}


def _media_streams(contact: Contact) -> dict[str, Any]:
    if not contact.media_streaming:
        return {"Customer": {"Audio": None}}
    audio = {
        "StartFragmentNumber": "91343852333181432392682062622220590765191907586",
        "StartTimestamp": "1565781909613",
        "StreamARN": f"arn:aws:kinesisvideo:eu-west-2:000000000000:stream/{contact.contact_id}",
    }
    return {"Customer": {"Audio": audio}}


def contact_flow_event(contact: Contact, parameters: Mapping[str, str]) -> dict[str, Any]:
    """The event Connect sends a Lambda (admin guide "connect-lambda-functions")."""
    queue = None
    if contact.target_queue is not None:
        queue = {
            "ARN": contact.target_queue,
            "Name": queue_name(contact.target_queue),
            "OutboundCallerId": _endpoint(contact.system_address),
        }
    contact_data = {
        "Attributes": dict(contact.attributes),
        "Channel": contact.channel,
        "ContactId": contact.contact_id,
        "CustomerEndpoint": _endpoint(contact.customer_address),
        "CustomerId": contact.customer_id,
        "Description": None,
        "InitialContactId": contact.initial_contact_id,
        "InitiationMethod": contact.initiation_method,
        "InstanceARN": contact.instance_arn,
        "LanguageCode": contact.language_code,
        "MediaStreams": _media_streams(contact),
        "Name": None,
        "PreviousContactId": contact.previous_contact_id,
        "Queue": queue,
        "References": {},
        "SystemEndpoint": _endpoint(contact.system_address),
    }
    return {
        "Name": "ContactFlowEvent",
        "Details": {"ContactData": contact_data, "Parameters": dict(parameters)},
    }


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _flatten(response: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """A JSON response's nested objects as dotted keys ($.External.a.b); arrays stay JSON text,
    since a flow cannot index them."""
    flat: dict[str, str] = {}
    for key, value in response.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            text = json.dumps(value) if isinstance(value, list) else _as_text(value)
            flat[f"{prefix}{key}"] = text
    return flat


def external_values(response: Any, response_type: str) -> dict[str, str]:
    """What a response puts in $.External; LambdaInvocationError when Connect would reject it."""
    if not isinstance(response, dict):
        raise LambdaInvocationError(f"returned {type(response).__name__}, not a JSON object")
    try:
        size = len(json.dumps(response).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        raise LambdaInvocationError(f"returned a response that is not JSON: {exc}") from exc
    if size >= MAX_RESPONSE_BYTES:
        raise LambdaInvocationError(f"returned {size} bytes; Connect accepts less than 32 KB")
    if response_type == "JSON":
        return _flatten(response)
    nested = sorted(str(k) for k, v in response.items() if isinstance(v, dict | list))
    if nested:
        raise LambdaInvocationError(
            f"returned nested values ({', '.join(nested)}) but the block expects a flat STRING_MAP"
        )
    return {str(key): _as_text(value) for key, value in response.items()}


def call_with_time_limit(call: Callable[[], Any], limit_seconds: float) -> Any:
    """Run ``call`` in a worker thread; give up after the limit, as Connect does (the worker
    may go on running, like a Lambda that Connect stopped waiting for)."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["response"] = call()
        except Exception as exc:  # the handler's failure is Connect's error branch
            outcome["failure"] = exc

    # The worker runs in a copy of the call's context: the call's clock (ivr.core.clock) goes too.
    context = contextvars.copy_context()
    worker = threading.Thread(
        target=context.run, args=(work,), name="lambda-invocation", daemon=True
    )
    worker.start()
    worker.join(limit_seconds)
    if worker.is_alive():
        raise LambdaInvocationError(f"timed out after {limit_seconds:g} s")
    failure = outcome.get("failure")
    if isinstance(failure, LambdaInvocationError):
        raise failure
    if failure is not None:
        raise LambdaInvocationError(f"raised {type(failure).__name__}: {failure}") from failure
    return outcome.get("response")


def invoke_lambda_function(ctx: BlockContext, action: Action) -> Outcome:
    """A successful response replaces $.External; any failure takes the error branch."""
    if action.param("InvocationType") == "ASYNCHRONOUS":
        # Asynchronous invocations need Connect's separate "load result" step; not simulated.
        raise FlowStop(f"{ctx.where(action)}: InvocationType ASYNCHRONOUS is not supported")
    function = resolved(action, "LambdaFunctionARN", ctx.contact)
    limit = seconds(action.param("InvocationTimeLimitSeconds"), DEFAULT_TIMEOUT_SECONDS)
    if not function or limit is None:
        reason = "no LambdaFunctionARN" if not function else "bad InvocationTimeLimitSeconds"
        return ctx.fail(action, "NoMatchingError", reason)
    parameters = resolve_map(action.mapping("LambdaInvocationAttributes"), ctx.contact)
    event = contact_flow_event(ctx.contact, parameters)
    response_type = str(action.mapping("ResponseValidation").get("ResponseType") or "STRING_MAP")
    started = time.perf_counter()
    try:
        response = call_with_time_limit(
            lambda: ctx.runtime.invoke_lambda(function, event, limit), limit * _time_limit_scale()
        )
        external = external_values(response, response_type)
    except LambdaInvocationError as failure:
        _count(ctx, function, started, ok=False)
        return ctx.fail(action, "NoMatchingError", f"Lambda {function} {failure}")
    milliseconds = _count(ctx, function, started, ok=True)
    ctx.contact.external = external
    log_block(
        ctx,
        action,
        Parameters={"FunctionArn": function, "Parameters": parameters},
        ExternalResults=external,
    )
    ctx.note("lambda", f"{function} answered in {milliseconds} ms")
    return NEXT


def _time_limit_scale() -> float:
    return float(os.environ.get(TIME_LIMIT_SCALE_VARIABLE) or 1)


def _count(ctx: BlockContext, function: str, started: float, *, ok: bool) -> int:
    milliseconds = round((time.perf_counter() - started) * 1000)
    ctx.record.invocations.append(Invocation(function=function, ms=milliseconds, ok=ok))
    return milliseconds

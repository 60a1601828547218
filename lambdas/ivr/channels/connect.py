"""Amazon Connect's InvokeLambdaFunction block: event -> ConnectRequest; result -> flat string map.

Connect reads a Lambda's answer as a flat map of strings (STRING_MAP validation, under 32 KB) into
``$.External``. Every answer carries ``status`` (``ok`` or ``error``) so a flow can branch on it; an
error also carries ``errorCode``. Handlers answer errors instead of raising, because a raised error
makes Connect retry the invocation (up to 3 times within the block's 8 seconds) and then take the
error branch with nothing to say why.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ivr.core.errors import IvrError, MalformedEventError
from ivr.core.observability import logger
from ivr.core.settings import settings

#: Connect rejects responses over 32 KB; keep every value far below that.
MAX_VALUE_LENGTH = 1024


@dataclass(frozen=True)
class ConnectRequest:
    contact_id: str
    initial_contact_id: str
    customer_number: str | None  # None when the caller withheld it (CustomerEndpoint null)
    instance_arn: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)
    #: The caller's audio stream once "Start media streaming" ran (``MediaStreams.Customer.Audio``:
    #: StreamARN, StartFragmentNumber, StartTimestamp); empty before that.
    customer_audio: Mapping[str, str] = field(default_factory=dict)

    @property
    def caller_number(self) -> str | None:
        """The number the IVR serves in this call: ``callerNumber`` as the flow keeps it (caller
        lookup's E.164 number, or the account's an unknown caller proved), else the number the
        network delivered; None when withheld."""
        return self.attributes.get("callerNumber") or self.customer_number


def _string_map(value: object, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedEventError(f"{what} is not a map")
    return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items()}


def parse_event(event: Any) -> ConnectRequest:
    """Read the parts of a ContactFlowEvent the handlers use; MalformedEventError otherwise."""
    if not isinstance(event, dict) or event.get("Name") != "ContactFlowEvent":
        raise MalformedEventError("not an Amazon Connect ContactFlowEvent")
    details = event.get("Details")
    if not isinstance(details, dict) or not isinstance(details.get("ContactData"), dict):
        raise MalformedEventError("event has no Details.ContactData")
    data = details["ContactData"]
    contact_id = data.get("ContactId")
    if not isinstance(contact_id, str) or not contact_id:
        raise MalformedEventError("event has no ContactId")
    endpoint = data.get("CustomerEndpoint")
    address = endpoint.get("Address") if isinstance(endpoint, dict) else None
    return ConnectRequest(
        contact_id=contact_id,
        initial_contact_id=str(data.get("InitialContactId") or contact_id),
        customer_number=address if isinstance(address, str) else None,
        instance_arn=str(data.get("InstanceARN") or ""),
        attributes=_string_map(data.get("Attributes"), "Attributes"),
        parameters=_string_map(details.get("Parameters"), "Parameters"),
        customer_audio=_customer_audio(data.get("MediaStreams")),
    )


def _customer_audio(streams: object) -> dict[str, str]:
    customer = streams.get("Customer") if isinstance(streams, dict) else None
    audio = customer.get("Audio") if isinstance(customer, dict) else None
    if not isinstance(audio, dict):
        return {}
    return {str(k): str(v) for k, v in audio.items() if isinstance(v, str | int)}


def contact_id_of(event: Any) -> str:
    """Best-effort contact id for logging, even from a malformed event."""
    try:
        return str(event["Details"]["ContactData"]["ContactId"])
    except (TypeError, KeyError):
        return "unknown"


def answer(**values: object) -> dict[str, str]:
    """A successful flat answer: None values are dropped, booleans are 'true'/'false'."""
    flat: dict[str, str] = {"status": "ok"}
    for key, value in values.items():
        if value is None:
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        flat[key] = text[:MAX_VALUE_LENGTH]
    return flat


def error_answer(error: IvrError) -> dict[str, str]:
    """The answer for a request the IVR could not serve; flows branch on status == error."""
    return {"status": "error", "errorCode": error.code}


ConnectAnswer = dict[str, str]
Action = Callable[[ConnectRequest], ConnectAnswer]


def dispatch(
    request: ConnectRequest,
    actions: Mapping[str, Action],
    *,
    key: str = "action",
    default: str = "",
) -> ConnectAnswer:
    """Serve a multi-action handler: the block's ``key`` parameter names the action."""
    serve = actions.get(request.parameters.get(key) or default)
    if serve is None:
        *first, last = actions
        raise MalformedEventError(f"{key} must be {', '.join(first)} or {last}")
    return serve(request)


def connect_handler(
    serve: Callable[[ConnectRequest], ConnectAnswer],
) -> Callable[[Any, Any], ConnectAnswer]:
    """Wrap a handler body: parse the event, and turn every failure into an error answer.

    A domain error is expected (bad input, a lost condition, a store outage); anything else is a
    bug, logged with its stack trace, and the caller still gets an answer the flow can branch on.
    """

    settings()  # at cold start: a variable the IVR cannot run with fails the init, named

    @functools.wraps(serve)
    def handler(event: Any, context: Any) -> ConnectAnswer:
        try:
            return serve(parse_event(event))
        except IvrError as error:
            logger.warning("request refused", extra={"errorCode": error.code})
            return error_answer(error)
        except Exception:
            logger.exception("unexpected failure")
            return error_answer(IvrError())

    return handler

"""The supervisors' callback backlog (portal/agent-openapi.yaml): who waits for a callback, by
queue and due time, a page at a time from the due index; cancel and reschedule.

Supervisors only (the Cognito group; ivr.agent.access); every read and action is recorded with
the supervisor's id. Cancelling or rescheduling twice does it once.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from ivr import wiring
from ivr.agent.access import Agent, authorize_backlog
from ivr.agent.backlog import (
    PAGE_MAX,
    BacklogEntry,
    Clock,
    callback_backlog,
    cancel_from_backlog,
    reschedule_from_backlog,
)
from ivr.agent.errors import InvalidActionError
from ivr.callbacks.scheduling import spoken
from ivr.channels.agent_api import (
    agent_app,
    json_body,
    not_bookable,
    register_agent_errors,
    serve,
    signed_in_agent,
    text_field,
)
from ivr.channels.api import json_response
from ivr.core import clock
from ivr.core.observability import logger
from ivr.core.settings import settings

app = agent_app(settings().portal_base_url)
DEFAULT_PAGE = 20
#: The backlog's query parameters (portal/agent-openapi.yaml): another is a typo, answered 400.
BACKLOG_QUERY = frozenset({"queue", "limit", "cursor"})


def _supervisor(what: str) -> Agent:
    agent = signed_in_agent(app.current_event.raw_event, wiring.access_rules())
    authorize_backlog(agent, what, now=clock.now(), activity=wiring.activity())
    return agent


def _clock(shown: Clock) -> dict[str, str]:
    return {"local": shown.local, "zone": shown.zone}


def masked_phone(phone: str) -> str:
    """Enough to tell callers apart on the list, not a number to dial."""
    return "\u2022" * max(0, len(phone) - 4) + phone[-4:]


def entry_json(entry: BacklogEntry) -> dict[str, Any]:
    callback = entry.callback
    return {
        "callbackId": callback.callback_id,
        "queue": callback.queue,
        "kind": callback.kind.value,
        "status": callback.status.value,
        "phone": masked_phone(callback.phone),
        "at": callback.call_at.isoformat(),
        "spoken": spoken(callback.call_at, callback.timezone),
        "callerTime": _clock(entry.caller_clock),
        "centerTime": _clock(entry.center_clock),
        "waitSeconds": entry.wait_seconds,
        "attempts": callback.attempts,
    }


def _page_size(limit: str | None) -> int:
    """The ``limit`` the document allows (1 to 50, default 20); anything else is a 400, not a
    page of another size."""
    if limit is None:
        return DEFAULT_PAGE
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= PAGE_MAX:
        raise InvalidActionError(f"limit: 1 to {PAGE_MAX}")
    return int(limit)


@app.get("/callbacks/backlog")
def backlog() -> Response[Any]:
    _supervisor("backlog read")
    params = app.current_event.query_string_parameters or {}
    if set(params) - BACKLOG_QUERY:
        raise InvalidActionError(f"query: only {', '.join(sorted(BACKLOG_QUERY))}")
    page = callback_backlog(
        store=wiring.callback_backlog(),
        now=clock.now(),
        center_zone=settings().contact_center_timezone,
        queued_window=wiring.callback_policy().queued_window,
        limit=_page_size(params.get("limit")),
        cursor=params.get("cursor") or None,
        queue=params.get("queue") or None,
    )
    return json_response(
        200,
        {
            "centerZone": settings().contact_center_timezone,
            "scheduled": [entry_json(e) for e in page.scheduled],
            "queued": [entry_json(e) for e in page.queued],
            "cursor": page.cursor,
        },
    )


@app.post("/callbacks/<callback_id>/cancel")
def cancel(callback_id: str) -> Response[Any]:
    _supervisor(f"callback {callback_id[:64]} cancel")
    cancelled = cancel_from_backlog(callback_id, callbacks=wiring.callback_service())
    return json_response(200, {"callbackId": cancelled.callback_id, "status": "cancelled"})


@app.post("/callbacks/<callback_id>/reschedule")
def reschedule(callback_id: str) -> Response[Any]:
    _supervisor(f"callback {callback_id[:64]} reschedule")
    body = json_body(app)
    booking = reschedule_from_backlog(
        callback_id,
        text_field(body, "time"),
        text_field(body, "clock", "caller"),
        callbacks=wiring.callback_service(),
        center_zone=settings().contact_center_timezone,
    )
    if booking.callback is None:
        return not_bookable(booking.decision)
    moved = booking.callback
    return json_response(200, {"callbackId": moved.callback_id, "at": moved.call_at.isoformat()})


register_agent_errors(app, "callback backlog")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    return serve(app, "callback backlog", event, context)

"""The agent API, locally: ``/agent-api/*`` -> the real agent functions, as API Gateway would.

Each route goes to the function template.yaml gives it (the timeline, the agent's tools, the
supervisors' backlog) as a REST proxy event carrying the claims a Cognito authorizer would pass
(401 without a valid local token, as API Gateway answers). A POST must be JSON and carry either
the token in ``Authorization`` or ``X-Local-Request: 1``: a cross-site form can do neither, so
the sign-in cookie alone never changes anything. The local queue's agent events (who accepted a
contact, when it ended) are written here too: they are what Connect's DescribeContact would say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from simulator.delivery import deliver_queued_messages
from simulator.web.apigw import HttpAnswer, Route, rest_proxy_event

PREFIX = "/agent-api"


@dataclass(frozen=True)
class AgentRoute:
    method: str
    pattern: re.Pattern[str]
    resource: str
    function: str


def _route(method: str, resource: str, function: str) -> AgentRoute:
    # As API Gateway: a path parameter is any one non-empty segment; the function judges it.
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", resource)
    return AgentRoute(method, re.compile(f"^{pattern}$"), resource, function)


ROUTES = [
    _route("GET", "/contacts/{contactId}/timeline", "AgentTimelineFunction"),
    _route("POST", "/contacts/{contactId}/keypad-unlock", "AgentTimelineFunction"),
    _route("POST", "/contacts/{contactId}/portal-link", "AgentActionsFunction"),
    _route("POST", "/contacts/{contactId}/notes", "AgentActionsFunction"),
    _route("POST", "/contacts/{contactId}/callback/cancel", "AgentActionsFunction"),
    _route("POST", "/contacts/{contactId}/callback/move", "AgentActionsFunction"),
    _route("GET", "/callbacks/backlog", "CallbackBacklogFunction"),
    _route("POST", "/callbacks/{callbackId}/cancel", "CallbackBacklogFunction"),
    _route("POST", "/callbacks/{callbackId}/reschedule", "CallbackBacklogFunction"),
]


class AgentRequest(Protocol):
    """What the app origin's request handler offers this module (simulator.web.server)."""

    command: str
    headers: Any
    client_address: Any
    server: Any

    @property
    def path_only(self) -> str: ...

    @property
    def query(self) -> str: ...

    def agent_claims(self) -> dict[str, str] | None: ...

    def read_body(self) -> bytes | None: ...

    def send(self, answer: HttpAnswer, csp: str | None = None) -> None: ...

    def send_json(self, status: int, body: Any, headers: list[tuple[str, str]] = ...) -> None: ...


def match(method: str, path: str) -> tuple[AgentRoute, dict[str, str]] | None:
    for route in ROUTES:
        found = route.pattern.match(path)
        if found and route.method == method:
            return route, found.groupdict()
    return None


def serve_agent_api(request: AgentRequest) -> None:
    path = request.path_only.removeprefix(PREFIX)
    claims = request.agent_claims()
    if claims is None:
        request.send_json(401, {"message": "Unauthorized"})  # API Gateway's own answer
        return
    matched = match(request.command, path)
    if matched is None:
        request.send_json(404, {"message": "Missing Authentication Token"})  # API Gateway's
        return
    route, parameters = matched
    body = request.read_body()
    if body is None:
        return
    if request.command == "POST" and not _may_change(request):
        from ivr.channels.agent_api import FORBIDDEN

        request.send_json(403, FORBIDDEN)  # the API's one refusal (portal/agent-openapi.yaml)
        return
    event = rest_proxy_event(
        request.command,
        path,
        request.query,
        dict(request.headers.items()),
        body,
        Route(route.resource, parameters),
        source_ip=request.client_address[0],
        claims=claims,
    )
    request.send(request.server.invoke(route.function, event))
    if request.command == "POST":
        deliver_queued_messages()  # what SQS and the sender do in AWS: the SMS reaches the phone
        center = request.server.center
        center.check_outbox()
        center.activity(parameters.get("contactId"))


def _may_change(request: AgentRequest) -> bool:
    """The token in ``Authorization`` (what the API takes in AWS: no form can send it, so the
    function itself judges the body and its type), or the cookie with a JSON body and
    ``X-Local-Request`` (neither of which a cross-site form can send)."""
    if str(request.headers.get("Authorization") or "").lower().startswith("bearer "):
        return True
    content_type = str(request.headers.get("Content-Type") or "")
    local = request.headers.get("X-Local-Request") == "1"
    return local and content_type.startswith("application/json")


def record_agent_event(contact_id: str, at: datetime, agent_id: str | None = None) -> None:
    """The local queue's part of the contact record: the agent who accepted it (``agent_id``),
    or, without one, that it ended."""
    from ivr import wiring
    from ivr.activity import ActivityEvent
    from ivr.agent.access import AGENT_CONNECTED, AGENT_DISCONNECTED

    if agent_id is None:
        event = ActivityEvent(contact_id, at, AGENT_DISCONNECTED, "contact ended")
    else:
        text = f"agent {agent_id} connected"
        event = ActivityEvent(contact_id, at, AGENT_CONNECTED, text, {"agentId": agent_id})
    wiring.activity().append(event)

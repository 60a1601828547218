"""One local web server for the payment portal, the web phone and the agent dashboard.

On 127.0.0.1, two origins: the application (pages, ``/api/*`` -> the real portal API handler,
``/agent-api/*`` -> the real timeline handler, the phone and agent endpoints, server-sent events)
and, on the next port, the sandbox processor's hosted card fields (``card-frame.html`` and
``/tokenize``), so card numbers never reach the application's origin, as with a real processor.
"""

from __future__ import annotations

import json
import queue
import re
import select
import socket
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simulator.delivery import deliver_queued_messages
from simulator.paths import PORTAL
from simulator.web.agent_api import PREFIX as AGENT_API_PREFIX
from simulator.web.agent_api import serve_agent_api
from simulator.web.apigw import HttpAnswer, Route, http_answer, rest_proxy_event
from simulator.web.center import AGENT_TOPIC, LineBusyError, LocalContactCenter, NoCallError
from simulator.web.hub import KEEPALIVE, KEEPALIVE_SECONDS, frame
from simulator.web.phone import arrival_from, line_topic

PORTAL_API = "PortalApiFunction"
LOCAL_HEADER = "X-Local-Request"
TOKEN_COOKIE = "agent_token"
MAX_BODY = 64 * 1024

_STATIC = re.compile(r"^/(?P<name>(?:vendor/)?[a-z0-9][a-z0-9.-]*\.(?:html|js|css|svg|ico))$")
_PAY = re.compile(r"^/pay/[0-9a-fA-F-]{36}$")
_QUEUE_ACTION = re.compile(r"^/agent/contacts/(?P<contact>[^/]+)/(?P<action>accept|end)$")
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".json": "application/json",
}
_PAGES = {"/": "index.html", "/phone": "phone.html", "/agent": "agent.html"}
#: How often a quiet event stream checks that its page is still there.
STREAM_CHECK_SECONDS = 0.5


def security_headers(csp: str) -> list[tuple[str, str]]:
    """What the portal API sends too (ivr.channels.api), with a page's own CSP."""
    return [
        ("Content-Security-Policy", csp),
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ]


@dataclass(frozen=True)
class Origins:
    app: str
    card: str

    def page_csp(self) -> str:
        return (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self'; frame-src {self.card}; base-uri 'none'; object-src 'none'; "
            "frame-ancestors 'none'; form-action 'self'"
        )

    def card_csp(self) -> str:
        return (
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            f"base-uri 'none'; object-src 'none'; frame-ancestors {self.app}; form-action 'none'"
        )


class _Handler(BaseHTTPRequestHandler):
    """Shared plumbing of both origins' handlers."""

    server_version = "LocalContactCenter"
    sys_version = ""
    server: LocalServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's signature
        """Quiet: the person at the terminal follows the calls, not the requests."""

    @property
    def path_only(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> str:
        return urlsplit(self.path).query

    def send(self, answer: HttpAnswer, csp: str | None = None) -> None:
        self.send_response(answer.status)
        names = {name.lower() for name, _ in answer.headers}
        for name, value in answer.headers:
            self.send_header(name, value)
        for name, value in security_headers(csp or "default-src 'none'; frame-ancestors 'none'"):
            if name.lower() not in names:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def send_json(self, status: int, body: Any, headers: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
        payload = json.dumps(body).encode()
        self.send(HttpAnswer(status, [("Content-Type", "application/json"), *headers], payload))

    def send_file(self, relative: str, csp: str) -> None:
        path = (PORTAL / relative).resolve()
        if PORTAL.resolve() not in path.parents or not path.is_file():
            self.send_json(404, {"error": "not_found", "message": "No such page."})
            return
        content_type = _TYPES.get(path.suffix, "application/octet-stream")
        self.send(HttpAnswer(200, [("Content-Type", content_type)], path.read_bytes()), csp)

    def read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_json(413, {"error": "too_large", "message": "The body is too large."})
            return None
        return self.rfile.read(length) if length else b""

    def local_json(self) -> dict[str, Any] | None:
        """A local POST: JSON with the X-Local-Request header (a cross-site form cannot send
        either), else a 4xx and None."""
        body = self.read_body()
        if body is None:
            return None
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            self.send_json(415, {"error": "unsupported_media_type", "message": "Send JSON."})
            return None
        if self.headers.get(LOCAL_HEADER) != "1":
            self.send_json(403, {"error": "forbidden", "message": f"Missing {LOCAL_HEADER}."})
            return None
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.send_json(400, {"error": "bad_request", "message": "Send a JSON object."})
            return None
        return data


class AppHandler(_Handler):
    """The application origin."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path_only
        if path in _PAGES:
            self.send_file(_PAGES[path], self.server.origins.page_csp())
        elif _PAY.match(path):
            self.send_file("pay.html", self.server.origins.page_csp())
        elif path == "/config.json":
            self.send_json(200, self.server.config())
        elif path.startswith("/api/"):
            self.proxy_portal_api()
        elif path.startswith(AGENT_API_PREFIX + "/"):
            serve_agent_api(self)
        elif path == "/events/phone":
            self.phone_events()
        elif path == "/events/agent":
            self.agent_events()
        elif path == "/agent/session":
            self.agent_session()
        elif _STATIC.match(path):
            self.send_file(path.lstrip("/"), self.server.origins.page_csp())
        else:
            self.send_json(404, {"error": "not_found", "message": "No such page."})

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        path = self.path_only
        routes: dict[str, Callable[[], None]] = {
            "/phone/call": self.phone_call,
            "/phone/input": self.phone_input,
            "/phone/answer": self.phone_answer,
            "/local/callbacks/sweep": self.sweep_callbacks,
            "/agent/login": self.agent_login,
            "/agent/logout": self.agent_logout,
            "/local/clock": self.travel_in_time,
        }
        if path.startswith("/api/"):
            self.proxy_portal_api()
        elif path.startswith(AGENT_API_PREFIX + "/"):
            serve_agent_api(self)
        elif path in routes:
            routes[path]()
        elif _QUEUE_ACTION.match(path):
            match = _QUEUE_ACTION.match(path)
            assert match is not None
            self.queue_action(match.group("contact"), match.group("action"))
        else:
            self.send_json(404, {"error": "not_found", "message": "No such resource."})

    def do_OPTIONS(self) -> None:  # noqa: N802
        if self.path_only.startswith("/api/"):
            self.proxy_portal_api()
        else:
            self.send_json(404, {"error": "not_found", "message": "No such resource."})

    do_PUT = do_DELETE = do_PATCH = do_POST  # noqa: N815 - the API answers them (405/404)

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, QUERY, ...) goes where a POST would: the APIs answer it
        themselves (405, 404), never http.server with an HTML 501."""
        if name.startswith("do_"):
            return self.do_POST
        raise AttributeError(name)

    # --- the payment portal's API ----------------------------------------------------------------

    def proxy_portal_api(self) -> None:
        body = self.read_body()
        if body is None:
            return
        path = self.path_only.removeprefix("/api")
        route = Route("/sessions/{proxy+}", {"proxy": path.removeprefix("/sessions/")})
        if not path.startswith("/sessions/"):
            route = Route(path, {})
        event = rest_proxy_event(
            self.command,
            path,
            self.query,
            dict(self.headers.items()),
            body,
            route,
            source_ip=self.client_address[0],
        )
        self.send(self.server.invoke(PORTAL_API, event))
        # What SQS and the sender do in AWS, also when no call is in the IVR to deliver them
        # (the caller is with an agent who sent the link): the confirmation reaches the phone.
        deliver_queued_messages()
        self.server.center.check_outbox()
        self.server.center.activity(None)

    # --- the agent -------------------------------------------------------------------------------

    def agent_token(self) -> str:
        bearer = self.headers.get("Authorization") or ""
        if bearer.lower().startswith("bearer "):
            return bearer[7:].strip()
        cookie = SimpleCookie(self.headers.get("Cookie") or "")
        morsel = cookie.get(TOKEN_COOKIE)
        return morsel.value if morsel else ""

    def agent_claims(self) -> dict[str, str] | None:
        token = self.agent_token()
        return self.server.center.agents.claims(token) if token else None

    def agent_login(self) -> None:
        data = self.local_json()
        if data is None:
            return
        token = self.server.center.agents.sign_in(
            str(data.get("username", "")), str(data.get("password", ""))
        )
        if token is None:
            self.send_json(401, {"error": "unauthorized", "message": "Wrong name or password."})
            return
        cookie = f"{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
        claims = self.server.center.agents.claims(token) or {}
        groups = [g for g in claims.get("cognito:groups", "").split(",") if g]
        self.send_json(
            200,
            {"token": token, "username": claims.get("cognito:username", ""), "groups": groups},
            [("Set-Cookie", cookie)],
        )

    def agent_logout(self) -> None:
        if self.local_json() is None:
            return
        cookie = f"{TOKEN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
        self.send_json(200, {"signedOut": True}, [("Set-Cookie", cookie)])

    def agent_session(self) -> None:
        claims = self.agent_claims()
        if claims is None:
            self.send_json(401, {"message": "Unauthorized"})
            return
        groups = [g for g in claims.get("cognito:groups", "").split(",") if g]
        self.send_json(200, {"username": claims["cognito:username"], "groups": groups})

    def queue_action(self, contact_id: str, action: str) -> None:
        claims = self.agent_claims()
        if claims is None:
            self.send_json(401, {"message": "Unauthorized"})
            return
        if self.local_json() is None:
            return
        center = self.server.center
        if action == "accept":
            user = center.agents.user(claims)
            done = center.accept(
                contact_id, claims["cognito:username"], user.connect_user_id if user else ""
            )
        else:
            done = center.end_contact(contact_id)
        if done is None:
            self.send_json(409, {"error": "not_waiting", "message": "That call is not waiting."})
            return
        self.send_json(200, done.as_json())

    def agent_events(self) -> None:
        if self.agent_claims() is None:
            self.send_json(401, {"message": "Unauthorized"})
            return
        center = self.server.center
        snapshot = {"contacts": center.queue.as_json()}
        self.stream([AGENT_TOPIC], "queue", snapshot)

    # --- the web phone ---------------------------------------------------------------------------

    def number_param(self, value: object) -> str | None:
        from ivr.core.errors import InvalidPhoneNumberError
        from ivr.core.phone import normalise_e164

        try:
            return normalise_e164(str(value or ""), "US")
        except InvalidPhoneNumberError:
            self.send_json(400, {"error": "bad_number", "message": "That is not a valid number."})
            return None

    def phone_call(self) -> None:
        from simulator.voice import VOICE_OUTCOMES

        data = self.local_json()
        if data is None:
            return
        number = self.number_param(data.get("number"))
        if number is None:
            return
        voice = str(data.get("voice") or "authenticated")
        if voice not in VOICE_OUTCOMES:
            self.send_json(
                400, {"error": "bad_voice", "message": f"voice: one of {VOICE_OUTCOMES}"}
            )
            return
        try:
            state = self.server.center.place_call(number, voice)
        except LineBusyError as busy:
            self.send_json(409, {"error": "busy", "message": str(busy)})
            return
        self.send_json(201, state.as_json())

    def phone_input(self) -> None:
        data = self.local_json()
        if data is None:
            return
        number = self.number_param(data.get("number"))
        if number is None:
            return
        arrival = arrival_from(data)
        if arrival is None:
            self.send_json(400, {"error": "bad_input", "message": "say, press, activity, hangup"})
            return
        try:
            self.server.center.caller_input(number, arrival)
        except NoCallError as none:
            self.send_json(409, {"error": "no_call", "message": str(none)})
            return
        self.send_json(202, {"accepted": True})

    def phone_answer(self) -> None:
        data = self.local_json()
        if data is None:
            return
        number = self.number_param(data.get("number"))
        if number is None:
            return
        try:
            state = self.server.center.answer(number)
        except (NoCallError, LineBusyError) as none:
            self.send_json(409, {"error": "no_call", "message": str(none)})
            return
        self.send_json(200, state.as_json())

    def phone_events(self) -> None:
        numbers = parse_qs(self.query).get("number") or [""]
        number = self.number_param(numbers[0])
        if number is None:
            return
        snapshot = self.server.center.phone_snapshot(number)
        # The web phone page holds the line (holds=1): closing its tab hangs up its call, as
        # closing a phone app would. Other readers (tests, tools) only watch.
        holds = parse_qs(self.query).get("holds") == ["1"]
        if holds:
            self.server.center.line_held(number)
        try:
            self.stream([line_topic(number)], "snapshot", snapshot)
        finally:
            if holds:
                self.server.center.line_left(number)

    def sweep_callbacks(self) -> None:
        """Run the callback sweeper now (`ivr callbacks sweep` on a running stack): each number
        it dials rings on the web phone."""
        from datetime import datetime

        data = self.local_json()
        if data is None:
            return
        at = None
        if data.get("at"):
            try:
                at = datetime.fromisoformat(str(data["at"]))
            except ValueError:
                at = None
            if at is None or at.tzinfo is None:
                self.send_json(400, {"error": "bad_request", "message": "at: ISO time with offset"})
                return
        self.send_json(200, self.server.center.sweep(at))

    def travel_in_time(self) -> None:
        """Move the local contact center's clock forward (a 10-minute link expiry, tried now)."""
        data = self.local_json()
        if data is None:
            return
        seconds = data.get("advanceSeconds")
        if not isinstance(seconds, int | float) or not 0 <= seconds <= 7 * 24 * 3600:
            self.send_json(400, {"error": "bad_request", "message": "advanceSeconds: 0 to a week"})
            return
        center = self.server.center
        center.clock_offset += timedelta(seconds=seconds)
        # The scheduled sweeper would have run in the time skipped: callbacks now due ring.
        swept = center.sweep()
        self.send_json(200, {"now": center.now().isoformat(), "callbacks": swept["calls"]})

    # --- server-sent events ----------------------------------------------------------------------

    def stream(self, topics: list[str], first_event: str, snapshot: dict[str, Any]) -> None:
        from simulator.web.hub import Message

        hub = self.server.center.hub
        with hub.subscribe(*topics) as inbox:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            for name, value in security_headers("default-src 'none'; frame-ancestors 'none'"):
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(b"retry: 1000\n\n" + frame(Message(first_event, snapshot)))
                self.wfile.flush()
                quiet_since = time.monotonic()
                while not self.server.stopping.is_set() and not self.page_gone():
                    try:
                        message = inbox.get(timeout=STREAM_CHECK_SECONDS)
                    except queue.Empty:
                        if time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                            # say something so the stream stays open
                            self.wfile.write(KEEPALIVE)
                            self.wfile.flush()
                            quiet_since = time.monotonic()
                        continue
                    if message is None:
                        return
                    self.wfile.write(frame(message))
                    self.wfile.flush()
                    quiet_since = time.monotonic()
            except (BrokenPipeError, ConnectionResetError):
                return  # the page went away; EventSource reconnects if it is still open

    def page_gone(self) -> bool:
        """The browser closed the stream's connection (a page never sends on it: readable
        means closed)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True


#: The card origin's resources and the methods each takes (HEAD answers as GET, without a body).
_CARD_RESOURCES = {
    "/card-frame.html": ("GET", "HEAD"),
    "/card-frame.js": ("GET", "HEAD"),
    "/card-frame.css": ("GET", "HEAD"),
    "/card-config.json": ("GET", "HEAD"),
    "/tokenize": ("POST",),
}


class CardHandler(_Handler):
    """The sandbox processor's origin: its hosted card fields and their tokenize endpoint. Like
    the local API, it answers JSON: 404 for a resource it does not have, 405 with ``Allow`` for
    a method a resource does not take (never http.server's HTML 501)."""

    def do_GET(self) -> None:  # noqa: N802
        if not self.method_allowed():
            return
        path = self.path_only
        if path == "/card-config.json":
            self.send_json(200, {"portalOrigin": self.server.origins.app})
        else:
            self.send_file(path.lstrip("/"), self.server.origins.card_csp())

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        if not self.method_allowed():
            return
        data = self.local_json()
        if data is None:
            return
        from ivr import wiring
        from ivr.payments.cards import InvalidCardError, invalid_card_fields, parse_card

        try:
            card = parse_card(
                str(data.get("number", "")),
                str(data.get("expiry", "")),
                str(data.get("cvv", "")),
                today=date.today(),
            )
        except InvalidCardError as invalid:
            fields = invalid_card_fields(data, today=date.today())
            self.send_json(400, {"error": "invalid_card", "field": str(invalid), "fields": fields})
            return
        token = wiring.sandbox_processor().tokenize(card)
        self.send_json(200, {"token": token.token, "brand": token.brand, "last4": token.last4})

    def __getattr__(self, name: str) -> Any:
        """Any other method (PUT, TRACE, ...): 405 on a resource, 404 elsewhere."""
        if name.startswith("do_"):
            return self.method_allowed
        raise AttributeError(name)

    def method_allowed(self) -> bool:
        """True when the path is a resource that takes this method; else answers 404 or 405."""
        methods = _CARD_RESOURCES.get(self.path_only)
        if methods is None:
            self.send_json(404, {"error": "not_found", "message": "No such resource."})
        elif self.command not in methods:
            # RFC 9110 15.5.6, as the portal API answers it (ivr.channels.api).
            body = {"error": "method_not_allowed", "message": "Not a method of this resource."}
            self.send_json(405, body, [("Allow", ", ".join(methods))])
        return methods is not None and self.command in methods


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[_Handler],
        center: LocalContactCenter,
        stopping: threading.Event,
    ) -> None:
        super().__init__(address, handler)
        self.center = center
        self.stopping = stopping
        self.origins = Origins("", "")

    def invoke(self, logical_id: str, event: dict[str, Any]) -> HttpAnswer:
        from simulator.context import lambda_context
        from simulator.lambda_service import load_handler

        return http_answer(load_handler(logical_id)(event, lambda_context(logical_id)))

    def config(self) -> dict[str, Any]:
        from simulator.seed import sample_data
        from simulator.voice import VOICE_OUTCOMES

        callers = [
            {"number": str(c["phone"]), "name": str(c["name"])}
            for c in sample_data().get("customers", [])
        ]
        return {
            "mode": "local",
            "apiBase": "/api",
            "agentApiBase": "/agent-api",
            "cardFrameOrigin": self.origins.card,
            "callers": callers,
            "voiceOutcomes": list(VOICE_OUTCOMES),
        }


class LocalWebServer:
    """The two origins, each served by its own threads; ``stop()`` ends every stream."""

    def __init__(
        self,
        center: LocalContactCenter,
        host: str = "127.0.0.1",
        port: int = 8080,
        card_port: int | None = None,
    ) -> None:
        self.center = center
        self.stopping = threading.Event()
        self.app = LocalServer((host, port), AppHandler, center, self.stopping)
        card_address = (host, card_port if card_port is not None else (port + 1 if port else 0))
        try:
            self.card = LocalServer(card_address, CardHandler, center, self.stopping)
        except OSError:
            self.app.server_close()
            raise
        origins = Origins(
            f"http://{host}:{self.app.server_address[1]}",
            f"http://{host}:{self.card.server_address[1]}",
        )
        self.app.origins = self.card.origins = origins
        self._threads: list[threading.Thread] = []
        self._clock = ExitStack()

    @property
    def url(self) -> str:
        return self.app.origins.app

    def start(self) -> LocalWebServer:
        from ivr.core import clock

        # Between calls the handlers (the portal API) go by the center's clock; a call installs
        # its own virtual clock on top for its duration.
        self._clock.enter_context(clock.installed(self.center.now))
        for server in (self.app, self.card):
            # stop() waits for each loop to notice: 0.05 s, not socketserver's 0.5 s, per server.
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._threads.append(thread)
        sweeper = threading.Thread(target=self.center.sweep_on_schedule, daemon=True)
        sweeper.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.center.stop()
        for server in (self.app, self.card):
            server.shutdown()
            server.server_close()
        self._clock.close()


def portal_files() -> list[Path]:
    return sorted(PORTAL.glob("*.html"))

"""The local contact center's web side, in-process over HTTP: calls on several lines at once, each
on its own clock, and time travel (POST /local/clock) that expires a link for the IVR too."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest

from simulator.web.center import LocalContactCenter
from simulator.web.server import LocalWebServer

#: The agent API's one refusal (portal/agent-openapi.yaml, Refused).
FORBIDDEN = {"error": "forbidden", "message": "Not allowed."}
ANA = "+13125550142"
BEN = "+12025550100"
#: The IVR's time limits at a fifth of real time: a person's 20 s is 4 s here (these tests
#: answer in milliseconds, in-process), and the payment poll's 10 s is 2 s.
TIME_SCALE = 0.2


@pytest.fixture
def web(aws: None) -> Iterator[LocalWebServer]:
    from ivr.core import settings
    from simulator.seed import load_given, sample_data

    load_given(sample_data())
    server = LocalWebServer(LocalContactCenter(time_scale=TIME_SCALE), port=0, card_port=0)
    settings.settings.cache_clear()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def post(web: LocalWebServer, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        web.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Local-Request": "1"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def said(web: LocalWebServer, number: str, fragment: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        call = web.center.phone_snapshot(number)["call"] or {}
        for line in call.get("transcript", []):
            if line["who"] == "ivr" and fragment.lower() in line["text"].lower():
                return str(line["text"])
        time.sleep(0.05)
    raise AssertionError(f"the IVR never said {fragment!r}: {web.center.phone_snapshot(number)}")


def test_two_numbers_are_in_the_ivr_at_once(web: LocalWebServer) -> None:
    assert post(web, "/phone/call", {"number": ANA})[0] == 201
    status, body = post(web, "/phone/call", {"number": BEN})
    assert status == 201, body
    said(web, ANA, "welcome back")
    said(web, BEN, "How can I help you today")
    statuses = {n: web.center.phone_snapshot(n)["call"]["status"] for n in (ANA, BEN)}
    assert statuses == {ANA: "ivr", BEN: "ivr"}


def test_the_same_number_twice_is_busy_not_another_callers_problem(web: LocalWebServer) -> None:
    assert post(web, "/phone/call", {"number": BEN})[0] == 201
    status, body = post(web, "/phone/call", {"number": BEN})
    assert status == 409
    assert "already on a call" in body["message"] and "another call" not in body["message"]


def test_time_travel_during_a_call_expires_the_link_and_the_ivr_says_so(
    web: LocalWebServer,
) -> None:
    assert post(web, "/phone/call", {"number": BEN})[0] == 201
    said(web, BEN, "How can I help you today")
    post(web, "/phone/input", {"number": BEN, "type": "say", "text": "I want to pay my bill"})
    said(web, BEN, "To pay all of it, say the full balance, or press 1")
    post(web, "/phone/input", {"number": BEN, "type": "press", "digits": "1"})
    said(web, BEN, "on your phone's web browser, press 1")
    post(web, "/phone/input", {"number": BEN, "type": "press", "digits": "1"})
    said(web, BEN, "Waiting for your payment")
    status, body = post(web, "/local/clock", {"advanceSeconds": 11 * 60})
    assert status == 200, body
    said(web, BEN, "Your payment link has expired")


def test_the_phone_shows_texts_and_e_mails_in_the_order_sent_with_their_times(
    web: LocalWebServer,
) -> None:
    from ivr import wiring
    from ivr.notify import Channel, OutgoingMessage

    outbox = wiring.local_outbox()
    outbox.send(OutgoingMessage(Channel.SMS, BEN, "Example Bank: your link", "k1"))
    outbox.send(
        OutgoingMessage(
            Channel.EMAIL, "ben.carter@example.org", "Thank you", "k2", subject="Payment received"
        )
    )
    outbox.send(OutgoingMessage(Channel.SMS, ANA, "Not Ben's", "k3"))
    inbox = web.center.phone_snapshot(BEN)["inbox"]
    assert [(m["channel"], m["subject"]) for m in inbox] == [
        ("sms", ""),
        ("email", "Payment received"),
    ]
    assert inbox[0]["sentAt"] <= inbox[1]["sentAt"]


# --- the local API Gateway, as schemathesis found it (tests/fuzz/test_api_schemathesis.py) ------


def request(
    web: LocalWebServer, method: str, path: str, headers: dict[str, str]
) -> tuple[int, str, dict[str, Any]]:
    """Status, Content-Type and JSON body of a request with no body."""
    import http.client
    from urllib.parse import urlsplit

    address = urlsplit(web.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.getheader("Content-Type") or "", json.loads(answer.read())
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["TRACE", "QUERY"])
def test_a_method_http_server_does_not_know_reaches_the_api(
    web: LocalWebServer, method: str
) -> None:
    status, content_type, body = request(web, method, f"/api/sessions/{uuid4()}/link", {})
    assert (status, content_type) == (405, "application/json")  # was http.server's HTML 501
    assert body["error"] == "method_not_allowed"


def signed_in(web: LocalWebServer, username: str) -> str:
    agents = web.center.agents
    token = agents.sign_in(username, agents.password)
    assert token is not None
    return token


def test_an_agent_action_with_the_token_and_no_body_reaches_the_function(
    web: LocalWebServer,
) -> None:
    bearer = {"Authorization": f"Bearer {signed_in(web, 'agent')}"}
    path = f"/agent-api/contacts/{uuid4()}/keypad-unlock"
    # Was the local gate's own 403 ("Send the token or X-Local-Request."): no Content-Type.
    assert request(web, "POST", path, bearer)[0::2] == (403, FORBIDDEN)


def test_the_cookie_alone_changes_nothing_and_gets_the_apis_one_refusal(
    web: LocalWebServer,
) -> None:
    cookie = {
        "Cookie": f"agent_token={signed_in(web, 'agent')}",
        "Content-Type": "application/json",
    }
    path = f"/agent-api/contacts/{uuid4()}/keypad-unlock"
    assert request(web, "POST", path, cookie)[0::2] == (403, FORBIDDEN)


def test_a_path_parameter_is_any_segment_as_api_gateway_passes_it(web: LocalWebServer) -> None:
    bearer = {"Authorization": f"Bearer {signed_in(web, 'agent')}"}
    # Was the local 404 "Missing Authentication Token": the function judges the id (403).
    assert request(web, "GET", "/agent-api/contacts/null,null/timeline", bearer)[0::2] == (
        403,
        FORBIDDEN,
    )

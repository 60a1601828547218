"""The local card origin (the sandbox processor's hosted fields and /tokenize) answers like the
rest of the local API: JSON errors, 405 with Allow for a method a resource does not take."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from simulator.web.center import LocalContactCenter
from simulator.web.server import LOCAL_HEADER, LocalWebServer


@pytest.fixture(scope="module")
def card_origin() -> Iterator[str]:
    server = LocalWebServer(LocalContactCenter(), port=0, card_port=0).start()
    try:
        yield server.card.origins.card
    finally:
        server.stop()


def ask(
    origin: str, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one request to the card origin."""
    address = urlsplit(origin)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    headers = {"Content-Type": "application/json", LOCAL_HEADER: "1"} if body is not None else {}
    try:
        connection.request(method, path, json.dumps(body) if body else None, headers)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/tokenize", "POST"),
        ("DELETE", "/tokenize", "POST"),
        ("GET", "/tokenize", "POST"),
        ("TRACE", "/tokenize", "POST"),  # a method http.server has no do_ method for
        ("POST", "/card-frame.html", "GET, HEAD"),
        ("PATCH", "/card-config.json", "GET, HEAD"),
    ],
)
def test_a_method_a_resource_does_not_take_is_a_json_405_with_allow(
    card_origin: str, method: str, path: str, allow: str
) -> None:
    status, headers, body = ask(card_origin, method, path)
    assert (status, headers["content-type"], headers.get("allow")) == (
        405,
        "application/json",
        allow,
    ), body  # was http.server's HTML 501 for PUT, DELETE and TRACE
    assert json.loads(body)["error"] == "method_not_allowed"
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "TRACE"])
def test_a_resource_the_origin_does_not_have_is_a_json_404(card_origin: str, method: str) -> None:
    status, headers, body = ask(card_origin, method, "/no-such-thing")
    assert (status, headers["content-type"]) == (404, "application/json")
    assert json.loads(body)["error"] == "not_found"


def test_the_card_fields_and_tokenize_still_answer(card_origin: str) -> None:
    status, headers, page = ask(card_origin, "GET", "/card-frame.html")
    assert status == 200 and headers["content-type"].startswith("text/html") and page
    status, headers, empty = ask(card_origin, "HEAD", "/card-frame.js")
    assert (status, empty) == (200, b"") and int(headers["content-length"]) > 0
    card = {"number": "4242 4242 4242 4242", "expiry": "12/34", "cvv": "123"}
    status, _, body = ask(card_origin, "POST", "/tokenize", card)
    assert status == 200, body
    token = json.loads(body)
    assert token["last4"] == "4242" and "4242424242424242" not in body.decode()

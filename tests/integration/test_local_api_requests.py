"""The local Lambda service lets an API function serve one request at a time, as Lambda does."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from simulator.lambda_service import load_handler


def test_concurrent_portal_requests_are_served_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Powertools' resolver keeps the request on the module's ``app``: two requests inside the
    # handler at once made a portal payment read another thread's body (a 422 under load).
    import portal_api

    inside, most = 0, 0
    guard = threading.Lock()

    def slow_handler(event: Any, context: Any) -> dict[str, Any]:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        time.sleep(0.02)
        with guard:
            inside -= 1
        return {"statusCode": 200, "body": "{}"}

    monkeypatch.setattr(portal_api, "lambda_handler", slow_handler)
    threads = [
        threading.Thread(target=lambda: load_handler("PortalApiFunction")({}, None))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1


def test_connect_functions_are_not_serialised() -> None:
    import caller_lookup

    assert load_handler("CallerLookupFunction") is caller_lookup.lambda_handler

"""The agent timeline API at handler level: 401 without an agent, 404 for a contact a supervisor
asks about that nobody recorded, and the customer's facts and the IVR activity of a real local
call (who may read which contact: test_agent_access.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from simulator.web.apigw import Route, rest_proxy_event

CONNECT_USER_ID = "7d3c1a52-0001-4e6f-9a41-5b2c8e0d1001"
CLAIMS = {
    "sub": "4b0e7c1e-agent",
    "cognito:username": "agent",
    "custom:connect_user_id": CONNECT_USER_ID,
    "token_use": "id",
}
SUPERVISOR = {
    "sub": "4b0e7c1e-supervisor",
    "cognito:username": "supervisor",
    "custom:connect_user_id": "7d3c1a52-0003-4e6f-9a41-5b2c8e0d1003",
    "cognito:groups": "supervisors",
    "token_use": "id",
}


def timeline_event(contact_id: str, claims: dict[str, str] | None = CLAIMS) -> dict[str, Any]:
    route = Route("/contacts/{contactId}/timeline", {"contactId": contact_id})
    path = f"/contacts/{contact_id}/timeline"
    return rest_proxy_event(
        "GET", path, "", {"Accept": "application/json"}, b"", route, claims=claims
    )


def ask(event: Any, lambda_context: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    import agent_timeline

    answer = agent_timeline.lambda_handler(event, lambda_context)
    return answer["statusCode"], json.loads(answer["body"]), answer["headers"]


def test_request_without_agent_claims_is_refused_with_401(aws: None, lambda_context: Any) -> None:
    status, body, headers = ask(timeline_event(str(uuid.uuid4()), claims=None), lambda_context)
    assert status == 401
    assert body["error"] == "unauthorized"
    assert headers["Cache-Control"] == "no-store"


def test_claims_without_a_subject_are_refused_with_401(aws: None, lambda_context: Any) -> None:
    status, _, _ = ask(timeline_event(str(uuid.uuid4()), claims={"sub": ""}), lambda_context)
    assert status == 401


def test_unknown_contact_is_404_for_a_supervisor_and_403_for_an_agent(
    aws: None, lambda_context: Any
) -> None:
    status, body, _ = ask(timeline_event(str(uuid.uuid4()), SUPERVISOR), lambda_context)
    assert status == 404
    assert body["error"] == "not_found"
    assert ask(timeline_event(str(uuid.uuid4())), lambda_context)[0] == 403


def test_contact_id_that_is_no_uuid_is_404(aws: None, lambda_context: Any) -> None:
    status, _, _ = ask(timeline_event("../../etc", SUPERVISOR), lambda_context)
    assert status == 404


def test_garbage_event_gets_a_400_with_security_headers(lambda_context: Any) -> None:
    import agent_timeline

    answer = agent_timeline.lambda_handler({"not": "api gateway"}, lambda_context)
    assert answer["statusCode"] == 400
    assert "default-src 'none'" in answer["headers"]["Content-Security-Policy"]


def test_timeline_of_a_call_has_the_customer_facts_and_masked_inputs(
    aws: None, lambda_context: Any
) -> None:
    from datetime import datetime

    from simulator.call import CallSetup, place_call
    from simulator.people import ScriptedCaller
    from simulator.seed import load_given

    load_given(
        {
            "customers": [
                {
                    "phone": "+13125550142",
                    "name": "Ana Souza",
                    "account_number": "100200301",
                    "balance": "120.50",
                    "timezone": "America/Chicago",
                    "national_id_last4": "4321",
                }
            ]
        }
    )
    caller = ScriptedCaller.from_steps(
        [{"press": "4321#"}, {"say": "my account is 100200301, get me an agent"}]
    )
    start = datetime.fromisoformat("2026-12-01T09:30:00-06:00")
    seen: set[str] = set()
    record = place_call(
        CallSetup("+13125550142", start, voice="not_authenticated"),
        caller,
        listener=lambda event, contact: seen.add(contact.contact_id),
    )
    assert record.ended == "queue:BasicQueue"
    (contact_id,) = seen

    status, body, _ = ask(timeline_event(contact_id, SUPERVISOR), lambda_context)

    assert status == 200
    assert body["customer"] == {
        "found": True,
        "name": "Ana Souza",
        "account": "\u2022\u2022\u2022\u2022\u20220301",
        "balance": "$120.50",
    }
    assert body["authentication"]["summary"] == "Authenticated by keypad"
    assert body["whisper"].startswith("Ana Souza. Authenticated by keypad.")
    texts = [e["text"] for e in body["events"]]
    assert "Hello Ana, welcome back to Example Bank." in texts
    assert "pressed \u2022\u2022\u2022\u2022\u2022" in texts
    assert any("\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022" in t for t in texts)
    assert not any("4321" in t or "100200301" in t for t in texts)
    assert any(e["kind"] == "transfer" for e in body["events"])


def unlock_event(contact_id: str, claims: dict[str, str] | None = CLAIMS) -> dict[str, Any]:
    route = Route("/contacts/{contactId}/keypad-unlock", {"contactId": contact_id})
    path = f"/contacts/{contact_id}/keypad-unlock"
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    return rest_proxy_event("POST", path, "", headers, b"{}", route, claims=claims)


def test_the_agent_on_a_call_unlocks_the_callers_locked_keypad(
    aws: None, lambda_context: Any
) -> None:
    from datetime import datetime, timedelta

    from ivr import wiring
    from ivr.auth.keypad import CustomerFailures
    from simulator.call import CallSetup, place_call
    from simulator.people import ScriptedCaller
    from simulator.seed import load_given
    from simulator.web.agent_api import record_agent_event

    phone = "+13125550142"
    load_given({"customers": [{"phone": phone, "name": "Ana Souza", "national_id_last4": "4321"}]})
    start = datetime.fromisoformat("2026-12-01T09:30:00-06:00")
    failures = {f"earlier-{n}": start - timedelta(hours=n + 1) for n in range(5)}
    wiring.auth_store().save_customer_failures(
        CustomerFailures(phone, failures, locked_at=start - timedelta(hours=1), version=1), 0
    )
    seen: set[str] = set()
    record = place_call(
        CallSetup(phone, start, voice="not_authenticated"),
        ScriptedCaller.from_steps([{"press": "4321#"}, {"say": "agent"}]),
        listener=lambda event, contact: seen.add(contact.contact_id),
    )
    assert any("keypad sign-in is locked" in p for p in record.prompts)
    (contact_id,) = seen

    assert ask(unlock_event(contact_id, claims=None), lambda_context)[0] == 401
    assert ask(unlock_event(contact_id), lambda_context)[0] == 403  # not accepted yet
    assert wiring.auth_store().customer_failures(phone).locked  # type: ignore[union-attr]
    record_agent_event(contact_id, start, CONNECT_USER_ID)  # the agent accepts the call

    status, body, _ = ask(unlock_event(contact_id), lambda_context)

    assert status == 200 and body == {"unlocked": True}
    state = wiring.auth_store().customer_failures(phone)
    assert state is None or (not state.locked and not state.failures)
    texts = [e["text"] for e in ask(timeline_event(contact_id), lambda_context)[1]["events"]]
    assert any(t == f"keypad unlocked by agent {CONNECT_USER_ID}" for t in texts)

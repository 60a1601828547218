"""The agent API's least privilege at handler level, through the real functions and stores:
an agent reads and acts on a contact only while it is theirs or within the window after it
ended; supervisors read any contact and the backlog; a token without the mapping is a 401."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simulator.web.agents import USERS
from simulator.web.apigw import Route, rest_proxy_event

ANA = "+13125550142"
START = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)


def claims_of(username: str) -> dict[str, str]:
    user = USERS[username]
    claims = {
        "sub": f"sub-{username}",
        "cognito:username": username,
        "custom:connect_user_id": user.connect_user_id,
        "token_use": "id",
    }
    if user.groups:
        claims["cognito:groups"] = ",".join(user.groups)
    return claims


AGENT, OTHER, SUPERVISOR = claims_of("agent"), claims_of("agent2"), claims_of("supervisor")
UNMAPPED = {"sub": "sub-new-hire", "cognito:username": "new-hire", "token_use": "id"}

#: Every route of the agent API that concerns one contact: (function, method, resource, body).
CONTACT_ROUTES = [
    ("agent_timeline", "GET", "timeline", None),
    ("agent_timeline", "POST", "keypad-unlock", {}),
    ("agent_actions", "POST", "portal-link", {}),
    ("agent_actions", "POST", "notes", {"text": "Customer asked about fees."}),
    ("agent_actions", "POST", "callback/cancel", {}),
    ("agent_actions", "POST", "callback/move", {"time": "2026-12-02T10:00", "clock": "caller"}),
]


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(aws: None) -> Iterator[Clock]:
    from ivr.core import clock as ivr_clock

    now = Clock(START)
    with ivr_clock.installed(now):
        yield now


def call(
    module: str,
    method: str,
    path: str,
    resource: str,
    parameters: dict[str, str],
    claims: dict[str, str] | None,
    body: dict[str, Any] | None = None,
    key: str | None = None,
    query: str = "",
) -> tuple[int, dict[str, Any]]:
    import importlib

    from simulator.context import lambda_context

    headers = {"Accept": "application/json"}
    raw = b""
    if method == "POST":
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = str(uuid.uuid4()) if key is None else key
        raw = json.dumps(body or {}).encode()
    event = rest_proxy_event(
        method, path, query, headers, raw, Route(resource, parameters), claims=claims
    )
    answer = importlib.import_module(module).lambda_handler(event, lambda_context(module))
    assert answer["headers"]["Cache-Control"] == "no-store"
    return answer["statusCode"], json.loads(answer["body"])


def on_contact(
    route: tuple[str, str, str, dict[str, Any] | None],
    contact_id: str,
    claims: dict[str, str] | None,
    key: str | None = None,
) -> tuple[int, dict[str, Any]]:
    module, method, tail, body = route
    return call(
        module,
        method,
        f"/contacts/{contact_id}/{tail}",
        f"/contacts/{{contactId}}/{tail}",
        {"contactId": contact_id},
        claims,
        body,
        key,
    )


def a_contact_handled_by(
    username: str | None, *, ended_at: datetime | None = None, balance: str = "120.50"
) -> str:
    """A contact of Ana's that ``username`` accepted from the local queue (and ended)."""
    from ivr import wiring
    from ivr.activity import ActivityEvent
    from simulator.seed import load_given
    from simulator.web.agent_api import record_agent_event

    load_given({"customers": [{"phone": ANA, "name": "Ana Souza", "balance": balance}]})
    contact_id = str(uuid.uuid4())
    attributes = {"callerNumber": ANA, "authenticated": "true", "authMethod": "voice"}
    wiring.activity().append(
        ActivityEvent(contact_id, START - timedelta(minutes=5), "attributes", "", attributes)
    )
    if username is not None:
        record_agent_event(
            contact_id, START - timedelta(minutes=2), USERS[username].connect_user_id
        )
    if ended_at is not None:
        record_agent_event(contact_id, ended_at)
    return contact_id


def access_events(contact_id: str) -> list[dict[str, str]]:
    from ivr import wiring
    from ivr.agent.access import audit_key

    return [e.data for e in wiring.activity().for_contact(audit_key(contact_id))]


@pytest.mark.parametrize("route", CONTACT_ROUTES, ids=lambda r: f"{r[1]} {r[2]}")
def test_an_agent_who_never_held_the_contact_gets_403(
    clock: Clock, route: tuple[str, str, str, dict[str, Any] | None]
) -> None:
    contact_id = a_contact_handled_by("agent")

    status, body = on_contact(route, contact_id, OTHER)

    assert status == 403
    assert body == {"error": "forbidden", "message": "Not allowed."}
    (refusal,) = access_events(contact_id)
    assert refusal["agentId"] == USERS["agent2"].connect_user_id
    assert refusal["outcome"] == "refused"


@pytest.mark.parametrize("route", CONTACT_ROUTES, ids=lambda r: f"{r[1]} {r[2]}")
def test_a_token_without_the_connect_mapping_gets_401(
    clock: Clock, route: tuple[str, str, str, dict[str, Any] | None]
) -> None:
    contact_id = a_contact_handled_by("agent")

    assert on_contact(route, contact_id, UNMAPPED)[0] == 401
    assert on_contact(route, contact_id, None)[0] == 401


def test_the_agent_who_held_it_reads_within_the_window_and_not_after(clock: Clock) -> None:
    ended = START
    contact_id = a_contact_handled_by("agent", ended_at=ended)
    timeline = CONTACT_ROUTES[0]

    clock.at = ended + timedelta(minutes=29)
    status, body = on_contact(timeline, contact_id, AGENT)
    assert status == 200
    assert body["customer"]["name"] == "Ana Souza"

    clock.at = ended + timedelta(minutes=31)
    assert on_contact(timeline, contact_id, AGENT) == (
        403,
        {"error": "forbidden", "message": "Not allowed."},
    )
    outcomes = [(e["agentId"], e["outcome"]) for e in access_events(contact_id)]
    mine = USERS["agent"].connect_user_id
    assert outcomes == [(mine, "allowed"), (mine, "refused")]


def test_the_agent_on_the_call_may_act_and_the_refusals_look_alike(clock: Clock) -> None:
    held = a_contact_handled_by("agent")
    unknown = str(uuid.uuid4())
    nobody = a_contact_handled_by(None)
    unlock = CONTACT_ROUTES[1]

    assert on_contact(unlock, held, AGENT) == (200, {"unlocked": True})
    refusals = [on_contact(unlock, c, AGENT) for c in (unknown, nobody, "not-a-contact")]
    assert refusals == [(403, {"error": "forbidden", "message": "Not allowed."})] * 3


def test_a_supervisor_reads_any_contact_but_acts_only_on_their_own(clock: Clock) -> None:
    contact_id = a_contact_handled_by("agent")

    status, body = on_contact(CONTACT_ROUTES[0], contact_id, SUPERVISOR)
    assert status == 200 and body["customer"]["name"] == "Ana Souza"
    assert on_contact(CONTACT_ROUTES[0], str(uuid.uuid4()), SUPERVISOR)[0] == 404
    assert on_contact(CONTACT_ROUTES[1], contact_id, SUPERVISOR)[0] == 403
    supervisor = USERS["supervisor"].connect_user_id
    assert [e["agentId"] for e in access_events(contact_id)] == [supervisor, supervisor]


def test_a_new_link_sends_one_sms_per_key_and_gives_the_agent_the_pin(clock: Clock) -> None:
    from ivr import wiring
    from simulator.delivery import deliver_queued_messages

    contact_id = a_contact_handled_by("agent")
    link = CONTACT_ROUTES[2]
    key = str(uuid.uuid4())

    first = on_contact(link, contact_id, AGENT, key=key)
    again = on_contact(link, contact_id, AGENT, key=key)
    deliver_queued_messages()

    assert first[0] == 200 and again[0] == 200
    assert first[1]["amount"] == "$120.50" and len(first[1]["pin"]) == 6
    texts = [m["text"] for m in wiring.local_outbox().messages() if m.get("to") == ANA]
    assert len(texts) == 1 and "/pay/" in texts[0]
    assert first[1]["pin"] not in texts[0]
    timeline = on_contact(CONTACT_ROUTES[0], contact_id, AGENT)[1]
    assert timeline["portal"] == {"status": "waiting", "amount": "$120.50"}
    assert "Payment of $120.50 pending on the portal" in timeline["whisper"]


def test_no_link_for_nothing_to_pay(clock: Clock) -> None:
    contact_id = a_contact_handled_by("agent", balance="0.00")
    status, body = on_contact(CONTACT_ROUTES[2], contact_id, AGENT)
    assert (status, body["error"]) == (422, "not_payable")


def test_a_note_is_added_once_per_key_and_shows_on_the_timeline(clock: Clock) -> None:
    contact_id = a_contact_handled_by("agent")
    note = CONTACT_ROUTES[3]
    key = str(uuid.uuid4())

    assert on_contact(note, contact_id, AGENT, key=key) == (200, {"added": True})
    assert on_contact(note, contact_id, AGENT, key=key) == (200, {"added": False})

    events = on_contact(CONTACT_ROUTES[0], contact_id, AGENT)[1]["events"]
    notes = [e for e in events if e["kind"] == "note"]
    assert [(n["who"], n["text"]) for n in notes] == [("agent", "Customer asked about fees.")]


def test_a_note_with_a_card_number_is_refused(clock: Clock) -> None:
    contact_id = a_contact_handled_by("agent")
    route = ("agent_actions", "POST", "notes", {"text": "card 4242 4242 4242 4242"})
    assert on_contact(route, contact_id, AGENT)[0] == 400


def test_an_action_without_an_idempotency_key_is_a_400(clock: Clock) -> None:
    contact_id = a_contact_handled_by("agent")
    status, _ = call(
        "agent_actions",
        "POST",
        f"/contacts/{contact_id}/notes",
        "/contacts/{contactId}/notes",
        {"contactId": contact_id},
        AGENT,
        {"text": "hello"},
        key="",
    )
    assert status == 400


# --- the callback backlog -------------------------------------------------------------------------


def seed_callbacks(count: int, queue: str = "BasicQueue") -> list[str]:
    from simulator.callbacks import seed_callbacks as seed

    specs = [
        {
            "id": f"cb-{n}",
            "phone": f"+1312555{101 + n:04d}",
            "at": (START + timedelta(days=1, minutes=15 * n)).isoformat(),
            "timezone": "America/Chicago",
            "queue": queue,
        }
        for n in range(count)
    ]
    seed(specs)
    return [str(s["id"]) for s in specs]


def backlog(claims: dict[str, str] | None, query: str = "") -> tuple[int, dict[str, Any]]:
    return call(
        "callback_backlog",
        "GET",
        "/callbacks/backlog",
        "/callbacks/backlog",
        {},
        claims,
        query=query,
    )


def test_only_supervisors_read_the_backlog(clock: Clock) -> None:
    seed_callbacks(1)
    assert backlog(AGENT)[0] == 403
    assert backlog(UNMAPPED)[0] == 401
    status, body = backlog(SUPERVISOR)
    assert status == 200
    (entry,) = body["scheduled"]
    assert entry["callerTime"] == {"local": "2026-12-02T09:30:00-06:00", "zone": "America/Chicago"}
    assert entry["centerTime"] == {"local": "2026-12-02T10:30:00-05:00", "zone": "America/New_York"}
    assert entry["phone"].endswith("0101") and "312555" not in entry["phone"]


def test_the_backlog_pages_through_the_due_index_in_due_order(clock: Clock) -> None:
    ids = seed_callbacks(5)
    seen: list[str] = []
    query = "limit=2"
    for _ in range(5):
        status, body = backlog(SUPERVISOR, query)
        assert status == 200
        seen += [e["callbackId"] for e in body["scheduled"]]
        if not body["cursor"]:
            break
        query = f"limit=2&cursor={body['cursor']}"
    assert seen == ids
    assert backlog(SUPERVISOR, "cursor=bm90LWEtY3Vyc29y")[0] == 400


def test_queued_callbacks_show_how_long_they_have_waited(clock: Clock) -> None:
    from ivr import wiring
    from ivr.callbacks.service import CallbackRequest

    service = wiring.callback_service()
    clock.at = START - timedelta(minutes=4)
    service.queue_immediate(CallbackRequest("c-1", "offer", ANA, "BasicQueue", "America/Chicago"))
    clock.at = START

    queued = backlog(SUPERVISOR)[1]["queued"]

    assert [(q["kind"], q["waitSeconds"]) for q in queued] == [("immediate", 240)]


def test_a_supervisor_cancels_a_callback_and_the_sweeper_never_dials_it(clock: Clock) -> None:
    from simulator.callbacks import sweep_at

    first, second = seed_callbacks(2)
    path = f"/callbacks/{first}/cancel"
    resource = "/callbacks/{callbackId}/cancel"
    assert call("callback_backlog", "POST", path, resource, {"callbackId": first}, AGENT)[0] == 403
    for _ in range(2):  # a double click cancels once
        status, body = call(
            "callback_backlog", "POST", path, resource, {"callbackId": first}, SUPERVISOR
        )
        assert (status, body["status"]) == (200, "cancelled")

    _, dialled = sweep_at(START + timedelta(days=2))

    assert [d["callbackId"] for d in dialled] == [second]
    assert [e["callbackId"] for e in backlog(SUPERVISOR)[1]["scheduled"]] == []


def test_a_supervisor_reschedules_on_the_centers_clock(clock: Clock) -> None:
    (only,) = seed_callbacks(1)
    status, body = call(
        "callback_backlog",
        "POST",
        f"/callbacks/{only}/reschedule",
        "/callbacks/{callbackId}/reschedule",
        {"callbackId": only},
        SUPERVISOR,
        {"time": "2026-12-03T11:00", "clock": "center"},
    )
    assert status == 200
    assert body["at"] == "2026-12-03T16:00:00+00:00"


def test_the_agent_moves_then_cancels_the_callers_callback_once(clock: Clock) -> None:
    from simulator.callbacks import seed_callbacks as seed

    contact_id = a_contact_handled_by("agent")
    at = (START + timedelta(days=1)).isoformat()
    seed([{"id": "ana-cb", "phone": ANA, "at": at, "timezone": "America/Chicago"}])
    move, cancel = CONTACT_ROUTES[5], CONTACT_ROUTES[4]

    sunday = ("agent_actions", "POST", "callback/move", {"time": "2026-12-06T10:00"})
    status, refused = on_contact(sunday, contact_id, AGENT)
    assert status == 422 and refused["alternatives"]
    status, moved = on_contact(move, contact_id, AGENT)
    assert status == 200 and moved["callback"]["at"] == "2026-12-02T16:00:00+00:00"

    key = str(uuid.uuid4())
    first = on_contact(cancel, contact_id, AGENT, key=key)
    again = on_contact(cancel, contact_id, AGENT, key=key)
    assert first == again
    assert first[0] == 200 and first[1]["callback"]["status"] == "cancelled"
    assert on_contact(cancel, contact_id, AGENT)[0] == 404  # a new key: nothing left to cancel


# --- found by schemathesis (tests/fuzz/test_api_schemathesis.py) ---------------------------------


@pytest.mark.parametrize("query", ["limit=0", "limit=51", "limit=abc", "limit=", "limt=5"])
def test_a_backlog_query_the_document_does_not_allow_is_a_400(clock: Clock, query: str) -> None:
    seed_callbacks(1)
    assert backlog(SUPERVISOR, query)[0] == 400  # was a page of 20 (or of 50, clamped)


def test_the_backlog_takes_every_limit_from_1_to_50(clock: Clock) -> None:
    seed_callbacks(3)
    assert len(backlog(SUPERVISOR, "limit=1")[1]["scheduled"]) == 1
    assert len(backlog(SUPERVISOR, "limit=50")[1]["scheduled"]) == 3


def test_a_clock_that_is_not_a_string_is_a_400_not_the_callers_clock(clock: Clock) -> None:
    (only,) = seed_callbacks(1)
    status, _ = call(
        "callback_backlog",
        "POST",
        f"/callbacks/{only}/reschedule",
        "/callbacks/{callbackId}/reschedule",
        {"callbackId": only},
        SUPERVISOR,
        {"time": "2026-12-03T11:00", "clock": 0},
    )
    assert status == 400  # was 200: 0 read as "no clock", so the caller's


def test_a_note_that_is_not_text_is_a_400(clock: Clock) -> None:
    contact_id = a_contact_handled_by("agent")
    assert on_contact(("agent_actions", "POST", "notes", {"text": 42}), contact_id, AGENT)[0] == 400


def test_moving_when_no_callback_is_pending_is_a_404(clock: Clock) -> None:
    contact_id = a_contact_handled_by("agent")
    status, body = on_contact(CONTACT_ROUTES[5], contact_id, AGENT)
    assert status == 404, body  # was 400: the caller's time zone looked up on no callback


def test_a_move_without_an_idempotency_key_is_a_400(clock: Clock) -> None:
    from simulator.callbacks import seed_callbacks as seed

    contact_id = a_contact_handled_by("agent")
    at = (START + timedelta(days=1)).isoformat()
    seed([{"id": "ana-cb", "phone": ANA, "at": at, "timezone": "America/Chicago"}])
    assert on_contact(CONTACT_ROUTES[5], contact_id, AGENT, key="")[0] == 400  # was 200
    assert on_contact(CONTACT_ROUTES[5], contact_id, AGENT)[0] == 200

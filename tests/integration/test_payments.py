"""Payments against moto: portal sessions, charging once, sending once, one effect per step."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ivr.callers import Customer
from ivr.core.money import Money
from ivr.notify import Channel, OutgoingMessage
from ivr.payments.portal import MAX_PIN_ATTEMPTS, PortalSessionStatus, new_session, verify_pin
from tests import fakes
from tests.conftest import load_event

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
PHONE = "+13125550142"
PEPPER = b"test-pepper"


def _customer() -> Customer:
    return Customer(
        phone=PHONE,
        first_name="Ana",
        last_name="Souza",
        email="ana.souza@example.com",
        account_number="100200301",
        balance=Money(12050),
        timezone="America/Chicago",
    )


@pytest.fixture(params=["fake", "dynamodb"])
def sessions(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield fakes.FakePortalSessionStore()
        return
    request.getfixturevalue("aws")
    from ivr.adapters.dynamodb.portal import DynamoPortalSessionStore

    yield DynamoPortalSessionStore()


def _issued(store: Any) -> Any:
    issued = new_session(
        customer_phone=PHONE, payment_id="p-1", contact_id="c-1", pepper=PEPPER, now=NOW
    )
    store.create(issued.session)
    return issued


def test_right_token_and_pin_verify_the_session_once(sessions: Any) -> None:
    issued = _issued(sessions)
    sid = issued.session.session_id
    assert verify_pin(sid, issued.link_token, issued.pin, sessions=sessions, pepper=PEPPER, now=NOW)
    assert sessions.get(sid).status is PortalSessionStatus.VERIFIED
    assert not verify_pin(
        sid, issued.link_token, issued.pin, sessions=sessions, pepper=PEPPER, now=NOW
    )


def test_session_is_refused_after_ten_minutes(sessions: Any) -> None:
    issued = _issued(sessions)
    later = NOW + timedelta(minutes=10)
    assert not verify_pin(
        issued.session.session_id,
        issued.link_token,
        issued.pin,
        sessions=sessions,
        pepper=PEPPER,
        now=later,
    )


def test_wrong_link_token_counts_no_attempt(sessions: Any) -> None:
    issued = _issued(sessions)
    sid = issued.session.session_id
    for _ in range(10):
        verify_pin(sid, "wrong-token", "000000", sessions=sessions, pepper=PEPPER, now=NOW)
    assert sessions.get(sid).attempts == 0


def test_hundred_concurrent_wrong_pins_count_five_and_lock_the_link(sessions: Any) -> None:
    issued = _issued(sessions)
    sid = issued.session.session_id
    wrong = "000000" if issued.pin != "000000" else "111111"

    def guess(_: int) -> Any:
        return verify_pin(sid, issued.link_token, wrong, sessions=sessions, pepper=PEPPER, now=NOW)

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert not any(pool.map(guess, range(100)))
    locked = sessions.get(sid)
    assert locked.attempts == MAX_PIN_ATTEMPTS
    assert locked.status is PortalSessionStatus.LOCKED


def test_locked_link_refuses_correct_pin(sessions: Any) -> None:
    issued = _issued(sessions)
    sid = issued.session.session_id
    wrong = "000000" if issued.pin != "000000" else "111111"
    for _ in range(MAX_PIN_ATTEMPTS):
        verify_pin(sid, issued.link_token, wrong, sessions=sessions, pepper=PEPPER, now=NOW)
    assert not verify_pin(
        sid, issued.link_token, issued.pin, sessions=sessions, pepper=PEPPER, now=NOW
    )


def test_paid_session_cannot_be_paid_again(sessions: Any) -> None:
    from ivr.core.errors import ConflictError

    issued = _issued(sessions)
    sid = issued.session.session_id
    sessions.mark_verified(sid, MAX_PIN_ATTEMPTS, NOW)
    sessions.mark_paid(sid)
    with pytest.raises(ConflictError):
        sessions.mark_paid(sid)


def test_a_declined_card_is_counted_once_and_told_to_the_ivr_once(sessions: Any) -> None:
    from ivr.core.errors import ConflictError
    from ivr.payments.portal import PortalNotice

    sid = _issued(sessions).session.session_id
    sessions.mark_verified(sid, MAX_PIN_ATTEMPTS, NOW)
    sessions.count_decline(sid, 0)
    with pytest.raises(ConflictError):
        sessions.count_decline(sid, 0)  # the same card submitted twice
    assert sessions.get(sid).declines == 1
    assert sessions.take_notice(sid, PortalNotice.DECLINED)
    assert not sessions.take_notice(sid, PortalNotice.DECLINED)


def test_wrong_pins_on_a_reopened_page_count_and_lock_the_link(sessions: Any) -> None:
    sid = _issued(sessions).session.session_id
    sessions.mark_verified(sid, MAX_PIN_ATTEMPTS, NOW)
    for _ in range(MAX_PIN_ATTEMPTS):
        sessions.count_failed_attempt(sid, MAX_PIN_ATTEMPTS)
    assert sessions.get(sid).status is PortalSessionStatus.LOCKED


# --- handlers, end to end against moto --------------------------------------------------------


@pytest.fixture
def world(aws: None) -> Iterator[Any]:
    from ivr import wiring
    from ivr.core import clock

    wiring.callers().save(_customer())
    with clock.installed(lambda: NOW):
        yield wiring


def _connect_event(contact_id: str, **attributes: str) -> dict[str, Any]:
    event: dict[str, Any] = load_event("connect/caller_lookup.json")
    event["Details"]["ContactData"]["ContactId"] = contact_id
    event["Details"]["ContactData"]["Attributes"] = {"callerNumber": PHONE, **attributes}
    event["Details"]["Parameters"] = {"step": "portal"}
    return event


def _drain() -> None:
    from simulator.delivery import deliver_queued_messages

    deliver_queued_messages()


def _start(contact_id: str, lambda_context: Any) -> dict[str, str]:
    from portal_session import lambda_handler

    answer: dict[str, str] = lambda_handler(_connect_event(contact_id), lambda_context)
    return answer


def _effects(world: Any) -> tuple[int, int, int]:
    """(portal sessions, transactions, link SMS) for the test customer."""
    import boto3

    table = os.environ["PORTAL_SESSIONS_TABLE"]
    scan = boto3.client("dynamodb").scan(TableName=table)["Items"]
    txns = world.transactions().for_customer(PHONE)
    _drain()
    links = [m for m in world.local_outbox().messages() if "/pay/" in m["text"]]
    return len(scan), len(txns), len(links)


def test_portal_start_four_times_in_a_row_has_one_effect(world: Any, lambda_context: Any) -> None:
    answers = [_start("contact-4x", lambda_context) for _ in range(4)]
    assert all(a["status"] == "ok" for a in answers)
    assert len({a["portalSessionId"] for a in answers}) == 1
    assert _effects(world) == (1, 1, 1)


def test_latest_pin_of_a_retried_start_is_the_one_that_works(
    world: Any, lambda_context: Any
) -> None:
    answers = [_start("contact-retry", lambda_context) for _ in range(2)]
    _drain()
    link = world.local_outbox().messages()[-1]["text"]
    sid, token = link.split("/pay/")[1].split()[0].split("#")
    pin = answers[-1]["pinSpoken"].replace(" ", "")
    assert verify_pin(
        sid, token, pin, sessions=world.portal_sessions(), pepper=world.pepper(), now=NOW
    )


def test_portal_start_fifty_times_concurrently_has_one_effect(
    world: Any, lambda_context: Any
) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: _start("contact-50", lambda_context), range(50)))
    assert any(a["status"] == "ok" for a in answers)
    assert {a["portalSessionId"] for a in answers if a["status"] == "ok"} == {
        answers[[a["status"] for a in answers].index("ok")]["portalSessionId"]
    }
    assert _effects(world) == (1, 1, 1)


def _verified_session(world: Any, lambda_context: Any) -> tuple[str, str]:
    from simulator.portal_client import call_api

    answer = _start(f"contact-{uuid.uuid4()}", lambda_context)
    _drain()
    link = world.local_outbox().messages()[-1]["text"]
    sid, token = link.split("/pay/")[1].split()[0].split("#")
    status, body = call_api(
        "POST", f"/sessions/{sid}/verify", {"token": token, "pin": answer["pinSpoken"][::2]}
    )
    assert status == 200, body
    return sid, str(body["apiToken"])


def _card_token(world: Any, number: str = "4242424242424242") -> str:
    from ivr.payments.cards import parse_card

    card = parse_card(number, "12/30", "123", "Ana Souza", today=date(2026, 12, 1))
    token: str = world.sandbox_processor().tokenize(card).token
    return token


def test_double_submit_charges_once_and_the_replay_gets_409(
    world: Any, lambda_context: Any
) -> None:
    from simulator.portal_client import call_api

    sid, api_token = _verified_session(world, lambda_context)
    body = {"cardToken": _card_token(world), "name": "Ana Souza"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(
                lambda _: call_api("POST", f"/sessions/{sid}/payment", body, api_token), range(8)
            )
        )
    statuses = sorted(status for status, _ in answers)
    assert 200 in statuses and set(statuses) <= {200, 409}
    assert len(world.sandbox_processor().charges) == 1
    assert call_api("POST", f"/sessions/{sid}/payment", body, api_token)[0] == 409
    assert world.callers().find_by_phone(PHONE).balance == Money(0)  # 120.50 paid, once
    _drain()
    confirmations = [m["channel"] for m in world.local_outbox().messages() if "4242" in m["text"]]
    assert sorted(confirmations) == ["email", "sms"]


def test_request_body_with_a_card_number_gets_400_and_nothing_is_stored(
    world: Any, lambda_context: Any
) -> None:
    from simulator.portal_client import call_api

    sid, api_token = _verified_session(world, lambda_context)
    status, body = call_api(
        "POST",
        f"/sessions/{sid}/payment",
        {"cardToken": "4242 4242 4242 4242", "name": "Ana Souza"},
        api_token,
    )
    assert status == 400 and body["error"] == "card_number_not_accepted"
    assert world.transactions().for_customer(PHONE)[0].status.value == "open"
    assert world.sandbox_processor().charges == []


def test_cross_origin_form_post_is_refused(world: Any) -> None:
    from portal_api import lambda_handler

    from simulator.context import lambda_context as make
    from simulator.portal_client import api_event

    event = api_event("POST", "/sessions/x/verify", None)
    event["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}
    event["body"] = "token=a&pin=123456"
    response = lambda_handler(event, make("PortalApiFunction"))
    assert 400 <= response["statusCode"] < 500


def test_every_portal_answer_carries_the_security_headers(world: Any) -> None:
    from portal_api import lambda_handler

    from simulator.context import lambda_context as make
    from simulator.portal_client import api_event

    for event in (
        api_event("POST", "/sessions/unknown/verify", {"token": "t", "pin": "123456"}),
        api_event("GET", "/nowhere", None),
        {"garbage": True},
    ):
        headers = lambda_handler(event, make("PortalApiFunction"))["headers"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


def test_unknown_link_and_wrong_pin_without_the_token_get_the_same_answer(
    world: Any, lambda_context: Any
) -> None:
    from simulator.portal_client import call_api

    answer = _start("contact-oracle", lambda_context)
    _drain()
    link = world.local_outbox().messages()[-1]["text"]
    sid, token = link.split("/pay/")[1].split()[0].split("#")
    wrong = "000000" if answer["pinSpoken"][::2] != "000000" else "111111"
    unknown = call_api("POST", f"/sessions/{uuid.uuid4()}/verify", {"token": token, "pin": wrong})
    guessed = {"token": token[::-1], "pin": wrong}
    wrong_pin = call_api("POST", f"/sessions/{sid}/verify", guessed)
    assert unknown == wrong_pin


def _sqs_event(message: OutgoingMessage) -> dict[str, Any]:
    from ivr.notify import message_to_json

    body = json.dumps(message_to_json(message))
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "rh",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:NotificationsQueue",
                "awsRegion": "us-east-1",
            }
        ]
    }


def test_redelivered_confirmation_sends_one_sms(world: Any, lambda_context: Any) -> None:
    from send_notification import lambda_handler

    message = OutgoingMessage(Channel.SMS, PHONE, "Payment received.", "confirmation-sms#p-9")
    for _ in range(4):
        assert lambda_handler(_sqs_event(message), lambda_context) == {"batchItemFailures": []}
    assert len(world.local_outbox().to(PHONE)) == 1


def test_fifty_concurrent_deliveries_send_one_sms(world: Any, lambda_context: Any) -> None:
    from send_notification import lambda_handler

    message = OutgoingMessage(Channel.SMS, PHONE, "Payment received.", "confirmation-sms#p-50")

    def deliver(_: int) -> Any:
        try:
            return lambda_handler(_sqs_event(message), lambda_context)
        except Exception as exc:  # all records failed: Powertools raises, SQS redelivers
            return exc

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(deliver, range(50)))
    assert len(world.local_outbox().to(PHONE)) == 1


def test_garbage_sqs_record_is_a_batch_item_failure(world: Any, lambda_context: Any) -> None:
    from send_notification import lambda_handler

    good = _sqs_event(OutgoingMessage(Channel.SMS, PHONE, "ok", "k-good"))["Records"][0]
    bad = {**good, "messageId": "bad-1", "body": "not json"}
    answer = lambda_handler({"Records": [good, bad]}, lambda_context)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}


@pytest.mark.parametrize(
    "module", ["portal_session", "payment_status", "send_notification", "portal_api"]
)
@pytest.mark.parametrize("event", [None, {}, [], "x", {"Name": "ContactFlowEvent"}])
def test_handlers_answer_garbage(world: Any, lambda_context: Any, module: str, event: Any) -> None:
    import importlib

    answer = importlib.import_module(module).lambda_handler(event, lambda_context)
    assert isinstance(answer, dict)


def test_wrong_pins_and_the_lock_reach_the_agents_timeline(world: Any, lambda_context: Any) -> None:
    from simulator.portal_client import call_api

    pin = _start("contact-wrong-pins", lambda_context)["pinSpoken"].replace(" ", "")
    wrong = pin[:-1] + str((int(pin[-1]) + 1) % 10)
    _drain()
    link = world.local_outbox().messages()[-1]["text"]
    sid, token = link.split("/pay/")[1].split()[0].split("#")
    for _ in range(MAX_PIN_ATTEMPTS):
        status, _ = call_api("POST", f"/sessions/{sid}/verify", {"token": token, "pin": wrong})
        assert status != 200
    events = world.activity().for_contact("contact-wrong-pins")
    texts = [e.text for e in events if e.kind == "portal"]
    assert texts[0] == f"portal: wrong PIN (1 of {MAX_PIN_ATTEMPTS})"
    assert texts[-1] == f"portal: link locked after {MAX_PIN_ATTEMPTS} wrong PINs"

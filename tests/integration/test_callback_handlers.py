"""The callback functions as Connect and EventBridge call them, against moto's DynamoDB."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ivr.core import clock
from simulator.context import LocalLambdaContext
from tests.conftest import load_event

# Tuesday 1 December 2026, 10:00 in New York.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def at_ten() -> Iterator[None]:
    with clock.installed(lambda: NOW):
        yield


def connect_event(**parameters: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("connect/caller_lookup.json"))
    event["Details"]["ContactData"]["CustomerEndpoint"]["Address"] = "+12025550100"
    event["Details"]["Parameters"] = parameters
    return dict(event)


@pytest.mark.usefixtures("aws", "at_ten")
def test_booking_from_the_flow_answers_the_time_and_texts_it(lambda_context: Any) -> None:
    from schedule_callback import lambda_handler

    from ivr import wiring

    event = connect_event(mode="scheduled", date="2026-12-02", time="15:00")
    answer = lambda_handler(event, lambda_context)
    assert answer["outcome"] == "booked"
    assert answer["whenSpoken"] == "Wednesday, December 2 at 3 PM"
    assert lambda_handler(event, lambda_context)["callbackId"] == answer["callbackId"]  # retry
    texts = wiring.local_outbox().to("+12025550100")
    assert len(texts) == 1


@pytest.mark.usefixtures("aws", "at_ten")
def test_a_refused_time_answers_the_reason_and_the_alternatives(lambda_context: Any) -> None:
    from schedule_callback import lambda_handler

    answer = lambda_handler(connect_event(date="2026-12-02", time="20:00"), lambda_context)
    assert answer["outcome"] == "refused"
    assert answer["reason"] == "closed"
    assert answer["alt1"] == "2026-12-02T22:45:00Z"
    assert answer["offerSpoken"].startswith("I can call you on Wednesday, December 2 at 5:45 PM")


@pytest.mark.usefixtures("aws", "at_ten")
def test_the_offer_reports_a_pending_callback(lambda_context: Any) -> None:
    from callback_offer import lambda_handler as offer
    from schedule_callback import lambda_handler as book

    assert offer(connect_event(), lambda_context)["hasPending"] == "false"
    book(connect_event(date="2026-12-02", time="15:00"), lambda_context)
    answer = offer(connect_event(), lambda_context)
    assert (answer["hasPending"], answer["pendingSpoken"]) == (
        "true",
        "Wednesday, December 2 at 3 PM",
    )
    assert answer["timezone"] == "America/New_York"


@pytest.mark.usefixtures("aws", "at_ten")
def test_only_the_callbacks_own_number_can_cancel_it(lambda_context: Any) -> None:
    from cancel_callback import lambda_handler as cancel
    from schedule_callback import lambda_handler as book

    booked = book(connect_event(date="2026-12-02", time="15:00"), lambda_context)
    stranger = connect_event(callbackId=booked["callbackId"])
    stranger["Details"]["ContactData"]["CustomerEndpoint"]["Address"] = "+13125550142"
    assert cancel(stranger, lambda_context)["errorCode"] == "NotFound"
    own = cancel(connect_event(callbackId=booked["callbackId"]), lambda_context)
    assert own["outcome"] == "cancelled"


@pytest.mark.parametrize(
    "event",
    [None, {}, "garbage", {"Name": "ContactFlowEvent"}, connect_event(mode="teleport")],
)
@pytest.mark.usefixtures("aws", "at_ten")
def test_garbage_gets_an_error_answer_not_an_exception(event: Any, lambda_context: Any) -> None:
    from callback_offer import lambda_handler as offer
    from cancel_callback import lambda_handler as cancel
    from schedule_callback import lambda_handler as book

    for handler in (offer, book, cancel):
        assert handler(event, lambda_context)["status"] in {"ok", "error"}
    assert book(event, lambda_context)["status"] == "error"


@pytest.mark.usefixtures("aws")
def test_the_scheduled_sweep_dials_through_connect(
    lambda_context: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import callback_sweep

    from ivr import wiring
    from ivr.adapters.connect.dialer import ConnectDialer

    with clock.installed(lambda: NOW):
        from schedule_callback import lambda_handler as book

        booked = book(connect_event(date="2026-12-01", time="10:30"), lambda_context)
    assert booked["outcome"] == "booked", booked
    client = boto3.client("connect", region_name="us-east-1")
    dialer = ConnectDialer(client, instance_id="instance-1", contact_flow_id="flow-1", queue_id="q")
    monkeypatch.setattr(wiring, "dialer", lambda: dialer)
    expected = {
        "DestinationPhoneNumber": "+12025550100",
        "ContactFlowId": "flow-1",
        "InstanceId": "instance-1",
        "QueueId": "q",
        "ClientToken": f"{booked['callbackId']}-1",
        "Attributes": ANY,
    }
    with (
        Stubber(client) as stubber,
        clock.installed(lambda: datetime(2026, 12, 1, 15, 35, tzinfo=UTC)),
    ):
        stubber.add_response("start_outbound_voice_contact", {"ContactId": "out-1"}, expected)
        event = {"version": "0", "source": "aws.scheduler", "detail": {}}
        sweeper = LocalLambdaContext("CallbackSweepFunction", timeout_ms=120_000)
        summary = callback_sweep.lambda_handler(event, sweeper)
        again = callback_sweep.lambda_handler(event, sweeper)
        stubber.assert_no_pending_responses()
    assert (summary["dialled"], again["dialled"]) == (1, 0)
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    assert any(
        m.get("CallbacksDialled") == [1.0] or m.get("CallbacksDialled") == 1.0 for m in emitted
    )


@pytest.mark.usefixtures("aws")
def test_the_local_sweep_command_reports_what_it_dialled() -> None:
    from simulator.callbacks import seed_callbacks, sweep_at

    seed_callbacks([{"phone": "+12025550100", "at": "2026-12-02T09:00:00-05:00"}])
    report, calls = sweep_at(datetime(2026, 12, 2, 14, 5, tzinfo=UTC))
    assert [c["to"] for c in calls] == ["+12025550100"]
    assert calls[0]["callbackTimeSpoken"] == "Wednesday, December 2 at 9 AM"
    assert report.read == 1

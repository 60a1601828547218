"""Connect's StartOutboundVoiceContact refusing or hanging under the callback sweep (the sweep
function, DIALER=connect, moto's DynamoDB): a refused dial leaves the callback scheduled for a
retry (or failed, for a refusal no retry can change, README "Callbacks"), and the customer is
dialled once when Connect accepts."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ivr.callbacks.service import Callback, CallbackStatus, Slot
from simulator.context import LocalLambdaContext
from tests.faults.conftest import Faults, shared_aws

NEW_YORK = "America/New_York"
# Wednesday 2 December 2026, 10:00 in New York.
TEN = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
ACCEPTED = {"ContactId": "outbound-contact-1"}
_NUMBERS = itertools.count(101)  # +1 312 555 0101 on: fictional, valid


@pytest.fixture(scope="module")
def fault_aws() -> Iterator[None]:
    """One AWS for the module: each test books a callback of its own, dialled or failed by its
    end, so no sweep meets another test's callback."""
    with shared_aws():
        yield


@pytest.fixture
def connect_dialer(faults: Faults, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from ivr import wiring
    from ivr.core import settings

    for name, value in {
        "DIALER": "connect",
        "CONNECT_INSTANCE_ID": "11111111-2222-3333-4444-555555555555",
        "CALLBACK_OUTBOUND_FLOW_ID": "flow-1",
        "CALLBACK_QUEUE_ID": "queue-1",
    }.items():
        monkeypatch.setenv(name, value)
    settings.settings.cache_clear()
    wiring.dialer.cache_clear()
    yield
    settings.settings.cache_clear()
    wiring.dialer.cache_clear()


def book() -> str:
    """A callback due at ten, for a number of its own (the module shares one AWS)."""
    from ivr import wiring

    number = next(_NUMBERS)
    callback_id = f"cb-{number}"
    callback = Callback(
        callback_id=callback_id,
        phone=f"+1312555{number:04d}",
        queue="BasicQueue",
        call_at=TEN,
        timezone=NEW_YORK,
        status=CallbackStatus.SCHEDULED,
        due_at=TEN,
        contact_id=f"contact-{callback_id}",
    )
    wiring.callbacks().schedule(
        callback, now=TEN - timedelta(days=1), pending_until=None, slot=Slot("BasicQueue", TEN, 50)
    )
    return callback_id


def sweep(at: datetime) -> dict[str, Any]:
    from callback_sweep import lambda_handler

    from ivr.core import clock

    with clock.installed(lambda: at):
        # The template gives the sweep 120 s.
        context = LocalLambdaContext("callback_sweep", timeout_ms=120_000)
        answer: dict[str, Any] = lambda_handler({}, context)
    return answer


def status(callback_id: str) -> CallbackStatus:
    from ivr import wiring

    callback = wiring.callbacks().get(callback_id)
    assert callback is not None
    return callback.status


@pytest.mark.usefixtures("connect_dialer")
@pytest.mark.parametrize(
    "how",
    [
        {"code": "LimitExceededException", "status": 429},
        {"code": "ThrottlingException", "status": 429},
        {"code": "InternalServiceException", "status": 500},
        {"hang": True},
    ],
    ids=["limit-exceeded", "throttled", "internal-error", "hung"],
)
def test_a_dial_connect_refuses_for_now_is_retried_and_made_once(
    faults: Faults, how: dict[str, Any]
) -> None:
    callback_id = book()
    faults.add("connect", "StartOutboundVoiceContact", **how)
    report = sweep(TEN)
    assert report["retried"] == 1 and report["dialled"] == 0, report
    assert (
        status(callback_id) is CallbackStatus.SCHEDULED
    )  # pending, due again after retryMinutes[0]
    assert sweep(TEN + timedelta(minutes=1))["read"] == 0  # not due again before the retry time

    faults.clear()
    faults.add("connect", "StartOutboundVoiceContact", answer=ACCEPTED)
    faults.add("connect", "SearchContacts", answer={"Contacts": []})
    later = sweep(TEN + timedelta(minutes=5))
    assert later["dialled"] == 1, later
    assert sweep(TEN + timedelta(minutes=10))["dialled"] == 0
    assert status(callback_id) is CallbackStatus.DIALLED
    accepted = [f for f in faults.active if f.answer is ACCEPTED]
    assert accepted[0].fired == 1  # dialled once


@pytest.mark.usefixtures("connect_dialer")
@pytest.mark.parametrize(
    "code", ["DestinationNotAllowedException", "OutboundContactNotPermittedException"]
)
def test_a_dial_connect_will_never_allow_fails_the_callback_at_once(
    faults: Faults, code: str
) -> None:
    callback_id = book()
    faults.add("connect", "StartOutboundVoiceContact", code=code, status=403)
    report = sweep(TEN)
    assert report["failed"] == 1, report
    assert status(callback_id) is CallbackStatus.FAILED
    assert faults.count("connect", "StartOutboundVoiceContact") == 1  # no retry can change it
    assert sweep(TEN + timedelta(hours=2))["read"] == 0


@pytest.mark.usefixtures("connect_dialer")
def test_a_sweep_with_the_table_throttled_stops_and_the_next_one_dials(faults: Faults) -> None:
    callback_id = book()
    faults.add("dynamodb", code="ProvisionedThroughputExceededException")
    assert sweep(TEN) == {"status": "error", "errorCode": "StoreUnavailable"}
    faults.clear()
    faults.add("connect", "StartOutboundVoiceContact", answer=ACCEPTED)
    assert sweep(TEN + timedelta(minutes=5))["dialled"] == 1
    assert status(callback_id) is CallbackStatus.DIALLED

"""Review finding: a sweep that dies after Connect started the call, before recording it, must not
have that customer called again once its lease runs out (fake and DynamoDB stores; Connect's
SearchContacts through botocore's Stubber)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ivr.adapters.connect.dialer import ConnectDialer
from ivr.callbacks.service import Callback, CallbackStatus, DialError
from tests.integration.test_callback_sweep import EIGHT, Killed, book, store, sweep

__all__ = ["store"]  # the parametrized fixture (fake and DynamoDB), shared with the sweep tests


class ConnectLike:
    """Like Connect: each call carries the callback id; a ClientToken seen before starts a new
    call once the first has ended (so the token alone cannot stop a second call)."""

    def __init__(self, *, dies_after_dialling: bool = False, search_fails: bool = False) -> None:
        self.contacts: list[tuple[str, str]] = []  # (contact id, callback id)
        self.dies_after_dialling = dies_after_dialling
        self.search_fails = search_fails
        self._lock = threading.Lock()

    def dial(self, callback: Callback, client_token: str) -> str:
        contact_id = str(uuid.uuid4())
        with self._lock:
            self.contacts.append((contact_id, callback.callback_id))
        if self.dies_after_dialling:
            raise Killed  # Connect started the call; the sweep never recorded it
        return contact_id

    def find_call(self, callback: Callback, *, since: datetime, until: datetime) -> str | None:
        if self.search_fails:
            raise DialError("ThrottlingException")
        with self._lock:
            return next((c for c, cb in self.contacts if cb == callback.callback_id), None)

    def rang(self) -> Counter[str]:
        return Counter(callback_id for _, callback_id in self.contacts)


def test_a_call_started_by_a_sweep_that_died_is_not_placed_again(store: Any) -> None:
    book(store, "cb", EIGHT, 100)
    connect = ConnectLike(dies_after_dialling=True)
    with pytest.raises(Killed):
        sweep(store, connect, EIGHT)
    connect.dies_after_dialling = False
    after_lease = sweep(store, connect, EIGHT + timedelta(minutes=15))
    assert connect.rang() == {"cb": 1}
    assert [c.callback_id for c in after_lease.found] == ["cb"]
    assert after_lease.dialled == []
    assert store.get("cb").outbound_contact_id == connect.contacts[0][0]
    assert sweep(store, connect, EIGHT + timedelta(minutes=30)).read == 0  # done with it


def test_when_connect_cannot_say_the_callback_waits_rather_than_rings_twice(store: Any) -> None:
    book(store, "cb", EIGHT, 100)
    connect = ConnectLike(dies_after_dialling=True)
    with pytest.raises(Killed):
        sweep(store, connect, EIGHT)
    connect.dies_after_dialling, connect.search_fails = False, True
    unsure = sweep(store, connect, EIGHT + timedelta(minutes=15))
    assert unsure.unverified == 1 and connect.rang() == {"cb": 1}
    connect.search_fails = False
    later = sweep(store, connect, EIGHT + timedelta(minutes=30))
    assert [c.callback_id for c in later.found] == ["cb"] and connect.rang() == {"cb": 1}


def test_a_claim_that_never_rang_is_dialled_after_the_lease(store: Any) -> None:
    book(store, "cb", EIGHT, 100)

    class DiesBeforeDialling(ConnectLike):
        def dial(self, callback: Callback, client_token: str) -> str:
            raise Killed

    with pytest.raises(Killed):
        sweep(store, DiesBeforeDialling(), EIGHT)
    connect = ConnectLike()
    after_lease = sweep(store, connect, EIGHT + timedelta(minutes=15))
    assert [c.callback_id for c in after_lease.dialled] == ["cb"] and connect.rang() == {"cb": 1}


INSTANCE = "11111111-2222-3333-4444-555555555555"
FLOW = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CALLBACK = Callback(
    callback_id="cb-1",
    phone="+13125550142",
    queue="BasicQueue",
    call_at=EIGHT,
    timezone="America/New_York",
    status=CallbackStatus.DIALLING,
)
SINCE, UNTIL = datetime(2026, 12, 2, 12, 55, tzinfo=UTC), datetime(2026, 12, 2, 13, 15, tzinfo=UTC)


def _connect_dialer() -> tuple[ConnectDialer, Stubber]:
    client = boto3.client("connect", region_name="us-east-1")
    return ConnectDialer(client, instance_id=INSTANCE, contact_flow_id=FLOW, queue_id="q"), Stubber(
        client
    )


def test_the_connect_dialer_searches_contacts_by_the_callback_id_attribute() -> None:
    dialer, stubber = _connect_dialer()
    expected = {
        "InstanceId": INSTANCE,
        "TimeRange": {"Type": "INITIATION_TIMESTAMP", "StartTime": SINCE, "EndTime": UNTIL},
        "SearchCriteria": {
            "SearchableContactAttributes": {
                "Criteria": [{"Key": "callbackId", "Values": ["cb-1"]}],
                "MatchType": "MATCH_ALL",
            }
        },
        "MaxResults": 10,
    }
    stubber.add_response("search_contacts", {"Contacts": [{"Id": "outbound-1"}]}, expected)
    stubber.add_response("search_contacts", {"Contacts": []}, expected)
    with stubber:
        assert dialer.find_call(CALLBACK, since=SINCE, until=UNTIL) == "outbound-1"
        assert dialer.find_call(CALLBACK, since=SINCE, until=UNTIL) is None
        stubber.assert_no_pending_responses()


def test_a_refused_search_is_a_dial_error_so_the_sweep_waits() -> None:
    dialer, stubber = _connect_dialer()
    stubber.add_client_error("search_contacts", "ThrottlingException", http_status_code=429)
    with stubber, pytest.raises(DialError):
        dialer.find_call(CALLBACK, since=SINCE, until=UNTIL)

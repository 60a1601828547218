"""Every AWS client a function makes comes from one botocore session, and every table shares one
DynamoDB client: each new client parses the endpoint data and its service model again, which is
most of what a cold start costs beyond the floor (README "Benchmarks")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest

from ivr import wiring
from ivr.callers import Customer
from ivr.core.money import Money


@pytest.fixture
def clients_made(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The services of every botocore client made from here on, starting with none made (the
    ``aws`` fixture keeps the clients an earlier test made)."""
    from simulator.local_aws import forget_clients

    forget_clients()
    made: list[str] = []
    original = botocore.session.Session.create_client

    def counting(self: botocore.session.Session, service_name: str, *args: Any, **kw: Any) -> Any:
        made.append(service_name)
        return original(self, service_name, *args, **kw)

    monkeypatch.setattr(botocore.session.Session, "create_client", counting)
    yield made


def test_reading_three_tables_and_the_pepper_makes_two_clients(clients_made: list[str]) -> None:
    customer = Customer(
        phone="+13125550142",
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        account_number="100200300",
        balance=Money(12050),
        timezone="America/Chicago",
    )
    wiring.callers().save(customer)
    assert wiring.callers().find_by_phone("+13125550142") is not None
    assert wiring.transactions().get("no-such-payment") is None
    assert wiring.portal_sessions().get("no-such-session") is None
    assert wiring.pepper()
    assert sorted(clients_made) == ["dynamodb", "secretsmanager"]


def test_a_queue_that_sends_nothing_makes_no_sqs_client(clients_made: list[str]) -> None:
    wiring.message_queue()
    assert "sqs" not in clients_made

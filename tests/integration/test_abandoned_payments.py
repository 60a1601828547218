"""Abandoned payments: marked when the call ends or its link dies, offered on the next call."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ivr.adapters.messaging.render import TemplatedPaymentMessages
from ivr.adapters.processors.sandbox import SandboxProcessor
from ivr.callers import Customer
from ivr.core.money import Money
from ivr.payments.checkout import (
    AbandonOutcome,
    PaymentState,
    ReplayError,
    abandon_unfinished_payment,
    charge_transaction,
    payment_state,
    take_up_payment,
)
from ivr.payments.portal import PortalSessionStatus, new_session
from ivr.payments.transactions import PaymentChannel, Transaction, TransactionStatus
from tests import fakes

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
PHONE = "+13125550142"


class World:
    def __init__(self) -> None:
        self.callers = fakes.FakeCallerStore()
        self.transactions = fakes.FakeTransactionStore(self.callers)
        self.sessions = fakes.FakePortalSessionStore()
        self.callers.save(
            Customer(
                phone=PHONE,
                first_name="Ana",
                last_name="Souza",
                email="ana.souza@example.com",
                account_number="100200301",
                balance=Money(12050),
                timezone="America/Chicago",
            )
        )

    def customer(self) -> Customer:
        customer = self.callers.find_by_phone(PHONE)
        assert customer is not None
        return customer

    def take_up(self, contact_id: str, channel: PaymentChannel = PaymentChannel.IVR) -> Transaction:
        return take_up_payment(
            self.customer(),
            contact_id=contact_id,
            channel=channel,
            requested_amount=None,
            now=NOW,
            transactions=self.transactions,
            callers=self.callers,
        )

    def status(self, payment_id: str) -> TransactionStatus:
        txn = self.transactions.get(payment_id)
        assert txn is not None
        return txn.status

    def link(self, payment_id: str, contact_id: str, *, minutes_ago: int = 0) -> str:
        issued = new_session(
            customer_phone=PHONE,
            payment_id=payment_id,
            contact_id=contact_id,
            pepper=b"pepper",
            now=NOW - timedelta(minutes=minutes_ago),
        )
        self.sessions.create(issued.session)
        return issued.session.session_id

    def hang_up(self, payment_id: str, contact_id: str, session_id: str | None = None) -> Any:
        return abandon_unfinished_payment(
            payment_id,
            contact_id=contact_id,
            portal_session_id=session_id,
            now=NOW,
            transactions=self.transactions,
            sessions=self.sessions,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_a_payment_an_earlier_call_left_open_is_abandoned_and_picked_up_anew(world: World) -> None:
    first = world.take_up("call-1")
    again = world.take_up("call-2")
    assert again.payment_id != first.payment_id
    assert again.amount == first.amount
    assert world.status(first.payment_id) is TransactionStatus.ABANDONED
    assert world.customer().open_transaction.payment_id == again.payment_id  # type: ignore[union-attr]


def test_the_same_call_keeps_its_own_open_payment(world: World) -> None:
    first = world.take_up("call-1")
    assert world.take_up("call-1") == first
    assert len(world.transactions.for_customer(PHONE)) == 1


def test_hanging_up_during_card_entry_abandons_the_payment(world: World) -> None:
    txn = world.take_up("call-1")
    assert world.hang_up(txn.payment_id, "call-1") is AbandonOutcome.ABANDONED
    assert world.status(txn.payment_id) is TransactionStatus.ABANDONED
    assert world.customer().open_transaction is not None  # the next call's lookup offers it


def test_hanging_up_twice_abandons_once(world: World) -> None:
    txn = world.take_up("call-1")
    outcomes = [world.hang_up(txn.payment_id, "call-1") for _ in range(4)]
    assert outcomes == [AbandonOutcome.ABANDONED] + [AbandonOutcome.NOTHING] * 3


def test_hanging_up_with_a_live_portal_link_leaves_the_payment_payable(world: World) -> None:
    txn = world.take_up("call-1", PaymentChannel.PORTAL)
    session_id = world.link(txn.payment_id, "call-1")
    assert world.hang_up(txn.payment_id, "call-1", session_id) is AbandonOutcome.LINK_LIVE
    assert world.status(txn.payment_id) is TransactionStatus.OPEN


def test_hanging_up_after_the_link_expired_abandons_the_payment(world: World) -> None:
    txn = world.take_up("call-1", PaymentChannel.PORTAL)
    session_id = world.link(txn.payment_id, "call-1", minutes_ago=11)
    assert world.hang_up(txn.payment_id, "call-1", session_id) is AbandonOutcome.ABANDONED


def test_a_late_hang_up_cannot_abandon_a_payment_another_call_took_over(world: World) -> None:
    world.take_up("call-1")
    second = world.take_up("call-2")
    assert world.hang_up(second.payment_id, "call-1") is AbandonOutcome.NOTHING
    assert world.status(second.payment_id) is TransactionStatus.OPEN


def test_a_completed_payment_is_not_abandoned_by_the_hang_up(world: World) -> None:
    txn = world.take_up("call-1")
    world.transactions.settle(txn.payment_id, TransactionStatus.COMPLETE, NOW)
    assert world.hang_up(txn.payment_id, "call-1") is AbandonOutcome.NOTHING
    assert world.status(txn.payment_id) is TransactionStatus.COMPLETE


@pytest.mark.parametrize(
    ("change", "state"),
    [
        ({"expires_at": NOW - timedelta(seconds=1)}, PaymentState.EXPIRED),
        ({"status": PortalSessionStatus.LOCKED}, PaymentState.LOCKED),
    ],
    ids=["expired", "locked"],
)
def test_the_status_poll_abandons_the_payment_of_a_dead_link(
    world: World, change: dict[str, Any], state: PaymentState
) -> None:
    txn = world.take_up("call-1", PaymentChannel.PORTAL)
    session_id = world.link(txn.payment_id, "call-1")
    world.sessions.sessions[session_id] = replace(world.sessions.sessions[session_id], **change)
    polled = payment_state(
        session_id, now=NOW, sessions=world.sessions, transactions=world.transactions
    )
    assert polled is state
    assert world.status(txn.payment_id) is TransactionStatus.ABANDONED


def test_the_old_link_of_a_picked_up_payment_cannot_charge(world: World) -> None:
    first = world.take_up("call-1", PaymentChannel.PORTAL)
    world.take_up("call-2")
    with pytest.raises(ReplayError):
        charge_transaction(
            first.payment_id,
            "tok_unused",
            channel=PaymentChannel.PORTAL,
            now=NOW,
            transactions=world.transactions,
            callers=world.callers,
            processor=SandboxProcessor(),
            queue=None,  # type: ignore[arg-type]  # never reached: the charge is refused first
            messages=TemplatedPaymentMessages(),
        )


# --- against moto: one read for the lookup, and two whole calls ----------------------------------


def test_lookup_with_an_abandoned_payment_is_one_dynamodb_round_trip(
    aws: None, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.client
    from caller_lookup import lambda_handler

    from simulator.seed import load_given
    from tests.conftest import load_event

    load_given(
        {
            "customers": [
                {
                    "phone": PHONE,
                    "name": "Ana Souza",
                    "balance": "120.50",
                    "open_transaction": {"amount": "45.00", "status": "abandoned"},
                }
            ]
        },
        now=NOW,
    )
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation_name: str, params: Any) -> Any:
        calls.append(operation_name)
        return original(self, operation_name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    answer = lambda_handler(load_event("connect/caller_lookup.json"), lambda_context)
    assert answer["hasOpenTransaction"] == "true"
    assert answer["openAmount"] == "45.00"
    assert calls == ["GetItem"]


def test_caller_who_hung_up_mid_card_entry_is_offered_to_finish_on_the_next_call() -> None:
    from ivr import wiring
    from simulator.call import CallSetup, place_call
    from simulator.people import ScriptedCaller
    from simulator.scenario import fresh_aws
    from simulator.seed import load_given

    start = datetime.fromisoformat("2026-12-01T09:30:00-06:00")
    with fresh_aws():
        load_given(
            {
                "customers": [
                    {
                        "phone": PHONE,
                        "name": "Ana Souza",
                        "email": "ana.souza@example.com",
                        "balance": "120.50",
                        "timezone": "America/Chicago",
                    }
                ]
            },
            now=start,
        )
        first = ScriptedCaller.from_steps(
            [
                {"say": "I want to pay my bill"},
                {"press": "1"},  # the full balance, at the amount question
                {"press": "2"},
                {"press": "4242424242424242#"},
            ]
        )
        first_call = place_call(CallSetup(caller_number=PHONE, start=start), first)
        assert first_call.ended == "hangup"  # during the expiry date
        (left,) = wiring.transactions().for_customer(PHONE)
        assert left.status is TransactionStatus.ABANDONED

        second = ScriptedCaller.from_steps(
            [
                {"expect_prompt": "payment of $120.50 in progress"},
                {"press": "1"},
                {"expect_prompt": "Your unfinished payment is for $120.50"},
                {"press": "1"},
                {"press": "2"},
                {"expect_prompt": "You're paying $120.50"},
                {"press": "4242424242424242#"},
                {"press": "1230"},
                {"press": "123#"},
                {"expect_prompt": "was successful"},
            ]
        )
        later = start + timedelta(hours=2)
        second_call = place_call(CallSetup(caller_number=PHONE, start=later), second)
        second.finish()
        assert second.failures == [], second_call.transcript
        statuses = [t.status for t in reversed(wiring.transactions().for_customer(PHONE))]
        assert statuses == [TransactionStatus.ABANDONED, TransactionStatus.COMPLETE]
        assert wiring.callers().find_by_phone(PHONE).open_transaction is None  # type: ignore[union-attr]

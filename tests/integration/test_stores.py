"""Every access pattern, run against the in-memory fakes and against DynamoDB (moto) alike."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ivr.activity import ActivityEvent
from ivr.callers import Customer, KnowledgeHashes
from ivr.core.errors import ConflictError
from ivr.core.money import Money
from ivr.payments.portal import PortalSession, PortalSessionStatus
from ivr.payments.transactions import CardSummary, PaymentChannel, Transaction, TransactionStatus
from tests import fakes

T0 = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)


@dataclass
class Stores:
    callers: Any
    transactions: Any
    portal: Any
    callbacks: Any
    activity: Any


@pytest.fixture(params=["fake", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    if request.param == "fake":
        callers = fakes.FakeCallerStore()
        yield Stores(
            callers,
            fakes.FakeTransactionStore(callers),
            fakes.FakePortalSessionStore(),
            fakes.FakeCallbackStore(),
            fakes.FakeActivityLog(),
        )
        return
    request.getfixturevalue("aws")
    from ivr.adapters.dynamodb.activity import DynamoActivityLog
    from ivr.adapters.dynamodb.callbacks import DynamoCallbackStore
    from ivr.adapters.dynamodb.callers import DynamoCallerStore
    from ivr.adapters.dynamodb.portal import DynamoPortalSessionStore
    from ivr.adapters.dynamodb.transactions import DynamoTransactionStore

    yield Stores(
        DynamoCallerStore(),
        DynamoTransactionStore(),
        DynamoPortalSessionStore(),
        DynamoCallbackStore(),
        DynamoActivityLog(),
    )


def ana(**changes: Any) -> Customer:
    base = Customer(
        phone="+13125550142",
        first_name="Ana",
        last_name="Souza",
        email="ana@example.com",
        account_number="100200301",
        balance=Money(12050),
        timezone="America/Chicago",
        knowledge=KnowledgeHashes("salt", "hash-of-nid", "hash-of-postal"),
    )
    return Customer(**{**base.__dict__, **changes})


def payment(payment_id: str = "pay-1", **changes: Any) -> Transaction:
    base = Transaction(
        payment_id=payment_id,
        customer_phone="+13125550142",
        amount=Money(4500),
        channel=PaymentChannel.PORTAL,
        status=TransactionStatus.OPEN,
        created_at=T0,
        updated_at=T0,
        contact_id="contact-1",
    )
    return Transaction(**{**base.__dict__, **changes})


def test_customer_found_by_phone_with_everything_the_ivr_needs(stores: Stores) -> None:
    stores.callers.save(ana())
    found = stores.callers.find_by_phone("+13125550142")
    assert found == ana()
    assert stores.callers.find_by_phone("+12025550100") is None


def test_customer_found_by_account_number(stores: Stores) -> None:
    stores.callers.save(ana())
    assert stores.callers.find_by_account("100200301") == ana()
    assert stores.callers.find_by_account("999") is None


def test_open_transaction_travels_with_the_customer(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())
    customer = stores.callers.find_by_phone("+13125550142")
    assert customer.open_transaction is not None
    assert customer.open_transaction.payment_id == "pay-1"
    assert customer.open_transaction.amount == Money(4500)


def test_saving_a_profile_keeps_the_open_transaction(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())
    stores.callers.save(ana(email="ana.new@example.com"))
    assert stores.callers.find_by_phone("+13125550142").open_transaction is not None


def test_second_open_transaction_for_a_customer_is_refused(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment("pay-1"))
    with pytest.raises(ConflictError):
        stores.transactions.open(payment("pay-2"))
    assert stores.transactions.get("pay-2") is None


def test_transaction_for_unknown_customer_is_refused(stores: Stores) -> None:
    with pytest.raises(ConflictError):
        stores.transactions.open(payment(customer_phone="+12025550100"))


def test_settled_transaction_clears_the_mark_and_keeps_only_card_summary(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())
    card = CardSummary("visa", "4242", "tok_123")
    settled = stores.transactions.settle(
        "pay-1", TransactionStatus.COMPLETE, T0 + timedelta(minutes=2), card
    )
    assert settled.status is TransactionStatus.COMPLETE
    stored = stores.transactions.get("pay-1")
    assert stored.status is TransactionStatus.COMPLETE
    assert stored.card == card
    assert stores.callers.find_by_phone("+13125550142").open_transaction is None


def test_a_completed_payment_lowers_the_balance_the_next_lookup_reads(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment(amount=Money(4500)))
    stores.transactions.settle("pay-1", TransactionStatus.COMPLETE, T0)
    assert stores.callers.find_by_phone("+13125550142").balance == Money(12050 - 4500)


def test_a_retried_settle_lowers_the_balance_once(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment(amount=Money(4500)))
    stores.transactions.settle("pay-1", TransactionStatus.COMPLETE, T0)
    with pytest.raises(ConflictError):
        stores.transactions.settle("pay-1", TransactionStatus.COMPLETE, T0)
    assert stores.callers.find_by_phone("+13125550142").balance == Money(7550)


@pytest.mark.parametrize("outcome", [TransactionStatus.FAILED, TransactionStatus.ABANDONED])
def test_a_payment_that_did_not_complete_leaves_the_balance(
    stores: Stores, outcome: TransactionStatus
) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())
    stores.transactions.settle("pay-1", outcome, T0)
    assert stores.callers.find_by_phone("+13125550142").balance == Money(12050)


def test_a_settled_transaction_cannot_move_again(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())
    stores.transactions.settle("pay-1", TransactionStatus.COMPLETE, T0)
    with pytest.raises(ConflictError):
        stores.transactions.settle("pay-1", TransactionStatus.ABANDONED, T0)
    assert stores.transactions.get("pay-1").status is TransactionStatus.COMPLETE


def test_abandoned_payment_stays_on_the_customer_for_the_next_call(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())
    stores.transactions.settle("pay-1", TransactionStatus.ABANDONED, T0)
    assert stores.transactions.get("pay-1").status is TransactionStatus.ABANDONED
    mark = stores.callers.find_by_phone("+13125550142").open_transaction
    assert mark is not None and mark.payment_id == "pay-1"


def test_picking_up_an_abandoned_payment_moves_the_mark_to_a_new_one(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())
    stores.transactions.settle("pay-1", TransactionStatus.ABANDONED, T0)
    stores.transactions.resume("pay-1", payment("pay-2", contact_id="contact-2"))
    assert stores.transactions.get("pay-1").status is TransactionStatus.ABANDONED
    assert stores.transactions.get("pay-2").status is TransactionStatus.OPEN
    assert stores.callers.find_by_phone("+13125550142").open_transaction.payment_id == "pay-2"


def test_an_open_payment_cannot_be_picked_up_as_abandoned(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())
    with pytest.raises(ConflictError):
        stores.transactions.resume("pay-1", payment("pay-2"))
    assert stores.transactions.get("pay-2") is None
    assert stores.callers.find_by_phone("+13125550142").open_transaction.payment_id == "pay-1"


def test_an_abandoned_payment_is_picked_up_once(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())
    stores.transactions.settle("pay-1", TransactionStatus.ABANDONED, T0)
    stores.transactions.resume("pay-1", payment("pay-2"))
    with pytest.raises(ConflictError):
        stores.transactions.resume("pay-1", payment("pay-3"))
    assert stores.transactions.get("pay-3") is None


def test_a_late_abandon_cannot_touch_the_payment_that_replaced_it(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())
    stores.transactions.settle("pay-1", TransactionStatus.ABANDONED, T0)
    stores.transactions.resume("pay-1", payment("pay-2"))
    with pytest.raises(ConflictError):
        stores.transactions.settle("pay-1", TransactionStatus.ABANDONED, T0)
    stores.transactions.settle("pay-2", TransactionStatus.COMPLETE, T0)
    assert stores.callers.find_by_phone("+13125550142").open_transaction is None


def test_customer_transactions_newest_first(stores: Stores) -> None:
    stores.callers.save(ana())
    for minutes, payment_id in ((0, "old"), (10, "middle"), (20, "new")):
        txn = payment(payment_id, created_at=T0 + timedelta(minutes=minutes))
        stores.transactions.open(txn)
        stores.transactions.settle(payment_id, TransactionStatus.COMPLETE, T0)
    listed = stores.transactions.for_customer("+13125550142")
    assert [t.payment_id for t in listed] == ["new", "middle", "old"]
    assert stores.transactions.for_customer("+12025550100") == []


def test_portal_session_by_id_and_ids_are_never_reused(stores: Stores) -> None:
    session = PortalSession(
        session_id=str(uuid.uuid4()),
        token_hash="sha256-of-token",
        pin_hash="hmac-of-pin",
        pin_salt="salt",
        customer_phone="+13125550142",
        payment_id="pay-1",
        contact_id="contact-1",
        status=PortalSessionStatus.ISSUED,
        attempts=0,
        expires_at=T0 + timedelta(minutes=10),
    )
    stores.portal.create(session)
    assert stores.portal.get(session.session_id) == session
    with pytest.raises(ConflictError):
        stores.portal.create(session)
    assert stores.portal.get(str(uuid.uuid4())) is None


# The callback store's access patterns: tests/integration/test_callback_store.py.


def test_activity_comes_back_in_order_per_contact(stores: Stores) -> None:
    for second, text in ((0, "Hello Ana"), (1, "what's my balance"), (2, "Your balance is")):
        stores.activity.append(ActivityEvent("c-1", T0 + timedelta(seconds=second), "say", text))
    stores.activity.append(ActivityEvent("c-2", T0, "say", "other contact"))
    events = stores.activity.for_contact("c-1")
    assert [e.text for e in events] == ["Hello Ana", "what's my balance", "Your balance is"]
    assert events[0].at == T0

"""Charges recorded before they are sent, held in doubt, and owed confirmations (issue 19): the
store's side, run against the in-memory fake and DynamoDB (moto) alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ivr.core.errors import ConflictError
from ivr.core.money import Money
from ivr.payments.transactions import CardSummary, ChargeAttempt, TransactionStatus
from tests.integration.test_stores import T0, Stores, ana, payment, stores

__all__ = ["stores"]  # the parametrized fixture (fake, dynamodb), used by name below

ATTEMPT = ChargeAttempt("pay-1#portal", "tok_123", T0)


def _opened(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.transactions.open(payment())


def test_a_recorded_charge_travels_with_the_transaction(stores: Stores) -> None:
    _opened(stores)
    stores.transactions.record_charge("pay-1", ATTEMPT)
    stored = stores.transactions.get("pay-1")
    assert stored.charge == ATTEMPT
    assert stored.status is TransactionStatus.OPEN


def test_a_charge_with_another_key_cannot_overwrite_one_not_known_declined(
    stores: Stores,
) -> None:
    _opened(stores)
    stores.transactions.record_charge("pay-1", ATTEMPT)
    stores.transactions.record_charge("pay-1", ATTEMPT)  # a retry of the same attempt
    second = ChargeAttempt("pay-1#portal#2", "tok_456", T0)
    with pytest.raises(ConflictError):
        stores.transactions.record_charge("pay-1", second)
    stores.transactions.record_charge("pay-1", second, replaces=ATTEMPT.key)
    assert stores.transactions.get("pay-1").charge == second


def test_an_unanswered_charge_is_in_doubt_and_never_abandoned(stores: Stores) -> None:
    _opened(stores)
    with pytest.raises(ConflictError):  # nothing was sent: nothing can be in doubt
        stores.transactions.mark_in_doubt("pay-1", T0)
    stores.transactions.record_charge("pay-1", ATTEMPT)
    stores.transactions.mark_in_doubt("pay-1", T0 + timedelta(seconds=4))
    with pytest.raises(ConflictError):
        stores.transactions.settle("pay-1", TransactionStatus.ABANDONED, T0)
    with pytest.raises(ConflictError):  # not open for a new charge either
        stores.transactions.record_charge("pay-1", ChargeAttempt("pay-1#portal#2", "t", T0))
    stored = stores.transactions.get("pay-1")
    assert stored.status is TransactionStatus.IN_DOUBT
    mark = stores.callers.find_by_phone("+13125550142").open_transaction
    assert mark is not None and mark.payment_id == "pay-1"  # no second payment meanwhile


def test_a_charge_in_doubt_settles_complete_once_and_lowers_the_balance(stores: Stores) -> None:
    _opened(stores)
    stores.transactions.record_charge("pay-1", ATTEMPT)
    stores.transactions.mark_in_doubt("pay-1", T0)
    card = CardSummary("visa", "4242", "tok_123")
    stores.transactions.settle("pay-1", TransactionStatus.COMPLETE, T0, card)
    with pytest.raises(ConflictError):
        stores.transactions.settle("pay-1", TransactionStatus.COMPLETE, T0, card)
    customer = stores.callers.find_by_phone("+13125550142")
    assert customer.balance == Money(12050 - 4500)
    assert customer.open_transaction is None
    assert stores.transactions.needing_follow_up() == []


def test_the_follow_up_finds_charges_in_doubt_and_owed_messages_only(stores: Stores) -> None:
    stores.callers.save(ana())
    stores.callers.save(ana(phone="+12025550100", account_number="100200302"))
    stores.transactions.open(payment("pay-1"))
    stores.transactions.open(payment("pay-2", customer_phone="+12025550100"))
    stores.transactions.record_charge("pay-1", ATTEMPT)
    stores.transactions.mark_in_doubt("pay-1", T0 + timedelta(minutes=1))
    stores.transactions.settle("pay-2", TransactionStatus.COMPLETE, T0)
    assert [t.payment_id for t in stores.transactions.needing_follow_up()] == ["pay-1"]

    with pytest.raises(ConflictError):  # only a settled payment owes messages
        stores.transactions.owe_confirmations("pay-1", True)
    stores.transactions.owe_confirmations("pay-2", True)
    found = stores.transactions.needing_follow_up()
    assert [t.payment_id for t in found] == ["pay-2", "pay-1"]  # oldest first
    assert found[0].confirmations_owed

    stores.transactions.owe_confirmations("pay-2", False)
    with pytest.raises(ConflictError):  # a second clearer learns someone else queued them
        stores.transactions.owe_confirmations("pay-2", False)
    assert not stores.transactions.get("pay-2").confirmations_owed
    assert [t.payment_id for t in stores.transactions.needing_follow_up()] == ["pay-1"]

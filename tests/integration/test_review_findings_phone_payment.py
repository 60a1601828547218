"""Review finding: the pay step charges only a payment of this contact's caller (moto)."""

from __future__ import annotations

import uuid
from typing import Any

from ivr.callers import Customer
from ivr.core.money import Money
from tests.integration.test_phone_payment import PHONE, _invoke, _pay_event, _start, world

__all__ = ["world"]  # the fixture, shared with the phone payment tests

OTHER = "+13125550143"


def test_the_pay_step_refuses_a_payment_of_another_caller(world: Any, lambda_context: Any) -> None:
    world.callers().save(
        Customer(
            phone=OTHER,
            first_name="Bea",
            last_name="Lima",
            email="bea.lima@example.com",
            account_number="100200302",
            balance=Money(9900),
            timezone="America/Chicago",
        )
    )
    bea_contact = f"contact-{uuid.uuid4()}"
    start = _pay_event(bea_contact, "")
    start["Details"]["ContactData"]["Attributes"] = {"callerNumber": OTHER}
    start["Details"]["Parameters"] = {"step": "start"}
    beas_payment = _invoke(start, lambda_context)["paymentId"]
    anas_contact = f"contact-{uuid.uuid4()}"
    _start(anas_contact, lambda_context)
    pay = _pay_event(anas_contact, beas_payment)  # Ana's call names Bea's payment
    pay["Details"]["ContactData"]["Attributes"]["callerNumber"] = PHONE
    answer = _invoke(pay, lambda_context)
    assert answer["status"] == "error"
    assert world.sandbox_processor().charges == []
    assert world.transactions().get(beas_payment).status.value == "open"

"""Pay by phone (InvokeLambdaFunction, run with flow logging off). ``step`` is "start" (open or
pick up the caller's payment), "card" or "expiry" (check the field just typed), or "pay" (charge).

Card fields arrive as Connect's ciphertext - ``$.StoredCustomerInput``, or carried over from the
previous step's answer - and are decrypted in memory only (ivr.payments.keypad); nothing here logs
the event or a field. The answer is flat: ``result`` (next / invalid / approved / declined),
``field`` for invalid, and the still-encrypted fields the next step needs.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr import wiring
from ivr.adapters.connect.ciphertext import carried
from ivr.callers import Customer, look_up_caller
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler, dispatch
from ivr.core import clock
from ivr.core.errors import MalformedEventError
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings
from ivr.payments.checkout import NoCustomerError, take_up_payment
from ivr.payments.keypad import (
    EncryptedCard,
    KeypadAnswer,
    check_card_number,
    check_expiry,
    pay_by_phone,
)
from ivr.payments.transactions import PaymentChannel


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID, log_event=False)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    return dispatch(request, _STEPS, key="step")


def _entry(request: ConnectRequest) -> EncryptedCard:
    fields = request.parameters
    return EncryptedCard(
        card_number=fields.get("cardNumber", ""),
        expiry=fields.get("expiry", ""),
        cvv=fields.get("cvv", ""),
    )


def _card(request: ConnectRequest) -> ConnectAnswer:
    return _answer(request, check_card_number(_entry(request), decrypter=wiring.input_decrypter()))


def _expiry(request: ConnectRequest) -> ConnectAnswer:
    checked = check_expiry(
        _entry(request), decrypter=wiring.input_decrypter(), today=_today(request)
    )
    return _answer(request, checked)


def _caller(request: ConnectRequest) -> Customer:
    lookup = look_up_caller(
        request.caller_number, callers=wiring.callers(), region=settings().default_phone_region
    )
    if lookup.customer is None:
        raise NoCustomerError("pay by phone needs a known caller")
    return lookup.customer


def _today(request: ConnectRequest) -> date:
    """The caller's date in their own zone: a card is valid through its month's end there."""
    try:
        zone = ZoneInfo(_caller(request).timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(settings().contact_center_timezone)
    return clock.now().astimezone(zone).date()


def _start(request: ConnectRequest) -> ConnectAnswer:
    txn = take_up_payment(
        _caller(request),
        contact_id=request.contact_id,
        channel=PaymentChannel.IVR,
        requested_amount=request.attributes.get("paymentAmount"),
        allow_overpayment=settings().allow_overpayment,
        now=clock.now(),
        transactions=wiring.transactions(),
        callers=wiring.callers(),
    )
    logger.info("phone payment started", extra={"paymentId": txn.payment_id})
    return answer(paymentId=txn.payment_id, amountSpoken=txn.amount.spoken())


def _pay(request: ConnectRequest) -> ConnectAnswer:
    payment_id = request.attributes.get("paymentId") or ""
    if not payment_id:
        raise MalformedEventError("no paymentId attribute")
    paid = pay_by_phone(
        _entry(request),
        payment_id,
        caller_phone=_caller(request).phone,
        decrypter=wiring.input_decrypter(),
        today=_today(request),
        now=clock.now(),
        transactions=wiring.transactions(),
        callers=wiring.callers(),
        processor=wiring.payment_processor(),
        queue=wiring.message_queue(),
        messages=wiring.payment_messages(),
    )
    return _answer(request, paid)


def _answer(request: ConnectRequest, checked: KeypadAnswer) -> ConnectAnswer:
    step = request.parameters.get("step")
    logger.info("keypad step", extra={"step": step, "result": checked.outcome.value})
    payment = checked.payment
    flat = answer(
        result=checked.outcome.value,
        field=checked.field.value if checked.field else None,
        last4=payment.last4 if payment else None,
        reference=payment.reference if payment else None,
        amountSpoken=payment.amount.spoken() if payment else None,
    )
    # The carried ciphertexts are added outside answer(): they are longer than its value cap
    # (a 4096-bit key makes ~1.2 KB), and far inside Connect's 32 KB for the whole answer.
    keep = checked.keep
    carry = {"cardNumber": keep.card_number, "expiry": keep.expiry}
    return flat | {name: carried(value) for name, value in carry.items() if value}


_STEPS = {"start": _start, "card": _card, "expiry": _expiry, "pay": _pay}

"""Text replies: a customer cancels their pending callback by SMS.

AWS End User Messaging SMS publishes every message sent to a two-way number to an SNS topic, as
JSON: ``originationNumber`` (the customer), ``destinationNumber`` (our number), ``messageKeyword``,
``messageBody``, ``inboundMessageId`` and ``previousPublishedMessageId``. A reply of NO CALLBACK
(or CANCEL CALLBACK, or a bare CANCEL) cancels that number's pending scheduled callback - the same
conditional TransactWriteItems as cancelling on a call, which also removes the mark caller lookup
reads - and the callback service texts the cancellation in the customer's local time. Anything
else gets a short help text.

A bare CANCEL or STOP is also an opt-out keyword in the US and Canada: End User Messaging has
already stopped texting the number, so the callback is cancelled but no text can confirm it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from ivr.callbacks.service import CANCEL_REPLY, CallbackKind, CallbackService
from ivr.callers import CallerStore
from ivr.core.errors import ConflictError, InvalidPhoneNumberError, NotificationError
from ivr.core.observability import logger
from ivr.core.phone import normalise_e164
from ivr.notify import Channel, Notifier, OutgoingMessage

#: Bodies that ask to cancel, compared upper-case with runs of spaces collapsed.
CANCEL_BODIES = frozenset(
    {CANCEL_REPLY, "NOCALLBACK", "CANCEL CALLBACK", "CALLBACK CANCEL", "CANCEL", "STOP CALLBACK"}
)
#: The longest body worth reading; longer texts are answered with help without being parsed.
MAX_BODY = 160


class InvalidInboundSmsError(ValueError):
    """Not an End User Messaging inbound message."""


@dataclass(frozen=True)
class InboundSms:
    message_id: str  # inboundMessageId: SNS may deliver one message more than once
    from_number: str  # originationNumber, as the carrier gave it
    to_number: str  # destinationNumber: our two-way number
    body: str
    keyword: str = ""


def parse_inbound(message: object) -> InboundSms:
    """The inbound SMS in an SNS notification's ``Message`` (a JSON string)."""
    if not isinstance(message, str):
        raise InvalidInboundSmsError("the SNS message is not a string")
    try:
        data = json.loads(message)
    except ValueError as error:
        raise InvalidInboundSmsError("the SNS message is not JSON") from error
    if not isinstance(data, dict):
        raise InvalidInboundSmsError("the SNS message is not a JSON object")
    fields = {
        key: data.get(key)
        for key in ("inboundMessageId", "originationNumber", "destinationNumber", "messageBody")
    }
    missing = [key for key, value in fields.items() if not isinstance(value, str) or not value]
    if missing:
        raise InvalidInboundSmsError(f"missing {', '.join(missing)}")
    keyword = data.get("messageKeyword")
    return InboundSms(
        message_id=str(fields["inboundMessageId"]),
        from_number=str(fields["originationNumber"]),
        to_number=str(fields["destinationNumber"]),
        body=str(fields["messageBody"]),
        keyword=keyword if isinstance(keyword, str) else "",
    )


def asks_to_cancel(body: str) -> bool:
    if len(body) > MAX_BODY:
        return False
    return " ".join(body.upper().split()).strip(".!") in CANCEL_BODIES


class ReplyOutcome(StrEnum):
    CANCELLED = "cancelled"  # the callback service texted the cancellation
    NOTHING_TO_CANCEL = "nothing_to_cancel"
    TOO_LATE = "too_late"  # a sweep is dialling it, or it changed meanwhile
    HELP = "help"
    IGNORED = "ignored"  # not a number we can answer


@dataclass(frozen=True)
class ReplyResult:
    outcome: ReplyOutcome
    phone: str | None = None
    #: The text to answer with; None when nothing is to be sent (or the service sent it).
    answer: str | None = None
    callback_id: str | None = None


def handle_reply(
    sms: InboundSms,
    *,
    service: CallbackService,
    callers: CallerStore,
    region: str,
    default_queue: str,
) -> ReplyResult:
    """Cancel the sender's pending scheduled callback, or say how to."""
    brand = service.brand
    try:
        phone = normalise_e164(sms.from_number, region)
    except InvalidPhoneNumberError:
        return ReplyResult(ReplyOutcome.IGNORED)
    if not asks_to_cancel(sms.body):
        text = (
            f"{brand}: to cancel your callback, reply {CANCEL_REPLY}. "
            "To change it, or for anything else, call us."
        )
        return ReplyResult(ReplyOutcome.HELP, phone, text)
    callback_id = _pending_callback_id(phone, service, callers, default_queue)
    if callback_id is None:
        text = f"{brand}: there is no callback booked for this number."
        return ReplyResult(ReplyOutcome.NOTHING_TO_CANCEL, phone, text)
    try:
        cancelled = service.cancel(callback_id)
    except ConflictError:
        text = f"{brand}: your callback could not be cancelled now; we may already be calling you."
        return ReplyResult(ReplyOutcome.TOO_LATE, phone, text, callback_id)
    return ReplyResult(ReplyOutcome.CANCELLED, phone, None, cancelled.callback_id)


@dataclass(frozen=True)
class ReplyAnswered:
    """What a text reply did, and whether the answer text went out."""

    result: ReplyResult
    sent: bool


def answer_reply(
    sms: InboundSms,
    *,
    service: CallbackService,
    callers: CallerStore,
    notifier: Notifier,
    region: str,
    default_queue: str,
) -> ReplyAnswered:
    """handle_reply, then text its answer back (once per inbound message id). An answer that
    cannot be sent is logged and dropped: the cancellation itself stands."""
    result = handle_reply(
        sms, service=service, callers=callers, region=region, default_queue=default_queue
    )
    if result.answer is None or result.phone is None:
        return ReplyAnswered(result, sent=False)
    message = OutgoingMessage(
        Channel.SMS, result.phone, result.answer, f"sms-reply-{sms.message_id}"
    )
    try:
        notifier.send(message)
    except NotificationError as error:
        logger.warning("reply SMS not sent", extra={"errorCode": error.code})
        return ReplyAnswered(result, sent=False)
    return ReplyAnswered(result, sent=True)


def _pending_callback_id(
    phone: str, service: CallbackService, callers: CallerStore, default_queue: str
) -> str | None:
    """The customer's marked callback (one GetItem), else the default queue's guard (an unknown
    number has no customer item to carry a mark). Immediate callbacks are Connect's to dial:
    a text cannot take them back out of its queue."""
    customer = callers.find_by_phone(phone)
    if customer is not None and customer.pending_callback is not None:
        return customer.pending_callback.callback_id
    pending = service.pending(phone, default_queue)
    if pending is None or pending.kind is not CallbackKind.SCHEDULED:
        return None
    return pending.callback_id

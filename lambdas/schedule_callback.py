"""Schedule callback: book, move or queue the caller's callback, and confirm it by SMS.

LambdaInvocationAttributes: ``mode`` (scheduled | slot | immediate | move | move-slot), ``queue``,
``date`` and ``time`` (Lex's CallbackDate / CallbackTime), ``slot`` (an alternative offered
earlier, ISO UTC), ``callbackId`` (the callback to move). A retried invocation (Connect retries up
to 3 times) finds the callback it stored and answers the same, and texts nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ivr import wiring
from ivr.callbacks.scheduling import (
    REFUSAL_SPOKEN,
    Proposal,
    offer_spoken,
    proposal_from_slots,
    spoken,
)
from ivr.callbacks.service import Booking, CallbackRequest, who_to_call
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler, dispatch
from ivr.core.errors import MalformedEventError
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    return dispatch(request, _MODES, key="mode", default="scheduled")


def _asked(request: ConnectRequest, step: str) -> CallbackRequest:
    config = settings()
    phone, zone_name = who_to_call(
        request.caller_number,
        callers=wiring.callers(),
        region=config.default_phone_region,
        contact_center_zone=config.contact_center_timezone,
        known_zone=request.attributes.get("callerTimezone"),
    )
    queue = request.parameters.get("queue") or config.callback_queue_name
    return CallbackRequest(request.contact_id, step, phone, queue, zone_name)


def _answered(request: ConnectRequest, book: Callable[[CallbackRequest], Booking]) -> ConnectAnswer:
    mode = request.parameters.get("mode") or "scheduled"
    asked = _asked(request, "immediate" if mode == "immediate" else "book")
    booking = book(asked)
    logger.info("callback request", extra={"mode": mode, "outcome": booking.outcome})
    return booking_answer(booking, asked.timezone)


def _immediate(request: ConnectRequest) -> ConnectAnswer:
    return _answered(request, wiring.callback_service().queue_immediate)


def _scheduled(request: ConnectRequest) -> ConnectAnswer:
    proposal = _proposal(request)
    return _answered(request, lambda asked: wiring.callback_service().schedule(asked, proposal))


def _slot(request: ConnectRequest) -> ConnectAnswer:
    at = _instant(request.parameters.get("slot"))
    return _answered(request, lambda asked: wiring.callback_service().book_slot(asked, at))


def _move(request: ConnectRequest) -> ConnectAnswer:
    callback_id, proposal = request.parameters.get("callbackId", ""), _proposal(request)
    return _answered(
        request,
        lambda asked: wiring.callback_service().move_for_caller(
            callback_id, asked.phone, proposal, asked.timezone
        ),
    )


def _move_slot(request: ConnectRequest) -> ConnectAnswer:
    callback_id, at = (
        request.parameters.get("callbackId", ""),
        _instant(request.parameters.get("slot")),
    )
    return _answered(
        request,
        lambda asked: wiring.callback_service().move_to_slot_for_caller(
            callback_id, asked.phone, at
        ),
    )


_MODES = {
    "scheduled": _scheduled,
    "slot": _slot,
    "immediate": _immediate,
    "move": _move,
    "move-slot": _move_slot,
}


def _proposal(request: ConnectRequest) -> Proposal:
    params = request.parameters
    return proposal_from_slots(params.get("date"), params.get("time"), params.get("times"))


def _instant(text: str | None) -> datetime:
    try:
        instant = datetime.fromisoformat(text or "")
    except ValueError as exc:
        raise MalformedEventError("slot is not an ISO time") from exc
    if instant.tzinfo is None:
        raise MalformedEventError("slot has no UTC offset")
    return instant.astimezone(UTC)


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def booking_answer(booking: Booking, zone_name: str) -> ConnectAnswer:
    """The flat answer the callback flow branches on (``outcome``) and reads aloud."""
    if booking.existing is not None:
        existing = booking.existing
        return answer(
            outcome=booking.outcome,
            pendingCallbackId=existing.callback_id,
            pendingKind=existing.kind.value,
            pendingSpoken=existing.spoken(),
        )
    if booking.callback is not None:
        callback = booking.callback
        return answer(
            outcome=booking.outcome,
            callbackId=callback.callback_id,
            whenSpoken=spoken(callback.call_at, callback.timezone),
            smsSent=booking.sms_sent,
        )
    decision = booking.decision
    refusal = decision.refusal if decision else None
    alternatives = list(decision.alternatives) if decision else []
    values: dict[str, object] = {
        "outcome": booking.outcome,
        "reason": refusal.value if refusal else "unreadable",
        "reasonSpoken": REFUSAL_SPOKEN[refusal] if refusal else "",
        "altCount": len(alternatives),
        "offerSpoken": offer_spoken(alternatives, zone_name),
    }
    for number in (1, 2):  # always present (empty when missing): the flow copies them
        has = number <= len(alternatives)
        values[f"alt{number}"] = _iso(alternatives[number - 1]) if has else ""
        values[f"alt{number}Spoken"] = spoken(alternatives[number - 1], zone_name) if has else ""
    return answer(**values)

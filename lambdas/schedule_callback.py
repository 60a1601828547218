"""Schedule callback: book, move or queue the caller's callback, and confirm it by SMS.

LambdaInvocationAttributes: ``mode`` (scheduled | slot | immediate | move | move-slot), ``queue``,
``date`` and ``time`` (Lex's CallbackDate / CallbackTime), ``slot`` (an alternative offered
earlier, ISO UTC), ``callbackId`` (the callback to move). A retried invocation (Connect retries up
to 3 times) finds the callback it stored and answers the same, and texts nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from ivr import wiring
from ivr.callbacks.scheduling import REFUSAL_SPOKEN, proposal_from_slots, spoken
from ivr.callbacks.service import Booking, CallbackRequest, CallbackService, who_to_call
from ivr.channels.connect import ConnectAnswer, ConnectRequest, answer, connect_handler
from ivr.core.errors import MalformedEventError, NotFoundError
from ivr.core.observability import CONNECT_CONTACT_ID, logger
from ivr.core.settings import settings

DEFAULT_QUEUE = "BasicQueue"


@logger.inject_lambda_context(correlation_id_path=CONNECT_CONTACT_ID)
@connect_handler
def lambda_handler(request: ConnectRequest) -> ConnectAnswer:
    config = settings()
    phone, zone_name = who_to_call(
        request.attributes.get("callerNumber") or request.customer_number,
        callers=wiring.callers(),
        region=config.default_phone_region,
        contact_center_zone=config.contact_center_timezone,
        known_zone=request.attributes.get("callerTimezone"),
    )
    params = request.parameters
    mode = params.get("mode", "scheduled")
    step = "immediate" if mode == "immediate" else "book"
    queue = params.get("queue") or DEFAULT_QUEUE
    asked = CallbackRequest(request.contact_id, step, phone, queue, zone_name)
    booking = _book(wiring.callback_service(), mode, asked, params)
    logger.info("callback request", extra={"mode": mode, "outcome": _outcome(booking)})
    return booking_answer(booking, zone_name)


def _book(
    service: CallbackService, mode: str, asked: CallbackRequest, params: Mapping[str, str]
) -> Booking:
    if mode == "immediate":
        return service.queue_immediate(asked)
    if mode == "scheduled":
        proposal = proposal_from_slots(params.get("date"), params.get("time"), params.get("times"))
        return service.schedule(asked, proposal)
    if mode == "slot":
        return service.book_slot(asked, _instant(params.get("slot")))
    if mode in ("move", "move-slot"):
        callback_id = params.get("callbackId", "")
        current = service.store.get(callback_id) if callback_id else None
        if current is None or current.phone != asked.phone:
            raise NotFoundError("no such callback for this caller")
        if mode == "move-slot":
            return service.move_to_slot(callback_id, _instant(params.get("slot")))
        proposal = proposal_from_slots(params.get("date"), params.get("time"), params.get("times"))
        return service.move(callback_id, proposal, asked.timezone)
    raise MalformedEventError(f"unknown mode {mode[:20]!r}")


def _instant(text: str | None) -> datetime:
    try:
        instant = datetime.fromisoformat(text or "")
    except ValueError as exc:
        raise MalformedEventError("slot is not an ISO time") from exc
    if instant.tzinfo is None:
        raise MalformedEventError("slot has no UTC offset")
    return instant.astimezone(UTC)


def _outcome(booking: Booking) -> str:
    if booking.existing is not None:
        return "pending"
    if booking.callback is not None:
        return "queued" if booking.callback.kind.value == "immediate" else "booked"
    return "refused"


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def booking_answer(booking: Booking, zone_name: str) -> ConnectAnswer:
    """The flat answer the callback flow branches on (``outcome``) and reads aloud."""
    outcome = _outcome(booking)
    if booking.existing is not None:
        existing = booking.existing
        return answer(
            outcome=outcome,
            pendingCallbackId=existing.callback_id,
            pendingKind=existing.kind.value,
            pendingSpoken=existing.spoken(),
        )
    if booking.callback is not None:
        callback = booking.callback
        return answer(
            outcome=outcome,
            callbackId=callback.callback_id,
            whenSpoken=spoken(callback.call_at, callback.timezone),
            smsSent=booking.sms_sent,
        )
    decision = booking.decision
    refusal = decision.refusal if decision else None
    alternatives = list(decision.alternatives) if decision else []
    spoken_alternatives = [spoken(alt, zone_name) for alt in alternatives]
    values: dict[str, object] = {
        "outcome": outcome,
        "reason": refusal.value if refusal else "unreadable",
        "reasonSpoken": REFUSAL_SPOKEN[refusal] if refusal else "",
        "altCount": len(alternatives),
        "offerSpoken": _offer(spoken_alternatives),
    }
    for number in (1, 2):  # always present (empty when missing): the flow copies them
        has = number <= len(alternatives)
        values[f"alt{number}"] = _iso(alternatives[number - 1]) if has else ""
        values[f"alt{number}Spoken"] = spoken_alternatives[number - 1] if has else ""
    return answer(**values)


def _offer(alternatives: list[str]) -> str:
    if not alternatives:
        return ""
    keys = [f"{said}, press {number}" for number, said in enumerate(alternatives, 1)]
    return f"I can call you on {', or on '.join(keys)}. To choose another time, press 3."

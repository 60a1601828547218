"""The payment portal's API: API Gateway REST proxy -> Powertools resolver (portal/openapi.yaml)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError

from ivr import wiring
from ivr.activity import ActivityEvent
from ivr.channels.api import (
    ErrorAnswer,
    answer_domain_errors,
    answer_unknown_routes_and_failures,
    header,
    json_response,
    problem,
    reject_before_routing,
    with_security_headers,
)
from ivr.core import clock
from ivr.core.errors import IvrError
from ivr.core.observability import logger
from ivr.core.settings import settings
from ivr.payments.cards import ChargeStatus
from ivr.payments.checkout import (
    SessionRefusedError,
    payment_state,
    submit_portal_payment,
)
from ivr.payments.portal import (
    MAX_PIN_ATTEMPTS,
    PortalNotice,
    PortalSession,
    PortalSessionStatus,
    api_token,
    api_token_valid,
)
from ivr.payments.portal_link import LinkState, LinkView, open_link, view_link

app = APIGatewayRestResolver(
    cors=CORSConfig(
        allow_origin=settings().portal_base_url,
        allow_headers=["Content-Type", "Authorization", "X-Portal-Request"],
        max_age=600,
    )
)

REFUSED_MESSAGE = (
    "We couldn't open this payment with that PIN. Check the 6-digit PIN you heard on the call "
    "and try again. A link stops working after 5 wrong PINs or 10 minutes: if it has, stay on "
    "the line and ask for a new link, or press 0 to speak to an agent."
)


#: Without the link's token (unknown, expired, locked, used): one answer, so it is no oracle.
REFUSED = ErrorAnswer(403, "link_not_usable", REFUSED_MESSAGE)


def _refused() -> Response[Any]:
    return REFUSED.response()


def _link(view: LinkView) -> dict[str, Any]:
    """The link's state for the holder of its token: what the page shows instead of the PIN."""
    shown: dict[str, Any] = {
        "state": view.state.value,
        "pinTriesLeft": view.pin_tries_left,
        "cardTriesLeft": view.card_tries_left,
        **_summary(view.session),
    }
    receipt = view.receipt
    if receipt is not None:
        shown["receipt"] = {
            "amountDisplay": receipt.amount.spoken(),
            "brand": receipt.card_brand,
            "last4": receipt.last4,
            "reference": receipt.reference,
            "paidAt": receipt.paid_at.isoformat(),
        }
    return shown


def _body() -> dict[str, Any]:
    try:
        body = app.current_event.json_body
    except Exception as exc:  # json.JSONDecodeError and friends
        raise BadRequestError("The body is not JSON.") from exc
    if not isinstance(body, dict):
        raise BadRequestError("The body must be a JSON object.")
    return body


def _text(body: dict[str, Any], key: str, limit: int = 200) -> str:
    value = body.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _authorised_session(session_id: str) -> PortalSession:
    """The session the bearer token opens; SessionRefusedError (the one 403) otherwise."""
    bearer = header(app.current_event.raw_event, "authorization")
    token = bearer[7:] if bearer.lower().startswith("bearer ") else ""
    now = clock.now()
    if not token or not api_token_valid(session_id, token, wiring.pepper(), now):
        raise SessionRefusedError("no valid API token")
    session = wiring.portal_sessions().get(session_id)
    if session is None or now >= session.expires_at:
        raise SessionRefusedError("no such session, or expired")
    return session


def _note(session: PortalSession, text: str) -> None:
    """What the customer did on the portal, for the agent's timeline (best effort)."""
    try:
        wiring.activity().append(ActivityEvent(session.contact_id, clock.now(), "portal", text))
    except IvrError as error:
        logger.warning("portal activity not recorded", extra={"errorCode": error.code})


def _summary(session: PortalSession) -> dict[str, Any]:
    txn = wiring.transactions().get(session.payment_id)
    customer = wiring.callers().find_by_phone(session.customer_phone)
    name = f"{customer.first_name} {customer.last_name[:1]}." if customer else ""
    return {
        "amount": str(txn.amount) if txn else "",
        "amountDisplay": txn.amount.spoken() if txn else "",
        "currency": txn.amount.currency if txn else "",
        "name": name,
        "expiresAt": session.expires_at.isoformat(),
    }


def _note_wrong_pin(session_id: str) -> None:
    """A refused PIN for the agent's timeline (the caller's answer stays the same for every
    refusal): how many wrong PINs so far, or that the link is now locked."""
    try:
        session = wiring.portal_sessions().get(session_id) if len(session_id) <= 64 else None
    except IvrError:
        return  # the timeline is best effort
    if session is None or not session.attempts:
        return
    if session.status is PortalSessionStatus.LOCKED:
        _note(session, f"portal: link locked after {session.attempts} wrong PINs")
    else:
        _note(session, f"portal: wrong PIN ({session.attempts} of {MAX_PIN_ATTEMPTS})")


@app.post("/sessions/<session_id>/link")
def link(session_id: str) -> Response[Any]:
    view = view_link(
        session_id,
        _text(_body(), "token", 100),
        sessions=wiring.portal_sessions(),
        transactions=wiring.transactions(),
        now=clock.now(),
    )
    return _refused() if view is None else json_response(200, _link(view))


@app.post("/sessions/<session_id>/verify")
def verify(session_id: str) -> Response[Any]:
    body = _body()
    opening = open_link(
        session_id,
        _text(body, "token", 100),
        _text(body, "pin", 12),
        sessions=wiring.portal_sessions(),
        transactions=wiring.transactions(),
        pepper=wiring.pepper(),
        now=clock.now(),
    )
    view, session = opening.view, opening.verified
    if view is None:
        return _refused()
    if session is not None:
        _note(session, "portal: PIN accepted, payment page opened")
        return json_response(200, {"apiToken": api_token(session, wiring.pepper()), **_link(view)})
    if view.state is LinkState.OPEN:
        _note_wrong_pin(session_id)
        return json_response(403, {"error": "wrong_pin", **_link(view)})
    if view.state is LinkState.LOCKED:
        _note_wrong_pin(session_id)  # the fifth wrong PIN, or a try on a locked link
    return json_response(409, {"error": f"link_{view.state.value}", **_link(view)})


@app.get("/sessions/<session_id>")
def status(session_id: str) -> Response[Any]:
    session = _authorised_session(session_id)
    state = payment_state(
        session_id,
        now=clock.now(),
        sessions=wiring.portal_sessions(),
        transactions=wiring.transactions(),
        consume_notice=False,  # the notices are the waiting IVR's to hear
    )
    return json_response(200, {"status": state.value, **_summary(session)})


@app.post("/sessions/<session_id>/payment")
def pay(session_id: str) -> Response[Any]:
    session = _authorised_session(session_id)
    body = _body()
    card_token, name = _text(body, "cardToken", 100), _text(body, "name", 100)
    missing = [field for field, value in (("card", card_token), ("name", name)) if not value]
    if missing:
        # The waiting IVR asks the caller to complete every field.
        wiring.portal_sessions().set_notice(session_id, PortalNotice.INCOMPLETE)
        _note(session, f"portal: submitted without {' and '.join(missing)}")
        return json_response(
            422, {"error": "incomplete", "message": "Complete every field.", "missing": missing}
        )
    outcome = submit_portal_payment(
        session,
        card_token,
        now=clock.now(),
        sessions=wiring.portal_sessions(),
        transactions=wiring.transactions(),
        callers=wiring.callers(),
        processor=wiring.payment_processor(),
        queue=wiring.message_queue(),
        messages=wiring.payment_messages(),
    )
    result = {
        "status": outcome.status.value,
        "amountDisplay": outcome.amount.spoken(),
        "last4": outcome.last4,
        "reference": outcome.reference,
        "cardTriesLeft": outcome.card_tries_left,
        "brand": outcome.brand,
    }
    shown = f"{outcome.amount.spoken()} with the card ending {outcome.last4}"
    if outcome.status is ChargeStatus.DECLINED:
        _note(session, f"portal: card declined for {shown}")
        return json_response(
            402, {**result, "error": "declined", "message": "The card was declined."}
        )
    _note(session, f"portal: payment of {shown} approved, reference {outcome.reference}")
    return json_response(200, result)


answer_domain_errors(app, "portal", refused=REFUSED)
answer_unknown_routes_and_failures(app, "portal")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    rejected = reject_before_routing(event, app)
    if rejected is not None:
        return with_security_headers(rejected)
    try:
        return with_security_headers(app.resolve(event, context))
    except Exception:
        logger.exception("portal request failed outside the router")
        return with_security_headers(problem(500, "internal", "Something went wrong."))

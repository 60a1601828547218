"""Messages rendered from the jinja2 templates in templates/.

Two environments on purpose: HTML with ``autoescape=True`` set explicitly (``select_autoescape``
goes by file extension and misses names like ``x.html.j2``), plain text (SMS, the text part of an
e-mail) without escaping, since ``&amp;`` in an SMS is a bug, not a defence.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from ivr.core.money import Money
from ivr.notify import Channel, OutgoingMessage


def templates_dir() -> Path:
    """templates/ beside the package in the Lambda artifact, or at the repository root."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[3] / "templates", here.parents[4] / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("no templates/ directory next to the ivr package")


@cache
def html_environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


@cache
def text_environment() -> jinja2.Environment:
    return jinja2.Environment(  # noqa: S701 - plain text: SMS and text parts are never HTML
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def local_time(at: datetime, timezone: str) -> str:
    """'1 Dec 2026, 9:41 AM CST' in the customer's zone (the contact center's if unknown)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    moment = at.astimezone(zone)
    hour = moment.strftime("%I").lstrip("0")
    return f"{moment.day} {moment:%b %Y}, {hour}:{moment:%M %p %Z}"


def render_text(name: str, **values: object) -> str:
    return text_environment().get_template(name).render(**values).strip()


def render_html(name: str, **values: object) -> str:
    return html_environment().get_template(name).render(**values)


def payment_confirmations(
    *,
    payment_id: str,
    first_name: str,
    phone: str,
    email: str,
    amount: Money,
    last4: str,
    at: datetime,
    timezone: str,
) -> list[OutgoingMessage]:
    """The SMS and (when the customer has an address) the e-mail confirming a payment."""
    values = {
        "first_name": first_name,
        "amount": amount.spoken(),
        "last4": last4,
        "reference": payment_id.split("-")[0].upper(),
        "when": local_time(at, timezone),
    }
    messages = [
        OutgoingMessage(
            channel=Channel.SMS,
            to=phone,
            text=render_text("payment_confirmation_sms.txt.j2", **values),
            idempotency_key=f"confirmation-sms#{payment_id}",
        )
    ]
    if email:
        messages.append(
            OutgoingMessage(
                channel=Channel.EMAIL,
                to=email,
                subject=render_text("payment_confirmation_subject.txt.j2", **values),
                text=render_text("payment_confirmation_email.txt.j2", **values),
                html=render_html("payment_confirmation_email.html.j2", **values),
                idempotency_key=f"confirmation-email#{payment_id}",
            )
        )
    return messages


def payment_not_taken_sms(
    *, payment_id: str, first_name: str, phone: str, amount: Money
) -> OutgoingMessage:
    """The SMS telling a customer whose charge was in doubt that it was not made after all."""
    values = {
        "first_name": first_name,
        "amount": amount.spoken(),
        "reference": payment_id.split("-")[0].upper(),
    }
    return OutgoingMessage(
        channel=Channel.SMS,
        to=phone,
        text=render_text("payment_not_taken_sms.txt.j2", **values),
        idempotency_key=f"payment-not-taken-sms#{payment_id}",
    )


def portal_link_sms(*, session_id: str, phone: str, link: str, amount: Money) -> OutgoingMessage:
    return OutgoingMessage(
        channel=Channel.SMS,
        to=phone,
        text=render_text("portal_link_sms.txt.j2", link=link, amount=amount.spoken()),
        idempotency_key=f"portal-link#{session_id}",
    )


class TemplatedPaymentMessages:
    """The payment texts (ivr.payments.checkout.PaymentMessages) rendered from templates/."""

    def portal_link_sms(
        self, *, session_id: str, phone: str, link: str, amount: Money
    ) -> OutgoingMessage:
        return portal_link_sms(session_id=session_id, phone=phone, link=link, amount=amount)

    def payment_confirmations(
        self,
        *,
        payment_id: str,
        first_name: str,
        phone: str,
        email: str,
        amount: Money,
        last4: str,
        at: datetime,
        timezone: str,
    ) -> list[OutgoingMessage]:
        return payment_confirmations(
            payment_id=payment_id,
            first_name=first_name,
            phone=phone,
            email=email,
            amount=amount,
            last4=last4,
            at=at,
            timezone=timezone,
        )

    def payment_not_taken_sms(
        self, *, payment_id: str, first_name: str, phone: str, amount: Money
    ) -> OutgoingMessage:
        return payment_not_taken_sms(
            payment_id=payment_id, first_name=first_name, phone=phone, amount=amount
        )

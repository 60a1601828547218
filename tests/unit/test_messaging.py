"""Notifier adapters (botocore Stubber: moto has no pinpoint-sms-voice-v2 nor SendMessages) and
the confirmation templates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ivr.adapters.messaging.email import SesEmail
from ivr.adapters.messaging.pinpoint import PinpointNotifier
from ivr.adapters.messaging.render import payment_confirmations, portal_link_sms
from ivr.adapters.messaging.sms import EndUserMessagingSms
from ivr.core.errors import NotificationError
from ivr.core.money import Money
from ivr.notify import Channel, OutgoingMessage

SMS = OutgoingMessage(Channel.SMS, "+13125550142", "Your payment was received.", "key#1")
EMAIL = OutgoingMessage(
    Channel.EMAIL, "ana.souza@example.com", "Text part", "key#2", subject="Paid", html="<p>x</p>"
)


def _client(service: str) -> Any:
    return boto3.session.Session().client(service, region_name="us-east-1")


def test_sms_goes_through_end_user_messaging_send_text_message() -> None:
    client = _client("pinpoint-sms-voice-v2")
    with Stubber(client) as stub:
        stub.add_response(
            "send_text_message",
            {"MessageId": "sms-1"},
            {
                "DestinationPhoneNumber": "+13125550142",
                "OriginationIdentity": "pool-123",
                "MessageBody": "Your payment was received.",
                "MessageType": "TRANSACTIONAL",
                "Context": {"idempotencyKey": "key#1"},
            },
        )
        assert EndUserMessagingSms(client, "pool-123").send(SMS) == "sms-1"


def test_sms_refused_by_the_provider_is_a_notification_error() -> None:
    client = _client("pinpoint-sms-voice-v2")
    with Stubber(client) as stub:
        stub.add_client_error("send_text_message", "ThrottlingException")
        with pytest.raises(NotificationError):
            EndUserMessagingSms(client, "pool-123").send(SMS)


def test_email_goes_through_ses_v2_with_text_and_html_parts() -> None:
    client = _client("sesv2")
    with Stubber(client) as stub:
        stub.add_response(
            "send_email",
            {"MessageId": "email-1"},
            {
                "FromEmailAddress": "payments@example.com",
                "Destination": {"ToAddresses": ["ana.souza@example.com"]},
                "Content": {
                    "Simple": {
                        "Subject": {"Data": "Paid", "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": "Text part", "Charset": "UTF-8"},
                            "Html": {"Data": "<p>x</p>", "Charset": "UTF-8"},
                        },
                    }
                },
                "EmailTags": [{"Name": "idempotencyKey", "Value": "key_2"}],
            },
        )
        assert SesEmail(client, "payments@example.com").send(EMAIL) == "email-1"


def test_legacy_pinpoint_sends_sms_and_reads_the_per_address_verdict() -> None:
    client = _client("pinpoint")
    notifier = PinpointNotifier(client, "app-1", "+13125550199", "payments@example.com")
    with Stubber(client) as stub:
        stub.add_response(
            "send_messages",
            {
                "MessageResponse": {
                    "ApplicationId": "app-1",
                    "Result": {
                        "+13125550142": {
                            "DeliveryStatus": "SUCCESSFUL",
                            "StatusCode": 200,
                            "MessageId": "pp-1",
                        }
                    },
                }
            },
            {
                "ApplicationId": "app-1",
                "MessageRequest": {
                    "Addresses": {"+13125550142": {"ChannelType": "SMS"}},
                    "MessageConfiguration": {
                        "SMSMessage": {
                            "Body": "Your payment was received.",
                            "MessageType": "TRANSACTIONAL",
                            "OriginationNumber": "+13125550199",
                        }
                    },
                    "TraceId": "key#1",
                },
            },
        )
        assert notifier.send(SMS) == "pp-1"


def test_legacy_pinpoint_failed_address_is_a_notification_error() -> None:
    client = _client("pinpoint")
    notifier = PinpointNotifier(client, "app-1", "", "payments@example.com")
    with Stubber(client) as stub:
        stub.add_response(
            "send_messages",
            {
                "MessageResponse": {
                    "ApplicationId": "app-1",
                    "Result": {
                        "ana.souza@example.com": {
                            "DeliveryStatus": "PERMANENT_FAILURE",
                            "StatusCode": 400,
                        }
                    },
                }
            },
        )
        with pytest.raises(NotificationError):
            notifier.send(EMAIL)


def test_notifier_aws_routes_sms_and_email_to_their_adapters(monkeypatch: Any) -> None:
    from ivr import wiring
    from ivr.core import settings

    monkeypatch.setenv("NOTIFIER", "aws")
    settings.settings.cache_clear()
    wiring.notifier.cache_clear()
    try:
        from ivr.adapters.messaging.router import ChannelRouter

        assert isinstance(wiring.notifier(), ChannelRouter)
    finally:
        monkeypatch.setenv("NOTIFIER", "local")
        settings.settings.cache_clear()
        wiring.notifier.cache_clear()


XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</title><svg onload=alert(1)>",
    "{{ 7*7 }}",
    "' onmouseover='alert(1)",
]


def _confirmations(evil: str) -> list[OutgoingMessage]:
    return payment_confirmations(
        payment_id="5f2b9c1e-aaaa-4bbb-8ccc-123456789abc",
        first_name=evil,
        phone="+13125550142",
        email="ana.souza@example.com",
        amount=Money(12050),
        last4="4242",
        at=datetime(2026, 12, 1, 15, 41, tzinfo=UTC),
        timezone="America/Chicago",
    )


@pytest.mark.parametrize("evil", XSS)
def test_html_email_escapes_every_xss_payload(evil: str) -> None:
    email = _confirmations(evil)[1]
    assert email.html is not None
    assert "<script" not in email.html and "<img" not in email.html and "<svg" not in email.html
    assert "onerror=alert" not in email.html.replace("onerror=alert(1)&gt;", "")
    assert "{{" not in email.html or evil == "{{ 7*7 }}"
    assert "49" not in email.html  # no template injection


@pytest.mark.parametrize("evil", XSS)
def test_text_templates_keep_the_payload_verbatim_and_evaluate_nothing(evil: str) -> None:
    sms, email = _confirmations(evil)
    assert evil in sms.text and evil in email.text  # plain text: no HTML entities in an SMS
    assert "&lt;" not in sms.text
    link = portal_link_sms(session_id="s", phone="+13125550142", link=evil, amount=Money(100))
    assert evil in link.text and "49" not in link.text


def test_confirmation_shows_amount_last_four_reference_and_local_time() -> None:
    sms, email = _confirmations("Ana")
    assert "$120.50" in sms.text and "4242" in sms.text and "5F2B9C1E" in sms.text
    assert "9:41 AM CST" in sms.text  # 15:41 UTC in Chicago
    assert email.subject is not None and "5F2B9C1E" in email.subject
    assert email.html is not None and "ending 4242" in email.html

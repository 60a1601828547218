"""The Connect dialer: StartOutboundVoiceContact as botocore's Stubber checks it (moto lacks it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ivr.adapters.connect.dialer import ConnectDialer
from ivr.adapters.local.dialer import LocalDialer
from ivr.callbacks.service import Callback, CallbackStatus, DialError

INSTANCE = "11111111-2222-3333-4444-555555555555"
FLOW = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
QUEUE = "99999999-8888-7777-6666-555555555555"
CALLBACK = Callback(
    callback_id="cb-1",
    phone="+13125550142",
    queue="BasicQueue",
    call_at=datetime(2026, 12, 2, 20, 0, tzinfo=UTC),
    timezone="America/Chicago",
    status=CallbackStatus.DIALLING,
    due_at=datetime(2026, 12, 2, 20, 10, tzinfo=UTC),
)


@pytest.fixture
def connect() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("connect", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def dialer(client: Any) -> ConnectDialer:
    return ConnectDialer(client, instance_id=INSTANCE, contact_flow_id=FLOW, queue_id=QUEUE)


def test_the_call_goes_to_the_outbound_flow_with_the_attempts_token(
    connect: tuple[Any, Stubber],
) -> None:
    client, stubber = connect
    expected = {
        "DestinationPhoneNumber": "+13125550142",
        "ContactFlowId": FLOW,
        "InstanceId": INSTANCE,
        "ClientToken": "cb-1-1",
        "QueueId": QUEUE,
        "Attributes": {
            "callbackId": "cb-1",
            "callbackQueue": "BasicQueue",
            "callbackTimeSpoken": "Wednesday, December 2 at 2 PM",
            "callbackTimezone": "America/Chicago",
            "intent": "RequestCallback",
        },
    }
    stubber.add_response("start_outbound_voice_contact", {"ContactId": "outbound-1"}, expected)
    assert dialer(client).dial(CALLBACK, CALLBACK.client_token) == "outbound-1"


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("ThrottlingException", True),
        ("LimitExceededException", True),
        ("InternalServiceException", True),
        ("DestinationNotAllowedException", False),
        ("InvalidParameterException", False),
        ("OutboundContactNotPermittedException", False),
    ],
)
def test_connect_refusals_say_whether_another_attempt_can_help(
    connect: tuple[Any, Stubber], code: str, retryable: bool
) -> None:
    client, stubber = connect
    stubber.add_client_error("start_outbound_voice_contact", service_error_code=code)
    with pytest.raises(DialError) as refused:
        dialer(client).dial(CALLBACK, "cb-1-1")
    assert (refused.value.reason, refused.value.retryable) == (code, retryable)


def test_a_dialer_without_a_flow_or_a_caller_id_is_a_configuration_error() -> None:
    client = boto3.client("connect", region_name="us-east-1")
    with pytest.raises(ValueError):
        ConnectDialer(client, instance_id=INSTANCE, contact_flow_id="", queue_id=QUEUE)
    with pytest.raises(ValueError):
        ConnectDialer(client, instance_id=INSTANCE, contact_flow_id=FLOW)


def test_the_local_dialer_answers_a_repeated_token_with_the_same_call() -> None:
    local = LocalDialer()
    first = local.dial(CALLBACK, "cb-1-1")
    assert local.dial(CALLBACK, "cb-1-1") == first
    assert local.dial(CALLBACK, "cb-1-2") != first
    assert [call["clientToken"] for call in local.calls()] == ["cb-1-1", "cb-1-2"]

"""The caller-lookup Lambda, fed Amazon Connect's own event shape, against DynamoDB (moto)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest

from tests.conftest import load_event

ANA = {
    "customers": [
        {
            "phone": "+13125550142",
            "name": "Ana Souza",
            "email": "ana@example.com",
            "balance": "120.50",
            "timezone": "America/Chicago",
            "national_id_last4": "4321",
            "postal_code": "60601",
            "open_transaction": {"amount": "45.00", "channel": "portal"},
        },
        {"phone": "+12025550100", "name": "Ben Carter", "balance": "10.00"},
    ]
}


@pytest.fixture
def seeded(aws: None) -> None:
    from simulator.seed import load_given

    load_given(ANA)


def event_from(address: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(load_event("connect/caller_lookup.json"))
    contact = event["Details"]["ContactData"]
    contact["CustomerEndpoint"] = (
        None if address is None else {"Address": address, "Type": "TELEPHONE_NUMBER"}
    )
    return event


def invoke(event: Any, context: Any) -> dict[str, str]:
    import caller_lookup

    result: dict[str, str] = caller_lookup.lambda_handler(event, context)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items()), result
    return result


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every AWS API request made through botocore (PynamoDB's included), by operation name."""
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation_name: str, params: Any) -> Any:
        calls.append(operation_name)
        return original(self, operation_name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    yield calls


def test_known_caller_is_greeted_by_name_with_their_open_payment(
    seeded: None, lambda_context: Any
) -> None:
    result = invoke(load_event("connect/caller_lookup.json"), lambda_context)
    assert result["status"] == "ok"
    assert result["found"] == "true"
    assert result["firstName"] == "Ana"
    assert result["language"] == "en-US"
    assert result["hasOpenTransaction"] == "true"
    assert result["openAmount"] == "45.00"


def test_lookup_with_open_transaction_is_one_dynamodb_round_trip(
    seeded: None, lambda_context: Any, api_calls: list[str]
) -> None:
    result = invoke(event_from("+13125550142"), lambda_context)
    assert result["hasOpenTransaction"] == "true"
    assert api_calls == ["GetItem"]


def test_lookup_with_pending_callback_is_one_dynamodb_round_trip(
    seeded: None, lambda_context: Any, api_calls: list[str]
) -> None:
    from simulator.callbacks import seed_callbacks

    seed_callbacks(
        [
            {
                "id": "cb-greeting",
                "phone": "+12025550100",
                "at": "2026-12-02T15:00:00-06:00",
                "timezone": "America/Chicago",
            }
        ]
    )
    api_calls.clear()
    result = invoke(event_from("+12025550100"), lambda_context)
    assert result["hasPendingCallback"] == "true"
    assert result["pendingCallbackId"] == "cb-greeting"
    assert result["pendingCallbackSpoken"] == "Wednesday, December 2 at 3 PM"
    assert api_calls == ["GetItem"]


def test_caller_without_callback_has_no_pending_callback(seeded: None, lambda_context: Any) -> None:
    result = invoke(event_from("+12025550100"), lambda_context)
    assert result["hasPendingCallback"] == "false"
    assert "pendingCallbackId" not in result


def test_caller_without_open_payment(seeded: None, lambda_context: Any) -> None:
    result = invoke(event_from("+12025550100"), lambda_context)
    assert result["found"] == "true"
    assert result["hasOpenTransaction"] == "false"
    assert "openAmount" not in result


def test_unknown_number_is_not_found(seeded: None, lambda_context: Any) -> None:
    result = invoke(event_from("+442079460999"), lambda_context)
    assert result == {
        "status": "ok",
        "found": "false",
        "reason": "unknown",
        "callerNumber": "+442079460999",
    }


@pytest.mark.parametrize("address", [None, "anonymous", ""])
def test_withheld_number_is_not_found_and_costs_no_read(
    seeded: None, lambda_context: Any, api_calls: list[str], address: str | None
) -> None:
    result = invoke(event_from(address), lambda_context)
    assert result == {"status": "ok", "found": "false", "reason": "withheld"}
    assert api_calls == []


def test_national_format_number_finds_the_customer(seeded: None, lambda_context: Any) -> None:
    result = invoke(event_from("(312) 555-0142"), lambda_context)
    assert result["found"] == "true"
    assert result["callerNumber"] == "+13125550142"


def test_invalid_number_is_reported_not_looked_up(
    seeded: None, lambda_context: Any, api_calls: list[str]
) -> None:
    result = invoke(event_from("+1 555 555 0100"), lambda_context)
    assert result == {"status": "ok", "found": "false", "reason": "invalid"}
    assert api_calls == []


@pytest.mark.parametrize(
    "event",
    [
        None,
        "garbage",
        42,
        [],
        {},
        {"Name": "ContactFlowEvent"},
        {"Name": "ContactFlowEvent", "Details": {"ContactData": "x"}},
        {"Name": "ContactFlowEvent", "Details": {"ContactData": {"ContactId": ""}}},
        {"Name": "SomethingElse", "Details": {"ContactData": {"ContactId": "c"}}},
        {
            "Name": "ContactFlowEvent",
            "Details": {"ContactData": {"ContactId": "c"}, "Parameters": 7},
        },
    ],
)
def test_malformed_events_get_a_well_formed_error_answer(event: Any, lambda_context: Any) -> None:
    result = invoke(event, lambda_context)
    assert result == {"status": "error", "errorCode": "MalformedEvent"}


def test_odd_customer_endpoint_shapes_are_treated_as_withheld(
    seeded: None, lambda_context: Any
) -> None:
    event = event_from("+13125550142")
    event["Details"]["ContactData"]["CustomerEndpoint"] = {"Address": 13125550142}
    assert invoke(event, lambda_context)["reason"] == "withheld"


def test_store_outage_is_an_error_answer_not_an_exception(lambda_context: Any) -> None:
    # No moto here: DynamoDB is unreachable (endpoint pointed at a closed port).
    import os

    from simulator.local_aws import reset_caches

    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:9"
    reset_caches()
    try:
        from ivr.adapters.dynamodb.tables import CustomerItem

        CustomerItem._connection = None
        result = invoke(event_from("+13125550142"), lambda_context)
    finally:
        del os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
        CustomerItem._connection = None
        reset_caches()
    assert result == {"status": "error", "errorCode": "StoreUnavailable"}

"""ivr flows export / diff / promote against Amazon Connect's API model (botocore Stubber)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from deploy.flows import (
    ConnectFlows,
    Instance,
    SourceFlow,
    UnresolvedPlaceholderError,
    promote_between,
    resolve,
    to_placeholders,
)

DEV = "11111111-1111-1111-1111-111111111111"
PROD = "22222222-2222-2222-2222-222222222222"
LOOKUP = "${CallerLookupFunction.Arn}"
DEV_LOOKUP = "arn:aws:lambda:us-east-1:111111111111:function:dev-lookup"
PROD_LOOKUP = "arn:aws:lambda:us-east-1:222222222222:function:prod-lookup"


def flow_content(lambda_ref: str, transfer_to: str | None = None) -> dict[str, Any]:
    actions: list[dict[str, Any]] = [
        {
            "Identifier": "lookup",
            "Type": "InvokeLambdaFunction",
            "Parameters": {"LambdaFunctionARN": lambda_ref, "InvocationTimeLimitSeconds": "8"},
            "Transitions": {
                "NextAction": "next",
                "Errors": [{"ErrorType": "NoMatchingError", "NextAction": "next"}],
            },
        },
    ]
    if transfer_to:
        actions.append(
            {
                "Identifier": "next",
                "Type": "TransferToFlow",
                "Parameters": {"ContactFlowId": transfer_to},
                "Transitions": {"Errors": [{"ErrorType": "NoMatchingError", "NextAction": "end"}]},
            }
        )
    else:
        actions.append({"Identifier": "next", "Type": "DisconnectParticipant", "Parameters": {}})
    return {"Version": "2019-10-30", "StartAction": "lookup", "Actions": actions}


def sources() -> dict[str, SourceFlow]:
    return {
        "inbound": SourceFlow(
            "inbound", "Inbound", "CONTACT_FLOW", flow_content(LOOKUP, "${PaymentFlow.Arn}")
        ),
        "payment": SourceFlow("payment", "Payment", "CONTACT_FLOW", flow_content(LOOKUP)),
    }


def client() -> Any:
    return boto3.client("connect", region_name="us-east-1")


def flow_arn(instance: str, flow_id: str) -> str:
    return f"arn:aws:connect:us-east-1:123456789012:instance/{instance}/contact-flow/{flow_id}"


def summary(instance: str, name: str, flow_id: str) -> dict[str, Any]:
    return {
        "Id": flow_id,
        "Arn": flow_arn(instance, flow_id),
        "Name": name,
        "ContactFlowType": "CONTACT_FLOW",
    }


def module_summary(name: str, module_id: str, arn: str) -> dict[str, Any]:
    return {"Id": module_id, "Arn": arn, "Name": name, "State": "ACTIVE"}


def listing(
    stub: Stubber,
    instance: str,
    flows: list[dict[str, Any]],
    modules: list[dict[str, Any]] | None = None,
) -> None:
    """One look at the instance: its flows, then its flow modules."""
    stub.add_response(
        "list_contact_flows",
        {"ContactFlowSummaryList": flows},
        {"InstanceId": instance, "MaxResults": 100},
    )
    stub.add_response(
        "list_contact_flow_modules",
        {"ContactFlowModulesSummaryList": modules or []},
        {"InstanceId": instance, "MaxResults": 100},
    )


def described(stub: Stubber, instance: str, flow_id: str, content: dict[str, Any]) -> None:
    stub.add_response(
        "describe_contact_flow",
        {"ContactFlow": {"Id": flow_id, "Content": json.dumps(content)}},
        {"InstanceId": instance, "ContactFlowId": flow_id},
    )


def test_unresolved_placeholders_are_named() -> None:
    with pytest.raises(UnresolvedPlaceholderError, match=r"CallerLookupFunction\.Arn"):
        resolve(flow_content(LOOKUP), {})


def test_placeholders_round_trip() -> None:
    mapping = {LOOKUP: DEV_LOOKUP}
    resolved = resolve(flow_content(LOOKUP), mapping)
    assert DEV_LOOKUP in json.dumps(resolved)
    assert to_placeholders(resolved, mapping) == flow_content(LOOKUP)


def test_certificate_placeholder_resolves_to_the_pem_with_its_newlines() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
    capture = {
        "Identifier": "ask-card",
        "Type": "GetParticipantInput",
        "Parameters": {
            "InputEncryption": {
                "EncryptionKeyId": "${InputEncryptionKeyId}",
                "Key": "${InputEncryptionCertificate}",
            }
        },
    }
    content = {**flow_content(LOOKUP), "Actions": [capture]}
    mapping = {
        "${InputEncryptionKeyId}": "a5ecd749-4bd8-4a94-bfde-27eefe4f12b1",
        "${InputEncryptionCertificate}": pem,
        LOOKUP: DEV_LOOKUP,
    }
    resolved = resolve(content, mapping)
    encryption = resolved["Actions"][0]["Parameters"]["InputEncryption"]
    assert encryption == {"EncryptionKeyId": "a5ecd749-4bd8-4a94-bfde-27eefe4f12b1", "Key": pem}
    assert to_placeholders(resolved, mapping) == content


def test_export_writes_flows_with_placeholders_not_arns(tmp_path: Path) -> None:
    connect = client()
    pay_arn = flow_arn(DEV, "pay-1")
    with Stubber(connect) as stub:
        flows = [summary(DEV, "Inbound", "in-1"), summary(DEV, "Payment", "pay-1")]
        listing(stub, DEV, flows)
        listing(stub, DEV, flows)
        described(stub, DEV, "in-1", flow_content(DEV_LOOKUP, pay_arn))
        described(stub, DEV, "pay-1", flow_content(DEV_LOOKUP))
        ConnectFlows(connect, Instance(DEV, "us-east-1", {LOOKUP: DEV_LOOKUP})).export(
            sources(), tmp_path
        )
        stub.assert_no_pending_responses()
    exported = json.loads((tmp_path / "inbound.json").read_text())
    assert exported == flow_content(LOOKUP, "${PaymentFlow.Arn}")
    assert "arn:aws" not in (tmp_path / "inbound.json").read_text()


def test_diff_reports_what_would_change_and_changes_nothing() -> None:
    connect = client()
    with Stubber(connect) as stub:
        listing(stub, DEV, [summary(DEV, "Inbound", "in-1")])
        listing(stub, DEV, [summary(DEV, "Inbound", "in-1")])
        described(
            stub, DEV, "in-1", flow_content("arn:aws:lambda:us-east-1:111111111111:function:old")
        )
        changes = ConnectFlows(connect, Instance(DEV, "us-east-1", {LOOKUP: DEV_LOOKUP})).diff(
            sources()
        )
        stub.assert_no_pending_responses()  # only reads: a write would have no stubbed response
    assert [(c.name, c.action) for c in changes] == [("Inbound", "update"), ("Payment", "create")]


def test_promote_creates_missing_flows_saved_before_publishing_any() -> None:
    connect = client()
    instance = Instance(PROD, "us-east-1", {LOOKUP: PROD_LOOKUP})
    pay_arn = flow_arn(PROD, "pay-9")
    with Stubber(connect) as stub:
        # diff: nothing exists yet
        listing(stub, PROD, [])
        listing(stub, PROD, [])
        for name in ("Inbound", "Payment"):
            stub.add_response(
                "create_contact_flow",
                {"ContactFlowId": f"{name}-id", "ContactFlowArn": flow_arn(PROD, f"{name}-id")},
                {
                    "InstanceId": PROD,
                    "Name": name,
                    "Type": "CONTACT_FLOW",
                    "Description": ANY,
                    "Content": ANY,
                    "Status": "SAVED",
                },
            )
        now = [summary(PROD, "Inbound", "in-9"), summary(PROD, "Payment", "pay-9")]
        listing(stub, PROD, now)  # mapping, with the new flows' ARNs
        listing(stub, PROD, now)
        inbound_resolved = json.dumps(flow_content(PROD_LOOKUP, pay_arn))
        stub.add_response(
            "update_contact_flow_content",
            {},
            {"InstanceId": PROD, "ContactFlowId": "in-9", "Content": inbound_resolved},
        )
        stub.add_response(
            "update_contact_flow_content",
            {},
            {
                "InstanceId": PROD,
                "ContactFlowId": "pay-9",
                "Content": json.dumps(flow_content(PROD_LOOKUP)),
            },
        )
        changes = ConnectFlows(connect, instance).promote(sources())
        stub.assert_no_pending_responses()
    assert [c.action for c in changes] == ["create", "create"]


def test_promote_creates_a_module_with_its_own_api_and_updates_an_existing_one() -> None:
    connect = client()
    instance = Instance(PROD, "us-east-1", {LOOKUP: PROD_LOOKUP})
    module = SourceFlow("authenticate", "Authenticate", "MODULE", flow_content(LOOKUP))
    identify = SourceFlow("identify", "Identify", "MODULE", flow_content(LOOKUP))
    inbound = SourceFlow(
        "inbound", "Inbound", "CONTACT_FLOW", flow_content(LOOKUP, "${AuthenticateFlow.Arn}")
    )
    old_identify = [module_summary("Identify", "id-9", "arn:identify")]
    with Stubber(connect) as stub:
        listing(stub, PROD, [], old_identify)  # diff: only the Identify module exists
        listing(stub, PROD, [], old_identify)
        stub.add_response(
            "describe_contact_flow_module",
            {"ContactFlowModule": {"Id": "id-9", "Content": json.dumps(flow_content("x"))}},
            {"InstanceId": PROD, "ContactFlowModuleId": "id-9"},
        )
        stub.add_response(
            "create_contact_flow",
            {"ContactFlowId": "in-9", "ContactFlowArn": flow_arn(PROD, "in-9")},
            {
                "InstanceId": PROD,
                "Name": "Inbound",
                "Type": "CONTACT_FLOW",
                "Description": ANY,
                "Content": ANY,
                "Status": "SAVED",
            },
        )
        inbound_now = [summary(PROD, "Inbound", "in-9")]
        listing(stub, PROD, inbound_now, old_identify)  # mapping before the modules
        stub.add_response(
            "create_contact_flow_module",
            {"Id": "auth-9", "Arn": "arn:auth"},
            {
                "InstanceId": PROD,
                "Name": "Authenticate",
                "Description": ANY,
                "Content": json.dumps(flow_content(PROD_LOOKUP)),
            },
        )
        modules_now = [module_summary("Authenticate", "auth-9", "arn:auth")]
        listing(stub, PROD, inbound_now, modules_now + old_identify)
        listing(stub, PROD, inbound_now, modules_now + old_identify)
        stub.add_response(
            "update_contact_flow_module_content",
            {},
            {
                "InstanceId": PROD,
                "ContactFlowModuleId": "id-9",
                "Content": json.dumps(flow_content(PROD_LOOKUP)),
            },
        )
        stub.add_response(
            "update_contact_flow_content",
            {},
            {
                "InstanceId": PROD,
                "ContactFlowId": "in-9",
                "Content": json.dumps(flow_content(PROD_LOOKUP, "arn:auth")),
            },
        )
        sources = {"authenticate": module, "identify": identify, "inbound": inbound}
        changes = ConnectFlows(connect, instance).promote(sources)
        stub.assert_no_pending_responses()
    assert [(c.name, c.action) for c in changes] == [
        ("Authenticate", "create"),
        ("Identify", "update"),
        ("Inbound", "create"),
    ]


def test_promote_from_dev_to_prod_swaps_every_arn() -> None:
    dev_client, prod_client = client(), client()
    dev = ConnectFlows(dev_client, Instance(DEV, "us-east-1", {LOOKUP: DEV_LOOKUP}))
    prod = ConnectFlows(prod_client, Instance(PROD, "us-east-1", {LOOKUP: PROD_LOOKUP}))
    only_payment = {"payment": sources()["payment"]}
    with Stubber(dev_client) as dev_stub, Stubber(prod_client) as prod_stub:
        listing(dev_stub, DEV, [summary(DEV, "Payment", "pay-1")])
        listing(dev_stub, DEV, [summary(DEV, "Payment", "pay-1")])
        described(dev_stub, DEV, "pay-1", flow_content(DEV_LOOKUP))
        prod_now = [summary(PROD, "Payment", "pay-9")]
        listing(prod_stub, PROD, prod_now)
        listing(prod_stub, PROD, prod_now)
        described(
            prod_stub,
            PROD,
            "pay-9",
            flow_content("arn:aws:lambda:us-east-1:222222222222:function:stale"),
        )
        listing(prod_stub, PROD, prod_now)
        listing(prod_stub, PROD, prod_now)
        prod_stub.add_response(
            "update_contact_flow_content",
            {},
            {
                "InstanceId": PROD,
                "ContactFlowId": "pay-9",
                "Content": json.dumps(flow_content(PROD_LOOKUP)),
            },
        )
        changes = promote_between(dev, prod, only_payment)
        dev_stub.assert_no_pending_responses()
        prod_stub.assert_no_pending_responses()
    assert [(c.name, c.action) for c in changes] == [("Payment", "update")]

"""template.yaml's GENERATED section: flows and the bot from their sources, all resolved."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from deploy.render import (
    CODE_HOOK_FUNCTION,
    FlowCycleError,
    RenderError,
    connect_flow_type,
    flow_logical_id,
    load_flows,
    render,
    split_template,
)
from deploy.template import load_template
from simulator.paths import CONTACT_FLOWS, LEX_BOTS, TEMPLATE

PSEUDO_PARAMETERS = {
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
}
#: SAM resources become these CloudFormation types (the logical id stays).
SAM_TYPES = {"AWS::Serverless::Function": "AWS::Lambda::Function"}
_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def _attributes(resource_type: str) -> set[str]:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type)
    return set(schema.get_atts)


def test_committed_template_is_rendered_from_the_current_sources() -> None:
    text = TEMPLATE.read_text()
    assert render(text) == text, "template.yaml is stale: run `make render` (deploy/render.py)"


def test_every_flow_file_is_a_flow_resource_with_its_connect_type(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for path in CONTACT_FLOWS.glob("*.json"):
        resource = resources[flow_logical_id(path.stem)]
        metadata = json.loads(path.read_text())["Metadata"]
        assert resource["Properties"]["Name"] == metadata["name"]
        assert resource["Properties"]["InstanceArn"] == {"Ref": "ConnectInstanceArn"}
    assert resources["AuthenticateFlow"]["Type"] == "AWS::Connect::ContactFlowModule"
    assert resources["AgentWhisperFlow"]["Properties"]["Type"] == "AGENT_WHISPER"
    assert resources["PaymentDisconnectFlow"]["Properties"]["Type"] == "CONTACT_FLOW"
    assert resources["InboundFlow"]["Properties"]["Type"] == "CONTACT_FLOW"


def test_rendered_content_is_the_source_flow_with_flow_arns_as_real_attributes(
    template: dict[str, Any],
) -> None:
    flows = load_flows()
    for logical_id, flow in flows.items():
        content = template["Resources"][logical_id]["Properties"]["Content"]["Fn::Sub"]
        assert "Flow.Arn}" not in content, logical_id
        back = re.sub(r"Flow\.ContactFlow(Module)?Arn\}", "Flow.Arn}", content)
        assert json.loads(back) == flow.content, logical_id
    inbound = template["Resources"]["InboundFlow"]["Properties"]["Content"]["Fn::Sub"]
    assert "${AuthenticateFlow.ContactFlowModuleArn}" in inbound
    assert "${PaymentFlow.ContactFlowModuleArn}" in inbound


def test_every_placeholder_of_every_flow_resolves_in_the_template(
    template: dict[str, Any],
) -> None:
    resources, parameters = template["Resources"], template["Parameters"]
    unresolved = []
    for logical_id in load_flows():
        content = resources[logical_id]["Properties"]["Content"]["Fn::Sub"]
        for name in sorted(set(_PLACEHOLDER.findall(content))):
            target, _, attribute = name.partition(".")
            if not attribute:
                ok = target in parameters or target in PSEUDO_PARAMETERS or target in resources
            else:
                resource_type = resources.get(target, {}).get("Type", "")
                resource_type = SAM_TYPES.get(resource_type, resource_type)
                ok = bool(resource_type) and attribute in _attributes(resource_type)
            if not ok:
                unresolved.append(f"{logical_id}: ${{{name}}}")
    assert unresolved == []


def test_flows_that_reference_each_other_in_a_cycle_fail_to_render(tmp_path: Path) -> None:
    source = json.loads((CONTACT_FLOWS / "payment_disconnect.json").read_text())
    for stem, other in (("ping", "PongFlow"), ("pong", "PingFlow")):
        flow = json.loads(json.dumps(source))
        flow["Actions"][0]["Parameters"]["Transfer"] = f"${{{other}.Arn}}"
        (tmp_path / f"{stem}.json").write_text(json.dumps(flow))
    with pytest.raises(FlowCycleError, match=r"ping\.json -> contact_flows/pong\.json"):
        render(TEMPLATE.read_text(), flows_dir=tmp_path)


def test_an_unknown_flow_type_is_refused_by_name() -> None:
    assert connect_flow_type("customerQueue") == "CUSTOMER_QUEUE"
    assert connect_flow_type(None) == "CONTACT_FLOW"
    with pytest.raises(RenderError, match="agentWisper"):
        connect_flow_type("agentWisper")


def test_a_template_without_the_markers_is_refused() -> None:
    with pytest.raises(RenderError, match="markers"):
        split_template("Resources: {}\n")


def test_connect_may_invoke_every_function_a_flow_names(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    associated = {
        r["Properties"]["IntegrationArn"]["Fn::GetAtt"][0]
        for r in resources.values()
        if r["Type"] == "AWS::Connect::IntegrationAssociation"
    }
    permitted = {
        r["Properties"]["FunctionName"]["Ref"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["Principal"] == "connect.amazonaws.com"
    }
    for flow in load_flows().values():
        for reference in flow.references():
            if resources.get(reference, {}).get("Type") == "AWS::Serverless::Function":
                assert reference in associated, f"{reference} is not added to the instance"
                assert reference in permitted, f"{reference} has no Connect invoke permission"
    assert "IvrBotAlias" in associated


def test_bot_deploys_from_its_definition_with_the_code_hook_on_the_alias(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    definition = json.loads((LEX_BOTS / "ivr_bot.json").read_text())
    bot = resources["IvrBot"]["Properties"]
    assert {k: v for k, v in bot.items() if k not in {"Name", "RoleArn"}} == {
        k: v for k, v in definition.items() if k != "Name"
    }
    assert bot["RoleArn"] == {"Fn::GetAtt": ["IvrBotRuntimeRole", "Arn"]}
    alias = resources["IvrBotAlias"]["Properties"]
    version = alias["BotVersion"]["Fn::GetAtt"][0]
    assert resources[version]["Type"] == "AWS::Lex::BotVersion"
    (setting,) = alias["BotAliasLocaleSettings"]
    hook = setting["BotAliasLocaleSetting"]["CodeHookSpecification"]["LambdaCodeHook"]
    assert hook == {
        "CodeHookInterfaceVersion": "1.0",
        "LambdaArn": {"Fn::GetAtt": [CODE_HOOK_FUNCTION, "Arn"]},
    }
    lex_permissions = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["Principal"] == "lexv2.amazonaws.com"
    ]
    assert lex_permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": CODE_HOOK_FUNCTION},
            "Principal": "lexv2.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": ["IvrBotAlias", "Arn"]},
            "SourceAccount": {"Ref": "AWS::AccountId"},
        }
    ]


def test_a_changed_bot_definition_gets_a_new_bot_version(tmp_path: Path) -> None:
    definition = json.loads((LEX_BOTS / "ivr_bot.json").read_text())
    definition["IdleSessionTTLInSeconds"] = 301
    (tmp_path / "ivr_bot.json").write_text(json.dumps(definition))
    text = TEMPLATE.read_text()
    before = set(load_template_text(text)) - set(
        load_template_text(render(text, bots_dir=tmp_path))
    )
    assert any(lid.startswith("IvrBotVersion") for lid in before)


def test_every_function_has_error_and_throttle_alarms(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    alarmed = {
        (r["Properties"]["Dimensions"][0]["Value"]["Ref"], r["Properties"]["MetricName"])
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["Namespace"] == "AWS/Lambda"
    }
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert (logical_id, "Errors") in alarmed and (logical_id, "Throttles") in alarmed


def load_template_text(text: str) -> dict[str, Any]:
    import yaml

    from deploy.template import _CfnLoader

    resources: dict[str, Any] = yaml.load(text, Loader=_CfnLoader)["Resources"]  # noqa: S506
    return resources

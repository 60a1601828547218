"""Least privilege: every IAM statement in template.yaml names its resources and its actions."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from deploy.template import load_template

#: The only actions allowed on Resource "*", each because AWS offers no narrower resource.
STAR_RESOURCE_EXCEPTIONS = {
    # Lex's bot runtime role speaks the bot's prompts; SynthesizeSpeech's only resource type is a
    # lexicon, which the bot does not use (AWS's own AmazonLexV2BotPolicy grants it on "*").
    "polly:SynthesizeSpeech": "no resource-level scope for speech without a lexicon",
    "cloudwatch:PutMetricData": "metric data has no resource ARN (namespace condition only)",
    "xray:PutTraceSegments": "X-Ray trace segments have no resource ARN",
    "xray:PutTelemetryRecords": "X-Ray telemetry has no resource ARN",
}
#: Services whose actions touch customer data: never on "*", whatever the exceptions say.
DATA_SERVICES = {"dynamodb", "sqs", "secretsmanager", "ssm", "s3", "kms", "ses", "sms-voice", "sns"}


def _documents(resource: dict[str, Any]) -> list[Any]:
    """The policy documents of a function, role or policy (anything else as it is written)."""
    properties = resource.get("Properties", {})
    kind = resource["Type"]
    if kind == "AWS::Serverless::Function":
        return list(properties.get("Policies", []))
    if kind == "AWS::IAM::Role":
        inline = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        return inline + list(properties.get("ManagedPolicyArns", []))
    if kind in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
        return [properties["PolicyDocument"]]
    return []


def _statements(template: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for logical_id, resource in template["Resources"].items():
        for document in _documents(resource):
            if not isinstance(document, dict) or "Statement" not in document:
                yield logical_id, {"policy template or managed policy": document}
                continue
            for statement in document["Statement"]:
                yield logical_id, statement


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def least_privilege_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    for logical_id, statement in _statements(template):
        where = f"{logical_id} {statement.get('Sid', '')}".strip()
        if "Resource" not in statement:
            problems.append(f"{where}: no Resource (inline statements that name resources only)")
            continue
        actions = [str(a) for a in _as_list(statement.get("Action", []))]
        if not actions or "NotAction" in statement:
            problems.append(f"{where}: no Action list")
        problems += [f"{where}: wildcard action {a}" for a in actions if "*" in a]
        if "*" in _as_list(statement["Resource"]):
            for action in actions:
                data = action.split(":")[0] in DATA_SERVICES
                if data or action not in STAR_RESOURCE_EXCEPTIONS:
                    problems.append(f'{where}: {action} on Resource "*"')
    return problems


def test_every_statement_names_its_resources_and_actions() -> None:
    assert least_privilege_problems(load_template()) == []


def test_no_exception_covers_a_data_action() -> None:
    assert not {a.split(":")[0] for a in STAR_RESOURCE_EXCEPTIONS} & DATA_SERVICES


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ({"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"}, 'on Resource "*"'),
        ({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": ["*"]}, 'on Resource "*"'),
        ({"Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:aws:s3:::b/*"}, "wildcard"),
        ({"Effect": "Allow", "Action": ["kms:Decrypt"]}, "no Resource"),
    ],
)
def test_a_policy_granting_data_on_everything_is_caught(
    statement: dict[str, Any], problem: str
) -> None:
    template = copy.deepcopy(load_template())
    function = template["Resources"]["CallerLookupFunction"]["Properties"]
    function["Policies"][0]["Statement"].append(statement)
    (found,) = least_privilege_problems(template)
    assert problem in found and found.startswith("CallerLookupFunction")

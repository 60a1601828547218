"""template.yaml: lints clean, transforms offline, and agrees with the PynamoDB models."""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest

from deploy.template import function_handlers, load_template, resources_of_type
from simulator.paths import TEMPLATE


def test_cfn_lint_finds_nothing() -> None:
    from cfnlint.api import lint_file

    matches = lint_file(TEMPLATE)
    assert [str(m) for m in matches] == []


def test_sam_translator_transforms_the_template_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = copy.deepcopy(load_template())
    for resource in resources_of_type("AWS::Serverless::Function", template).values():
        resource["Properties"]["CodeUri"] = "s3://artifacts/ivr.zip"  # what `sam package` writes
    parameters = {
        "ConnectInstanceArn": "arn:aws:connect:us-east-1:123456789012:instance/"
        "11111111-2222-3333-4444-555555555555",
        "AWS::Region": "us-east-1",
        "AWS::AccountId": "123456789012",
        "AWS::StackName": "ivr",
        "AWS::Partition": "aws",
    }
    output = transform(template, parameters, NoManagedPolicies())
    types = {r["Type"] for r in output["Resources"].values()}
    assert "AWS::Lambda::Function" in types
    assert "AWS::Serverless::Function" not in types


def test_every_handler_named_in_the_template_imports() -> None:
    for logical_id, handler in function_handlers().items():
        module_name, function_name = handler.rsplit(".", 1)
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function_name)), logical_id


def _key_schema(attributes: Any) -> list[dict[str, str]]:
    keys = [{"AttributeName": a.attr_name, "KeyType": "HASH"} for a in attributes if a.is_hash_key]
    keys += [
        {"AttributeName": a.attr_name, "KeyType": "RANGE"} for a in attributes if a.is_range_key
    ]
    return keys


def _model_schema(model: Any) -> dict[str, Any]:
    indexes = {
        name: _key_schema(index.Meta.attributes.values()) for name, index in model._indexes.items()
    }
    return {"keys": _key_schema(model.get_attributes().values()), "indexes": indexes}


def test_pynamodb_models_agree_with_the_template_tables() -> None:
    from ivr.adapters.dynamodb.tables import ALL_MODELS

    tables = resources_of_type("AWS::DynamoDB::Table")
    by_name = {model.Meta.table_name: model for model in ALL_MODELS}
    assert set(by_name) == set(tables)
    for logical_id, resource in tables.items():
        props = resource["Properties"]
        model = by_name[logical_id]
        schema = _model_schema(model)
        assert schema["keys"] == props["KeySchema"], logical_id
        declared = {
            gsi["IndexName"]: gsi["KeySchema"] for gsi in props.get("GlobalSecondaryIndexes", [])
        }
        assert schema["indexes"] == declared, logical_id
        ttl_attribute = props.get("TimeToLiveSpecification", {}).get("AttributeName")
        model_ttl = getattr(model, "_ttl_attribute", lambda: None)()
        assert (model_ttl.attr_name if model_ttl else None) == ttl_attribute, logical_id

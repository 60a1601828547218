"""Reads template.yaml with CloudFormation's short-form tags: one reader, deployer and simulator.

The local contact center builds its tables, secrets and queues from what this returns.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"


class _CfnLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that reads !Ref, !GetAtt, !Sub ... as their long forms. libyaml's parser where
    PyYAML has it: the same document, and 0.04 s of CPU instead of 0.3 s for template.yaml, which
    every `ivr` command, stack and call worker reads when it starts."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506
    return data


@cache
def template() -> dict[str, Any]:
    return load_template()


def resources_of_type(resource_type: str, tpl: dict[str, Any] | None = None) -> dict[str, Any]:
    tpl = tpl or template()
    return {
        logical_id: resource
        for logical_id, resource in tpl["Resources"].items()
        if resource["Type"] == resource_type
    }


def global_environment(tpl: dict[str, Any] | None = None) -> dict[str, Any]:
    tpl = tpl or template()
    variables: dict[str, Any] = tpl["Globals"]["Function"]["Environment"]["Variables"]
    return variables


def function_handlers(tpl: dict[str, Any] | None = None) -> dict[str, str]:
    """Logical id -> 'module.function' for every Lambda in the template."""
    return {
        logical_id: resource["Properties"]["Handler"]
        for logical_id, resource in resources_of_type("AWS::Serverless::Function", tpl).items()
    }

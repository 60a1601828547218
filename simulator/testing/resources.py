"""A deployed instance's ARNs, mapped back to this project's resources (deploy/instances/*.json).

A test case written against a deployed instance names its Lambdas, queues, bot and flows by ARN.
The instance file (the one ``ivr flows promote`` uses) maps each ``${Placeholder}`` of the flows
to its ARN there; the reverse map turns a test case's ARN back into the placeholder the local
flows use. An ARN the file does not name still matches a function whose logical id appears in
it: SAM names functions ``<stack>-<LogicalId>-<suffix>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from deploy.flows import Instance
from deploy.template import function_handlers
from simulator.lambda_service import function_id
from simulator.paths import ROOT

INSTANCES = ROOT / "deploy" / "instances"
DEFAULT_INSTANCE = "example"


def instance_file(name_or_path: str) -> Path:
    """``example`` -> deploy/instances/example.json; a path is taken as it is."""
    path = Path(name_or_path)
    if path.suffix == ".json":
        return path
    return INSTANCES / f"{name_or_path}.json"


@dataclass
class ResourceMap:
    """ARN -> placeholder, and a resource's comparable local name."""

    placeholders: dict[str, str] = field(default_factory=dict)  # ARN -> ${Placeholder}
    instance_id: str = ""
    region: str = ""

    @classmethod
    def load(cls, name_or_path: str = DEFAULT_INSTANCE) -> ResourceMap:
        path = instance_file(name_or_path)
        if not path.exists():
            raise FileNotFoundError(f"no instance file {path}")
        instance = Instance.load(path)
        reverse = {arn: placeholder for placeholder, arn in instance.placeholders.items()}
        return cls(reverse, instance.instance_id, instance.region)

    def local(self, reference: str) -> str:
        """A resource as the local flows name it: a function's logical id, else the placeholder
        (``${BasicQueueArn}``), else the reference as written."""
        reference = reference.strip()
        placeholder = self.placeholders.get(reference, reference)
        logical_id = function_id(placeholder)
        functions = function_handlers()
        if logical_id in functions:
            return logical_id
        if ":function:" in reference:
            name = reference.split(":function:", 1)[1].split(":", 1)[0]
            for candidate in sorted(functions, key=len, reverse=True):
                if f"-{candidate}-" in f"-{name}-":
                    return candidate
        return placeholder

    def same(self, expected: str, actual: str) -> bool:
        return self.local(expected) == self.local(actual)

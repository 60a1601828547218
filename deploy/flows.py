"""Contact flows between contact_flows/ and Amazon Connect instances: export, diff, promote.

Flows in the repository name every instance-specific thing with a placeholder (Fn::Sub syntax:
``${CallerLookupFunction.Arn}``, ``${BasicQueueArn}``, ``${PaymentFlow.Arn}``). An instance file
maps those placeholders to that instance's ARNs, so one source deploys to dev and to prod:

* ``export`` pulls an instance's flows and turns its ARNs back into placeholders;
* ``diff`` says, without changing anything, which flows a promotion would create or change;
* ``promote`` creates missing flows first as SAVED (Connect does not validate SAVED content, so
  flows that reference each other can all exist before any is published), then writes every
  flow's content with the placeholders resolved, which publishes and validates it.

Each flow's Connect name is its ``Metadata.name`` (or the file stem) and a flow file
``foo_bar.json`` is ``${FooBarFlow.Arn}`` to the others, as for the local contact center.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from deploy.render import MODULE, connect_flow_type

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+(?:\.Arn)?)\}")
#: The smallest valid flow: what a new flow holds between its creation and its real content.
_EMPTY_FLOW = {
    "Version": "2019-10-30",
    "StartAction": "end",
    "Metadata": {},
    "Actions": [
        {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
    ],
}


class UnresolvedPlaceholderError(ValueError):
    """A flow names something the instance file does not map."""


def flow_placeholder(stem: str) -> str:
    pascal = "".join(part.capitalize() for part in stem.replace("-", "_").split("_"))
    return f"${{{pascal}Flow.Arn}}"


@dataclass(frozen=True)
class SourceFlow:
    stem: str
    name: str  # the flow's name in Connect
    flow_type: str  # CONTACT_FLOW, CUSTOMER_QUEUE, AGENT_WHISPER, ...
    content: dict[str, Any]  # with placeholders

    @classmethod
    def load(cls, path: Path) -> SourceFlow:
        content = json.loads(path.read_text())
        metadata = content.get("Metadata") or {}
        return cls(
            stem=path.stem,
            name=str(metadata.get("name") or path.stem),
            # Connect's export writes e.g. "agentWhisper"; the API wants AGENT_WHISPER.
            flow_type=connect_flow_type(metadata.get("type")),
            content=content,
        )


def load_sources(directory: Path) -> dict[str, SourceFlow]:
    return {path.stem: SourceFlow.load(path) for path in sorted(directory.glob("*.json"))}


def canonical(content: Mapping[str, Any]) -> str:
    """Flow JSON as Connect compares it: key order and whitespace do not matter."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


def resolve(content: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """Replace every ``${...}`` with its ARN; UnresolvedPlaceholderError lists what is missing."""
    text = json.dumps(content)
    missing = sorted({m for m in _PLACEHOLDER.findall(text) if f"${{{m}}}" not in mapping})
    if missing:
        raise UnresolvedPlaceholderError(f"no ARN for {', '.join(missing)}")
    # Values are escaped for the JSON text they go into: a certificate (InputEncryption.Key) is
    # PEM, with newlines.
    resolved = _PLACEHOLDER.sub(lambda m: json.dumps(mapping[m.group(0)])[1:-1], text)
    result: dict[str, Any] = json.loads(resolved)
    return result


def to_placeholders(content: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """The reverse of resolve: known ARNs become their placeholders (longest ARN first)."""
    text = json.dumps(content)
    for placeholder, arn in sorted(mapping.items(), key=lambda item: -len(item[1])):
        text = text.replace(json.dumps(arn)[1:-1], placeholder)
    result: dict[str, Any] = json.loads(text)
    return result


@dataclass
class Instance:
    """One Amazon Connect instance: its id, region and the placeholders' ARNs there."""

    instance_id: str
    region: str
    placeholders: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Instance:
        data = json.loads(path.read_text())
        placeholders = {str(k): str(v) for k, v in data.get("placeholders", {}).items()}
        return cls(str(data["instance_id"]), str(data["region"]), placeholders)


@dataclass(frozen=True)
class FlowChange:
    name: str
    action: str  # create | update | unchanged
    flow_id: str | None = None


class ConnectFlows:
    """The flows of one instance, through a boto3 ``connect`` client."""

    def __init__(self, client: Any, instance: Instance) -> None:
        self.client = client
        self.instance = instance

    def existing(self) -> dict[str, dict[str, Any]]:
        """Flows and flow modules by name (Id, Arn, ...; ``Kind`` flow or module), every page."""
        found: dict[str, dict[str, Any]] = {}
        for summary in self._pages("list_contact_flows", "ContactFlowSummaryList"):
            found[summary["Name"]] = {**summary, "Kind": "flow"}
        for summary in self._pages("list_contact_flow_modules", "ContactFlowModulesSummaryList"):
            found[summary["Name"]] = {**summary, "Kind": "module"}
        return found

    def _pages(self, operation: str, key: str) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {"InstanceId": self.instance.instance_id, "MaxResults": 100}
        while True:
            page = getattr(self.client, operation)(**kwargs)
            yield from page.get(key, [])
            token = page.get("NextToken")
            if not token:
                return
            kwargs["NextToken"] = token

    def mapping(self, sources: Mapping[str, SourceFlow]) -> dict[str, str]:
        """Placeholders to ARNs: the instance file's, plus the flows that exist on the instance."""
        existing = self.existing()
        mapping = dict(self.instance.placeholders)
        for stem, source in sources.items():
            if source.name in existing:
                mapping[flow_placeholder(stem)] = existing[source.name]["Arn"]
        return mapping

    def content(self, summary: Mapping[str, Any]) -> dict[str, Any]:
        """The flow's (or module's) content as the instance holds it."""
        instance_id = self.instance.instance_id
        if summary.get("Kind") == "module":
            described = self.client.describe_contact_flow_module(
                InstanceId=instance_id, ContactFlowModuleId=summary["Id"]
            )["ContactFlowModule"]
        else:
            described = self.client.describe_contact_flow(
                InstanceId=instance_id, ContactFlowId=summary["Id"]
            )["ContactFlow"]
        content: dict[str, Any] = json.loads(described["Content"])
        return content

    def export(self, sources: Mapping[str, SourceFlow], directory: Path) -> list[Path]:
        """Write the instance's version of each known flow, ARNs turned into placeholders."""
        existing = self.existing()
        mapping = self.mapping(sources)
        written = []
        for stem, source in sources.items():
            if source.name not in existing:
                continue
            content = to_placeholders(self.content(existing[source.name]), mapping)
            path = directory / f"{stem}.json"
            path.write_text(json.dumps(content, indent=2) + "\n")
            written.append(path)
        return written

    def diff(self, sources: Mapping[str, SourceFlow]) -> list[FlowChange]:
        """What promote would do; changes nothing."""
        existing = self.existing()
        mapping = self.mapping(sources)
        changes = []
        for source in sources.values():
            summary = existing.get(source.name)
            if summary is None:
                changes.append(FlowChange(source.name, "create"))
                continue
            # Flows to be created have no ARN yet; compare with placeholders on both sides.
            current = to_placeholders(self.content(summary), mapping)
            same = canonical(current) == canonical(source.content)
            changes.append(
                FlowChange(source.name, "unchanged" if same else "update", summary["Id"])
            )
        return changes

    def promote(self, sources: Mapping[str, SourceFlow]) -> list[FlowChange]:
        """Create missing flows (SAVED) and modules, then write every changed one's content.

        Connect does not validate SAVED flows, so flows that name each other can all exist
        before any is published. Modules have no SAVED state: they are created with their
        resolved content once the flows exist (a module naming another new module fails).
        """
        planned = self.diff(sources)
        by_name = {source.name: source for source in sources.values()}
        creating = [by_name[c.name] for c in planned if c.action == "create"]
        for source in creating:
            if source.flow_type != MODULE:
                self.client.create_contact_flow(
                    InstanceId=self.instance.instance_id,
                    Name=source.name,
                    Type=source.flow_type,
                    Description=f"contact_flows/{source.stem}.json",
                    Content=json.dumps(_EMPTY_FLOW),
                    Status="SAVED",
                )
        modules = [source for source in creating if source.flow_type == MODULE]
        if modules:
            mapping = self.mapping(sources)  # now with the new flows' ARNs
            for source in modules:
                self.client.create_contact_flow_module(
                    InstanceId=self.instance.instance_id,
                    Name=source.name,
                    Description=f"contact_flows/{source.stem}.json",
                    Content=json.dumps(resolve(source.content, mapping)),
                )
        mapping = self.mapping(sources)
        existing = self.existing()
        for change in planned:
            source = by_name[change.name]
            if change.action == "unchanged" or (
                change.action == "create" and source.flow_type == MODULE
            ):
                continue
            self._write_content(existing[source.name], resolve(source.content, mapping))
        return planned

    def _write_content(self, summary: Mapping[str, Any], content: dict[str, Any]) -> None:
        """Publish new content: Connect validates it here."""
        if summary.get("Kind") == "module":
            self.client.update_contact_flow_module_content(
                InstanceId=self.instance.instance_id,
                ContactFlowModuleId=summary["Id"],
                Content=json.dumps(content),
            )
        else:
            self.client.update_contact_flow_content(
                InstanceId=self.instance.instance_id,
                ContactFlowId=summary["Id"],
                Content=json.dumps(content),
            )


def promote_between(
    source: ConnectFlows, target: ConnectFlows, sources: Mapping[str, SourceFlow]
) -> list[FlowChange]:
    """Copy the flows as they are on ``source`` (say dev) to ``target`` (say prod), each
    instance's ARNs swapped through the placeholders: no dev ARN can leak into prod."""
    existing = source.existing()
    mapping = source.mapping(sources)
    pulled = {
        stem: replace(flow, content=to_placeholders(source.content(existing[flow.name]), mapping))
        for stem, flow in sources.items()
        if flow.name in existing
    }
    return target.promote(pulled)

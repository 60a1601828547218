"""`ivr flows export | diff | promote`: the Connect side of a deployment, from the terminal."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from deploy.flows import ConnectFlows, Instance, load_sources, promote_between

CONTACT_FLOWS = Path(__file__).resolve().parent.parent / "contact_flows"


def _flows(instance_file: Path) -> ConnectFlows:
    import boto3

    instance = Instance.load(instance_file)
    return ConnectFlows(boto3.client("connect", region_name=instance.region), instance)


def _cmd_export(args: argparse.Namespace) -> int:
    written = _flows(args.instance).export(load_sources(args.dir), args.dir)
    for path in written:
        print(f"exported {path}")
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    changes = _flows(args.instance).diff(load_sources(args.dir))
    for change in changes:
        print(f"{change.action:>9}  {change.name}")
    return 0


def _cmd_promote(args: argparse.Namespace) -> int:
    sources = load_sources(args.dir)
    target = _flows(args.to)
    if args.source:
        changes = promote_between(_flows(args.source), target, sources)
    else:
        changes = target.promote(sources)
    for change in changes:
        print(f"{change.action:>9}  {change.name}")
    return 0


def add_commands(flow_commands: Any) -> None:
    """Add export/diff/promote under `ivr flows`."""
    export = flow_commands.add_parser("export", help="pull flows from an instance, as placeholders")
    export.add_argument(
        "--instance", type=Path, required=True, help="deploy/instances/<stage>.json"
    )
    export.add_argument("--dir", type=Path, default=CONTACT_FLOWS)
    export.set_defaults(func=_cmd_export)

    diff = flow_commands.add_parser("diff", help="what a promotion would change (dry run)")
    diff.add_argument("--instance", type=Path, required=True)
    diff.add_argument("--dir", type=Path, default=CONTACT_FLOWS)
    diff.set_defaults(func=_cmd_diff)

    promote = flow_commands.add_parser("promote", help="create and publish flows on an instance")
    promote.add_argument("--to", type=Path, required=True, help="target instance file")
    promote.add_argument(
        "--from", dest="source", type=Path, help="copy the flows from this instance instead"
    )
    promote.add_argument("--dir", type=Path, default=CONTACT_FLOWS)
    promote.set_defaults(func=_cmd_promote)

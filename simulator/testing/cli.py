"""`ivr call --scenario` options and the `ivr tests` commands (simulator/cli.py registers them)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simulator.testing.resources import DEFAULT_INSTANCE


def add_call_options(call: argparse.ArgumentParser) -> None:
    """--jobs, --junit, --start, --instance; a test case reads ``--given FILE`` (registered with
    the --flow options, simulator/flow_cli.py) as a scenario's given: block."""
    call.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="run the calls across N worker processes, each restoring a table snapshot "
        "between calls (prints calls per second)",
    )
    call.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    call.add_argument(
        "--start",
        type=Path,
        metavar="REQUEST.json",
        help="a Connect test case's CreateTestCase fields (EntryPoint, InitializationData)",
    )
    call.add_argument(
        "--instance",
        default=DEFAULT_INSTANCE,
        help="deploy/instances/NAME.json mapping a test case's ARNs (default: example)",
    )


def run_scenarios(args: argparse.Namespace) -> int:
    from simulator.testing.batch import RunOptions, run_command

    if args.jobs is not None and args.jobs < 1:
        raise SystemExit("--jobs must be 1 or more")
    given = getattr(args, "given", None)
    options = RunOptions(start=args.start, given=given, instance=args.instance)
    return run_command(
        list(args.scenario), as_json=args.json, jobs=args.jobs, junit=args.junit, options=options
    )


def add_tests_command(commands: Any) -> None:
    tests = commands.add_parser("tests", help="Amazon Connect test cases: export and push")
    test_commands = tests.add_subparsers(dest="tests_command", required=True)
    export = test_commands.add_parser(
        "export", help="write YAML scenarios as Connect test cases (+ CreateTestCase requests)"
    )
    export.add_argument("scenario", type=Path, nargs="+", help="scenario files or directories")
    export.add_argument("--out", type=Path, required=True, help="directory to write them to")
    export.set_defaults(func=_cmd_export)
    push = test_commands.add_parser(
        "push", help="create or update exported test cases in an instance and start them"
    )
    push.add_argument("directory", type=Path, help="a directory `ivr tests export` wrote")
    push.add_argument("--instance", required=True, help="deploy/instances/NAME.json (or a path)")
    push.add_argument("--no-start", action="store_true", help="create/update only")
    push.set_defaults(func=_cmd_push)


def _cmd_export(args: argparse.Namespace) -> int:
    from simulator.testing.export import export_command

    return export_command(args.scenario, args.out)


def _cmd_push(args: argparse.Namespace) -> int:
    from simulator.testing.push import push_command

    return push_command(args.directory, args.instance, start=not args.no_start)

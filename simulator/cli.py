"""The `ivr` command: the local contact center from a terminal."""

from __future__ import annotations

import argparse
import sys
import threading
import uuid
from typing import Any

from simulator.paths import use_lambda_path

DEFAULT_PORT = 8765


def connect_event(customer_number: str | None, contact_id: str | None = None) -> dict[str, Any]:
    """A ContactFlowEvent for an inbound voice call, as Connect sends it to a Lambda."""
    contact_id = contact_id or str(uuid.uuid4())
    endpoint = {"Address": customer_number, "Type": "TELEPHONE_NUMBER"} if customer_number else None
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": {},
                "Channel": "VOICE",
                "ContactId": contact_id,
                "CustomerEndpoint": endpoint,
                "InitialContactId": contact_id,
                "InitiationMethod": "INBOUND",
                "InstanceARN": "arn:aws:connect:us-east-1:000000000000:instance/local",
                "PreviousContactId": contact_id,
                "Queue": None,
                "SystemEndpoint": {"Address": "+13125550199", "Type": "TELEPHONE_NUMBER"},
                "MediaStreams": {},
            },
            "Parameters": {},
        },
    }


def greeting_for(customer_number: str | None) -> str:
    """What the IVR says first to this caller, from the real caller-lookup handler."""
    import caller_lookup

    from simulator.context import lambda_context

    result = caller_lookup.lambda_handler(
        connect_event(customer_number), lambda_context("CallerLookupFunction")
    )
    if result.get("status") != "ok":
        return "Welcome. We are having trouble finding your details; let me help you anyway."
    if result.get("found") != "true":
        return "Welcome to the service line."
    text = f"Hello {result['firstName']}, welcome back."
    if result.get("hasOpenTransaction") == "true":
        text += f" You have a payment of {result['openAmountSpoken']} in progress. Continue it?"
    return text


def start_local_stack(port: int) -> Any:
    """Embedded DynamoDB (moto server) on 127.0.0.1:port with the tables and sample data."""
    import boto3

    from simulator.local_aws import apply_environment, create_resources, start_server
    from simulator.seed import load_given, sample_data

    server = start_server(port)
    endpoint = f"http://127.0.0.1:{port}"
    apply_environment(endpoint)
    use_lambda_path()
    create_resources(boto3.session.Session())
    phones = load_given(sample_data())
    print(f"Local DynamoDB (moto server) on {endpoint}; sample callers: {', '.join(phones)}")
    return server


def _cmd_run(args: argparse.Namespace) -> int:
    server = start_local_stack(args.port)
    try:
        from simulator.seed import sample_data

        caller = str(sample_data()["customers"][0]["phone"])
        print(f"Call from {caller}:")
        print(f"  IVR: {greeting_for(caller)}")
        print("The local contact center is up. Press Ctrl-C to stop.")
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopping.")
    finally:
        server.stop()
    return 0


def _cmd_lookup(args: argparse.Namespace) -> int:
    server = start_local_stack(args.port)
    try:
        print(f"  IVR: {greeting_for(args.caller)}")
    finally:
        server.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ivr", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the local contact center")
    run.add_argument("--port", type=int, default=DEFAULT_PORT, help="embedded DynamoDB port")
    run.set_defaults(func=_cmd_run)
    lookup = commands.add_parser("lookup", help="greet one caller through the real lookup")
    lookup.add_argument("caller", help="the caller's number, in any format")
    lookup.add_argument("--port", type=int, default=DEFAULT_PORT)
    lookup.set_defaults(func=_cmd_lookup)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

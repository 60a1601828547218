"""The `ivr` command: the local contact center from a terminal."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.customers_cli import register as register_customer_commands
from simulator.paths import use_lambda_path

DEFAULT_PORT = 8765
DEFAULT_WEB_PORT = 8080


def greeting_for(customer_number: str | None) -> list[str]:
    """What the IVR says to this caller up to its first question (the caller then hangs up)."""
    from simulator.call import CallSetup, place_call
    from simulator.people import ScriptedCaller

    setup = CallSetup(customer_number, datetime.now().astimezone())
    record = place_call(setup, ScriptedCaller.from_steps([]))
    return record.prompts


def interactive_call(caller_number: str | None, voice: str = "authenticated") -> int:
    from simulator.call import CallSetup, place_call
    from simulator.people import TerminalCaller

    print(f"Calling the main line from {caller_number or 'a withheld number'}.")
    print(
        "Type words to speak; keys as they are (1 at a menu, 8765# for a longer answer); "
        "an empty line to stay silent; /hangup."
    )
    print(f"Your voice, as the voice-biometrics provider will judge it: {voice}.")
    setup = CallSetup(caller_number, datetime.now().astimezone(), voice=voice)
    record = place_call(setup, TerminalCaller(read=_input_showing_texts()))
    print(f"-- call ended: {record.ended}")
    for error in record.errors:
        print(f"-- error: {error}")
    return 0 if record.ended != "error" else 1


def _input_showing_texts() -> Callable[[str], str]:
    """input(), after showing the text messages the call sent since the last prompt: the
    caller's phone, so a person can type the one-time code the IVR texted them."""
    from ivr import wiring

    seen = len(wiring.local_outbox().messages())

    def read(prompt: str) -> str:
        nonlocal seen
        messages = wiring.local_outbox().messages()
        for message in messages[seen:]:
            if message.get("channel") == "sms":
                print(f"[text message to {message['to']}] {message['text']}")
        seen = len(messages)
        return input(prompt)

    return read


def _cmd_run(args: argparse.Namespace) -> int:
    """The local contact center: DynamoDB, then the web phone, portal and agent dashboard on
    127.0.0.1; with --terminal, a call in this terminal as well."""
    import threading

    from simulator.local_stack import start_local_stack
    from simulator.running_stack import (
        WEB_MOVER,
        remove_marker,
        require_apart,
        require_free,
        running_stack,
        write_marker,
    )
    from simulator.seed import sample_data
    from simulator.web.run import banner, next_steps, start_web

    already = running_stack(args.port)
    if already is not None:
        print(
            f"error: the local contact center already runs on port {args.port} "
            f"({already.web_url}/phone); use it, or start another with --port "
            "(make: DYNAMODB_PORT=...) and --web-port (make: WEB_PORT=...)",
            file=sys.stderr,
        )
        return 2
    require_apart(args.port, args.web_port)
    for web_port in (args.web_port, args.web_port + 1) if args.web_port else ():
        require_free(web_port, "web phone, portal and agent dashboard", WEB_MOVER)
    server = start_local_stack(args.port, verbose=args.verbose, keep=args.keep)
    caller = args.caller or str(sample_data()["customers"][0]["phone"])
    # A first call through the real flow and handlers against the HTTP DynamoDB: proof the stack
    # answers before anyone picks up the web phone.
    print(f"A call from {caller}:", flush=True)
    for prompt in greeting_for(caller):
        print(f"  IVR: {prompt}", flush=True)
    web = start_web(args.web_port, time_scale=args.time_scale)
    write_marker(args.port, web.url, os.environ["LOCAL_OUTBOX_PATH"])
    for line in banner(web) + next_steps(web, keep=args.keep):
        print(line, flush=True)
    _stop_on_signals()
    try:
        if not args.terminal:
            print("Press Ctrl-C to stop.", flush=True)
            threading.Event().wait()
        while True:
            interactive_call(caller, args.voice)
            again = input("Call again? [Enter = yes, q = quit] ").strip().lower()
            if again.startswith("q"):
                break
    except (KeyboardInterrupt, EOFError):
        print("\nStopping the local contact center.")
    finally:
        remove_marker(args.port)
        web.stop()
        _keep_state(args.port, args.keep)
        server.stop()
    return 0


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM stop the contact center cleanly. A shell starts a background job with
    SIGINT ignored, and Python then installs no KeyboardInterrupt for it: `make run &` would
    otherwise never stop on Ctrl-C, and a `kill` would leave the marker and the tables behind."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def _keep_state(port: int, keep: bool) -> None:
    if not keep:
        return
    import boto3

    from simulator.kept_state import save_state
    from simulator.running_stack import state_path

    count = save_state(boto3.session.Session(), state_path(port))
    print(f"Kept {count} item(s) in {state_path(port)} for the next `make run KEEP=1`.")


def _stack_for(args: argparse.Namespace) -> Any:
    """The running `make run` stack on --port (attached: None), else a stack of this command's own
    (its moto server, to stop at the end)."""
    from simulator.cli_output import route_handler_logs
    from simulator.local_stack import start_local_stack
    from simulator.running_stack import attach, attach_or_require_free

    running = attach_or_require_free(args.port)
    if running is None:
        return start_local_stack(args.port, verbose=args.verbose)
    attach(running)
    route_handler_logs(args.verbose)
    print(f"Using the local contact center running on port {args.port} ({running.web_url}).")
    return None


def _cmd_lookup(args: argparse.Namespace) -> int:
    server = _stack_for(args)
    try:
        for prompt in greeting_for(args.caller):
            print(f"  IVR: {prompt}")
    finally:
        if server is not None:
            server.stop()
    return 0


def _cmd_call(args: argparse.Namespace) -> int:
    if args.flow:
        from simulator.cli_output import route_handler_logs
        from simulator.flow_runner import call_command, flow_call

        route_handler_logs(args.verbose)  # stdout is the call's, or its one JSON document
        return call_command(flow_call(args), as_json=args.json)
    if args.scenario:
        from simulator.cli_output import route_handler_logs
        from simulator.testing.cli import run_scenarios

        route_handler_logs(args.verbose)  # stdout holds the calls (with --json: JSON only)
        return run_scenarios(args)
    from simulator.running_stack import WEB_MOVER, port_taken, require_apart, require_free

    server = _stack_for(args)
    web = None
    if server is not None:
        # The link the IVR texts opens on this command's own portal.
        from simulator.web.run import start_web

        web_port = args.web_port
        if web_port is None:  # not chosen: the usual port, else any free one
            web_port = DEFAULT_WEB_PORT
            if port_taken(web_port) or port_taken(web_port + 1):
                web_port = 0
        require_apart(args.port, web_port)
        for taken in (web_port, web_port + 1) if web_port else ():
            require_free(taken, "payment portal", WEB_MOVER)
        web = start_web(web_port)
        print(f"Payment portal for the links the IVR texts: {web.url}/pay/...")
    try:
        return interactive_call(args.caller, args.voice)
    except (KeyboardInterrupt, EOFError):
        print("\nHung up.")
        return 0
    finally:
        if web is not None:
            web.stop()
        if server is not None:
            server.stop()


def _cmd_flows_lint(args: argparse.Namespace) -> int:
    from simulator.flow_runner import lint_command

    return lint_command(args.paths)


def _cmd_flows_actions(args: argparse.Namespace) -> int:
    from simulator.flow_runner import actions_command

    return actions_command()


def _cmd_callbacks_sweep(args: argparse.Namespace) -> int:
    from simulator.callbacks import sweep_command

    return sweep_command(args.at, args.port, verbose=args.verbose)


def _verbose_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose", action="store_true", help="the handlers' JSON logs, on stderr (default: off)"
    )


def _voice_option(parser: argparse.ArgumentParser) -> None:
    from simulator.voice import VOICE_OUTCOMES

    parser.add_argument(
        "--voice",
        choices=VOICE_OUTCOMES,
        default="authenticated",
        help="what voice authentication concludes in this call (default: authenticated)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ivr", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="start the local contact center (web phone, portal, agent)"
    )
    run.add_argument("--port", type=int, default=DEFAULT_PORT, help="embedded DynamoDB port")
    run.add_argument(
        "--web-port", type=int, default=DEFAULT_WEB_PORT, help="web server port (0: any free one)"
    )
    run.add_argument("--terminal", action="store_true", help="also place a call in this terminal")
    run.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="real seconds per second of the IVR's time limits on the web phone (tests: < 1)",
    )
    run.add_argument("--from", dest="caller", help="terminal caller's number (default: a sample)")
    run.add_argument(
        "--keep", action="store_true", help="keep the tables of the last --keep run (make: KEEP=1)"
    )
    _voice_option(run)
    _verbose_option(run)
    run.set_defaults(func=_cmd_run)

    call = commands.add_parser("call", help="a scripted (--scenario) or interactive (--from) call")
    call.add_argument("--scenario", type=Path, nargs="+", help="scenario YAML file(s)")
    call.add_argument(
        "--json",
        action="store_true",
        help="stdout: each call's record as one JSON document (several scenarios: JSON Lines)",
    )
    from simulator.testing.cli import add_call_options, add_tests_command

    add_call_options(call)
    call.add_argument("--from", dest="caller", help="caller number for an interactive call")
    _voice_option(call)
    call.add_argument("--port", type=int, default=DEFAULT_PORT, help="embedded DynamoDB port")
    call.add_argument(
        "--web-port",
        type=int,
        default=None,
        help=f"portal port when no `ivr run` is up (default {DEFAULT_WEB_PORT}, else a free one)",
    )
    _verbose_option(call)
    from simulator.flow_cli import add_flow_call_options

    add_flow_call_options(call)
    call.set_defaults(func=_cmd_call)

    lookup = commands.add_parser("lookup", help="greet one caller through the inbound flow")
    lookup.add_argument("caller", help="the caller's number, in any format")
    lookup.add_argument("--port", type=int, default=DEFAULT_PORT, help="embedded DynamoDB port")
    _verbose_option(lookup)
    lookup.set_defaults(func=_cmd_lookup)

    callbacks = commands.add_parser("callbacks", help="scheduled callbacks in the local stack")
    callback_commands = callbacks.add_subparsers(dest="callbacks_command", required=True)
    sweep = callback_commands.add_parser("sweep", help="run the sweeper on the virtual clock")
    sweep.add_argument("--at", required=True, help="the time the sweep runs, with a UTC offset")
    sweep.add_argument("--port", type=int, default=DEFAULT_PORT, help="embedded DynamoDB port")
    _verbose_option(sweep)
    sweep.set_defaults(func=_cmd_callbacks_sweep)

    register_customer_commands(commands, DEFAULT_PORT)

    flows = commands.add_parser("flows", help="contact flow tools")
    flow_commands = flows.add_subparsers(dest="flows_command", required=True)
    lint = flow_commands.add_parser("lint", help="check contact_flows/, or the flows named")
    lint.add_argument("paths", nargs="*", type=Path, help="flow files or directories")
    lint.set_defaults(func=_cmd_flows_lint)
    actions = flow_commands.add_parser("actions", help="the action types the simulator runs")
    actions.set_defaults(func=_cmd_flows_actions)
    from deploy.cli import add_commands

    add_commands(flow_commands)

    add_tests_command(commands)

    render = commands.add_parser(
        "render", help="render contact_flows/ and lex_bots/ into template.yaml (deploy/render.py)"
    )
    render.add_argument("--check", action="store_true", help="exit 1 if template.yaml is stale")
    render.set_defaults(func=_cmd_render)
    return parser


def _cmd_render(args: argparse.Namespace) -> int:
    from deploy.render import main as render_main

    return render_main(["--check"] if args.check else [])


def main(argv: list[str] | None = None) -> int:
    use_lambda_path()  # the one place the local contact center puts lambdas/ on sys.path
    from simulator.running_stack import PortBusyError

    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except PortBusyError as busy:  # expected: one line, no traceback
        print(busy, file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())

"""``ivr customers``: operators' tools for the customer table, through the same code the import
function runs — against the running local stack (``--port``) or a deployed stack (``--stack``).

    ivr customers import FILE [--dry-run]   load a CSV / JSON Lines file, report rejected rows
    ivr customers show PHONE                what the IVR knows of a caller (never a hash or answer)
    ivr customers unlock PHONE              lift a keypad lock (logged)
    ivr customers delete PHONE              delete the customer (a tombstone; payments are kept)
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

#: Resources a deployed stack names for itself; the CLI reads their physical names from it.
_STACK_RESOURCES = {
    "CUSTOMERS_TABLE": "CustomersTable",
    "AUTHENTICATION_TABLE": "AuthenticationTable",
    "TRANSACTIONS_TABLE": "TransactionsTable",
    "ACTIVITY_TABLE": "ActivityTable",
    "PEPPER_SECRET_ID": "PepperSecret",
}


class CommandError(Exception):
    """An expected failure: one line for the operator, a non-zero exit."""


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _stack_environment(stack: str, cloudformation: Any) -> dict[str, str]:
    """The physical names of a deployed stack's tables and pepper secret."""
    from botocore.exceptions import BotoCoreError, ClientError

    env = {}
    for variable, logical_id in _STACK_RESOURCES.items():
        try:
            found = cloudformation.describe_stack_resource(
                StackName=stack, LogicalResourceId=logical_id
            )
        except (ClientError, BotoCoreError) as failed:
            raise CommandError(f"cannot read stack {stack!r}: {failed}") from failed
        env[variable] = found["StackResourceDetail"]["PhysicalResourceId"]
    return env


def connect(args: argparse.Namespace) -> None:
    """Point the ivr package at the local stack on ``--port`` or at the deployed ``--stack``."""
    from simulator.local_aws import apply_environment, reset_caches
    from simulator.paths import use_lambda_path

    if args.stack:
        import boto3

        os.environ.update(_stack_environment(args.stack, boto3.client("cloudformation")))
    else:
        if not _listening(args.port):
            raise CommandError(
                f"no local stack on port {args.port}: start it with `make run` "
                "(or pass --port N, or --stack NAME for a deployed stack)"
            )
        apply_environment(f"http://127.0.0.1:{args.port}")
    use_lambda_path()
    reset_caches()


class _Counted:
    """A binary file that moves a progress bar by the bytes read."""

    def __init__(self, file: IO[bytes], bar: Any) -> None:
        self._file, self._bar = file, bar

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._file.read(size)
        self._bar.update(len(chunk))
        return chunk


def import_file(path: Path, *, dry_run: bool, out: IO[str]) -> int:
    """Load ``path`` through ivr.customers.importing; the report goes beside the file."""
    from tqdm import tqdm

    from ivr import wiring
    from ivr.customers.importing import (
        CsvReport,
        FileFormat,
        UnreadableFileError,
        import_customers,
        read_rows,
    )

    try:
        file_format = FileFormat.of(path.name)
        size = path.stat().st_size
    except (UnreadableFileError, OSError) as unreadable:
        raise CommandError(f"cannot import {path}: {unreadable}") from unreadable
    source_time = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    report_path = path.with_name(path.name + ".rejected.csv")
    rejected = CsvReport()
    started = time.perf_counter()
    try:
        with (
            path.open("rb") as raw,
            tqdm(
                total=size, unit="B", unit_scale=True, desc=path.name, file=sys.stderr, leave=False
            ) as bar,
        ):
            report = import_customers(
                read_rows(_Counted(raw, bar), file_format),
                store=wiring.customer_import_store(),
                rejected=rejected,
                config=wiring.import_settings(source_time, dry_run=dry_run),
                overlap_writes=True,
            )
        report_path.write_text(rejected.text())
    except UnreadableFileError as unreadable:
        raise CommandError(f"cannot import {path}: {unreadable}") from unreadable
    finally:
        rejected.close()
    seconds = max(time.perf_counter() - started, 1e-9)
    verb = "would be" if dry_run else "were"
    print(
        f"{report.read} rows read in {seconds:.1f} s ({report.read / seconds:,.0f} rows/s): "
        f"{report.created} new, {report.updated} updated, {report.unchanged} unchanged "
        f"{verb} loaded; {report.rejected} rejected (report: {report_path})",
        file=out,
    )
    return 0


def show(phone_text: str, *, out: IO[str]) -> int:
    from ivr import wiring
    from ivr.core.errors import InvalidPhoneNumberError
    from ivr.core.phone import normalise_e164
    from ivr.core.settings import settings
    from ivr.payments.transactions import TransactionStatus

    try:
        phone = normalise_e164(phone_text, settings().default_phone_region)
    except InvalidPhoneNumberError as invalid:
        raise CommandError(f"{phone_text!r} is not a valid phone number") from invalid
    customer = wiring.callers().find_by_phone(phone)
    if customer is None:
        raise CommandError(f"no customer with the number {phone}")
    failures = wiring.auth_store().customer_failures(phone)
    lines = {
        "name": f"{customer.first_name} {customer.last_name}".strip(),
        "phone": customer.phone,
        "email": customer.email or "-",
        "account": customer.account_number,
        "balance": customer.balance.spoken(),
        "time zone": customer.timezone,
        "language": customer.language,
        "voice": customer.voice_enrolment.value,
        "keypad answers": "on file" if customer.knowledge else "none",
        "keypad": "locked" if failures is not None and failures.locked else "open",
    }
    if customer.open_transaction is not None:
        lines["open payment"] = customer.open_transaction.amount.spoken()
        marked = wiring.transactions().get(customer.open_transaction.payment_id)
        if marked is not None and marked.status is TransactionStatus.IN_DOUBT:
            # The processor left its charge unanswered: the follow-up sweep settles it.
            lines["open payment"] += " (in doubt: charge not confirmed yet)"
    if customer.pending_callback is not None:
        lines["callback"] = customer.pending_callback.call_at.isoformat()
    width = max(map(len, lines))
    for label, value in lines.items():
        print(f"{label:<{width}}  {value}", file=out)
    return 0


def _audit(phone: str, text: str) -> None:
    """An operator's action, kept in the activity table (under ``operator#<phone>``, beside the
    contacts' own events) and said on stderr."""
    from ivr import wiring
    from ivr.auth.voice import record

    line = f"{text} by operator {getpass.getuser()}"
    record(wiring.activity(), f"operator#{phone}", datetime.now(UTC), line)
    print(line, file=sys.stderr)


def unlock(phone_text: str, *, out: IO[str]) -> int:
    from ivr import wiring
    from ivr.auth.keypad import unlock_keypad

    phone = _known(phone_text)
    unlock_keypad(phone, store=wiring.auth_store())
    _audit(phone, "keypad unlocked")
    print(f"keypad unlocked for {phone}", file=out)
    return 0


def delete(phone_text: str, *, out: IO[str]) -> int:
    from ivr import wiring

    phone = _known(phone_text)
    wiring.customer_records().delete(phone, source_time=datetime.now(UTC))
    _audit(phone, "customer deleted")
    print(f"deleted {phone} (payment history kept)", file=out)
    return 0


def _known(phone_text: str) -> str:
    from ivr import wiring
    from ivr.core.errors import InvalidPhoneNumberError
    from ivr.core.phone import normalise_e164
    from ivr.core.settings import settings

    try:
        phone = normalise_e164(phone_text, settings().default_phone_region)
    except InvalidPhoneNumberError as invalid:
        raise CommandError(f"{phone_text!r} is not a valid phone number") from invalid
    if wiring.callers().find_by_phone(phone) is None:
        raise CommandError(f"no customer with the number {phone}")
    return phone


def run(args: argparse.Namespace) -> int:
    try:
        connect(args)
    except CommandError as failed:
        print(f"ivr customers: {failed}", file=sys.stderr)
        return 1
    from ivr.core.errors import IvrError

    try:
        if args.customers_command == "import":
            return import_file(Path(args.file), dry_run=args.dry_run, out=sys.stdout)
        if args.customers_command == "show":
            return show(args.phone, out=sys.stdout)
        if args.customers_command == "unlock":
            return unlock(args.phone, out=sys.stdout)
        return delete(args.phone, out=sys.stdout)
    except CommandError as failed:
        print(f"ivr customers: {failed}", file=sys.stderr)
        return 1
    except IvrError as failed:
        print(f"ivr customers: the customer table is not reachable ({failed})", file=sys.stderr)
        return 1


def register(commands: Any, default_port: int) -> None:
    """Add ``ivr customers ...`` to the CLI's subcommands."""
    customers = commands.add_parser("customers", help="operators' tools for the customer table")
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--port", type=int, default=default_port, help="the local stack's port")
    where.add_argument("--stack", help="a deployed stack's name (uses your AWS credentials)")
    actions = customers.add_subparsers(dest="customers_command", required=True)
    load = actions.add_parser("import", parents=[where], help="load a CSV or JSON Lines file")
    load.add_argument("file")
    load.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    for name, text in (
        ("show", "what the IVR knows of a caller"),
        ("unlock", "lift a caller's keypad lock"),
        ("delete", "delete a customer (payments are kept)"),
    ):
        action = actions.add_parser(name, parents=[where], help=text)
        action.add_argument("phone")
    customers.set_defaults(func=run)

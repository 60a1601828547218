"""Loads `given:` data (a scenario's, or the sample set) into the tables through the real stores."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from simulator.paths import ROOT

SAMPLE_DATA = ROOT / "simulator" / "sample_data.yaml"
_EARLIER = timedelta(hours=1)


def sample_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SAMPLE_DATA.read_text())
    return data


def _customer(spec: dict[str, Any], pepper: bytes) -> Any:
    from ivr.callers import Customer, KnowledgeHashes
    from ivr.core.hashing import keyed_hash, new_salt
    from ivr.core.money import Money
    from ivr.core.phone import normalise_e164

    first, _, last = str(spec["name"]).partition(" ")
    salt = new_salt()
    nid, postal = spec.get("national_id_last4"), spec.get("postal_code")
    phone = normalise_e164(str(spec["phone"]), "US")
    return Customer(
        phone=phone,
        first_name=first,
        last_name=last,
        email=str(spec.get("email", "")),
        account_number=str(spec.get("account_number") or phone.lstrip("+")[-9:]),
        balance=Money.parse(str(spec.get("balance", "0")), str(spec.get("currency", "USD"))),
        timezone=str(spec.get("timezone", "America/New_York")),
        language=str(spec.get("language", "en-US")),
        knowledge=KnowledgeHashes(
            salt=salt,
            national_id_last4=keyed_hash(pepper, salt, str(nid)) if nid else None,
            postal_code=keyed_hash(pepper, salt, str(postal)) if postal else None,
        ),
    )


def _open_transaction(customer: Any, spec: dict[str, Any], now: datetime | None) -> Any:
    from ivr.core.money import Money
    from ivr.payments.transactions import PaymentChannel, Transaction, TransactionStatus

    opened = spec.get("opened_at")
    # By default the payment was left an hour before the call (an earlier call's).
    at = datetime.fromisoformat(str(opened)) if opened else (now or datetime.now(UTC)) - _EARLIER
    return Transaction(
        payment_id=str(spec.get("payment_id") or uuid.uuid4()),
        customer_phone=customer.phone,
        amount=Money.parse(str(spec["amount"]), customer.balance.currency),
        channel=PaymentChannel(spec.get("channel", "portal")),
        status=TransactionStatus.OPEN,
        created_at=at,
        updated_at=at,
        contact_id=str(spec.get("contact_id", "seed")),
    )


def _charge_in_doubt(txn: Any) -> None:
    """The earlier call's charge, sent and unanswered: recorded with the sandbox's token for the
    processor's published approving test card, so asking the processor again finds it."""
    from ivr import wiring
    from ivr.payments.cards import CardDetails
    from ivr.payments.checkout import charge_key
    from ivr.payments.transactions import ChargeAttempt

    token = wiring.sandbox_processor().tokenize(CardDetails("4242424242424242", 12, 2030, "123"))
    attempt = ChargeAttempt(charge_key(txn.payment_id, txn.channel), token.token, txn.created_at)
    wiring.transactions().record_charge(txn.payment_id, attempt)
    wiring.transactions().mark_in_doubt(txn.payment_id, txn.created_at)


def load_given(given: dict[str, Any], now: datetime | None = None) -> list[str]:
    """Store the customers (and their unfinished payments); returns their E.164 numbers.

    ``open_transaction.status`` is ``open`` (the default), ``abandoned`` (the earlier call hung
    up) or ``in_doubt`` (the earlier call's charge, of the sandbox's 4242 test card, went
    unanswered); either way the customer carries the mark caller lookup finds. ``now`` is the call's
    start, which the payment predates."""
    from ivr import wiring
    from ivr.auth.keypad import CustomerFailures
    from ivr.payments.transactions import TransactionStatus

    pepper = wiring.pepper()
    phones = []
    for spec in given.get("customers", []) or []:
        customer = _customer(spec, pepper)
        wiring.callers().save(customer)
        unfinished = spec.get("open_transaction")
        if unfinished:
            txn = _open_transaction(customer, unfinished, now)
            wiring.transactions().open(txn)
            status = TransactionStatus(str(unfinished.get("status", "open")))
            if status is TransactionStatus.ABANDONED:
                wiring.transactions().settle(txn.payment_id, status, txn.created_at)
            elif status is TransactionStatus.IN_DOUBT:
                _charge_in_doubt(txn)
            elif status is not TransactionStatus.OPEN:
                raise ValueError("open_transaction.status is open, abandoned or in_doubt")
        if spec.get("keypad_locked"):
            # Five wrong keypad answers earlier today: the daily lock an agent lifts.
            at = now or datetime.now(UTC)
            locked = CustomerFailures(customer.phone, locked_at=at, version=1)
            wiring.auth_store().save_customer_failures(locked, expected_version=0)
        phones.append(customer.phone)
    phones.extend(load_customer_files(given.get("customer_files") or [], now))
    return phones


def load_customer_files(paths: list[str], now: datetime | None = None) -> list[str]:
    """`given.customer_files`: CSV or JSON Lines files loaded through the real import code (the
    one the import function runs on a file dropped in S3), into the same tables; returns the
    numbers loaded. A file that cannot be read, or a rejected row, is an error here: a scenario's
    data should be right."""
    from ivr import wiring
    from ivr.core.phone import normalise_e164
    from ivr.customers.importing import CsvReport, FileFormat, import_customers, read_rows

    loaded: list[str] = []
    for name in paths:
        path = Path(name)
        rejected = CsvReport()
        try:
            with path.open("rb") as stream:
                rows = list(read_rows(stream, FileFormat.of(path.name)))
            report = import_customers(
                rows,
                store=wiring.customer_import_store(),
                rejected=rejected,
                config=wiring.import_settings(now or datetime.now(UTC)),
            )
            if report.rejected:
                raise ValueError(f"{path}: rejected rows\n{rejected.text()}")
        finally:
            rejected.close()
        loaded.extend(
            normalise_e164(str(source.values.get("phone")), "US")
            for source in rows
            if source.values is not None
        )
    return loaded


def load_file(path: Path) -> list[str]:
    return load_given(yaml.safe_load(path.read_text()))

"""An import that validates the next batch while the last is written (``overlap_writes``, as
``ivr customers import`` runs) loads the same, in the same order, and fails the same."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from ivr.core.errors import StoreUnavailableError
from ivr.customers.importing import (
    BATCH_SIZE,
    CsvReport,
    FileFormat,
    ImportReport,
    ImportSettings,
    UnreadableFileError,
    import_customers,
    read_rows,
)
from ivr.customers.records import CustomerProfile

SETTINGS = ImportSettings(
    pepper=b"pepper" * 6,
    region="US",
    default_timezone="America/Chicago",
    source_time=datetime(2026, 12, 2, tzinfo=UTC),
)


class Table:
    """Remembers what was written, from which thread; fails the write of batch ``fail_at``."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.items: dict[str, CustomerProfile] = {}
        self.batches: list[list[str]] = []
        self.threads: set[int] = set()
        self.fail_at = fail_at

    def profiles(self, phones: list[str]) -> dict[str, CustomerProfile | None]:
        return {phone: self.items[phone] for phone in phones if phone in self.items}

    def write(
        self, new: list[CustomerProfile], changed: list[CustomerProfile], *, source_time: datetime
    ) -> int:
        self.threads.add(threading.get_ident())
        if len(self.batches) == self.fail_at:
            raise StoreUnavailableError("write customers: ThrottlingException")
        self.batches.append([p.phone for p in new + changed])
        self.items.update({p.phone: p for p in new + changed})
        return len(new) + len(changed)


def csv_file(rows: int, *, repeat_every: int = 0, tail: bytes = b"") -> bytes:
    """``rows`` customers on 312-555-01xx and 202-555-01xx numbers (200 exist), so later rows
    repeat earlier numbers across batches; a row with area code 999 every ``repeat_every``."""
    lines = ["phone,name,balance,national_id_last4"]
    for n in range(rows):
        area = "312" if n % 200 < 100 else "202"
        phone = f"+1999555{n:04d}" if repeat_every and n % repeat_every == 0 else None
        phone = phone or f"+1{area}55501{n % 100:02d}"
        lines.append(f"{phone},Customer {n},{n % 97}.{n % 100:02d},{n % 10000:04d}")
    return ("\n".join(lines) + "\n").encode() + tail


def run(body: bytes, table: Table, *, overlap: bool) -> tuple[ImportReport, str]:
    rejected = CsvReport()
    try:
        report = import_customers(
            read_rows([body[at : at + 1024] for at in range(0, len(body), 1024)], FileFormat.CSV),
            store=table,
            rejected=rejected,
            config=SETTINGS,
            overlap_writes=overlap,
        )
        return report, rejected.text()
    finally:
        rejected.close()


def test_overlapped_writes_load_the_same_rows_in_the_same_order() -> None:
    body = csv_file(BATCH_SIZE * 5 + 37, repeat_every=13)
    one_by_one, overlapped = Table(), Table()

    report, rejected = run(body, one_by_one, overlap=False)
    overlapped_report, overlapped_rejected = run(body, overlapped, overlap=True)

    assert overlapped_report == report and overlapped_rejected == rejected
    assert report.rejected > 0 and report.updated > 0  # numbers repeat across batches
    assert overlapped.batches == one_by_one.batches
    assert {p: i.balance_minor for p, i in overlapped.items.items()} == {
        p: i.balance_minor for p, i in one_by_one.items.items()
    }
    assert overlapped.threads != {threading.get_ident()}  # the writes were not on this thread


def test_a_failed_write_fails_the_import_as_it_did() -> None:
    table = Table(fail_at=2)
    with pytest.raises(StoreUnavailableError, match="ThrottlingException"):
        run(csv_file(BATCH_SIZE * 6), table, overlap=True)
    assert len(table.batches) == 2


def test_a_file_unreadable_half_way_still_has_the_batches_before_it_written() -> None:
    table = Table()
    with pytest.raises(UnreadableFileError):
        run(csv_file(BATCH_SIZE * 3, tail=b"\xff\xfe,not utf-8\n"), table, overlap=True)
    assert sum(map(len, table.batches)) >= BATCH_SIZE * 2

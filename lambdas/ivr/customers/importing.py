"""Loading a file of customers: stream the rows, validate each, upsert the good ones in batches.

The file is never held in memory: rows are read one at a time from a byte stream, written in
batches of ``BATCH_SIZE``, and rejected rows go to a report sink as they are found, so memory
does not grow with the file. A row that breaks a rule is reported (line and reason) and the
rest still load; a file that cannot be read at all (not UTF-8, no header, no ``phone`` column)
raises UnreadableFileError before anything is written.

Importing the same file twice changes nothing: existing customers keep their salt, so their
hashed answers come out the same, and an unchanged profile is not written again.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import IO, Protocol

from ivr.core.errors import IvrError
from ivr.customers.records import (
    COLUMNS,
    REQUIRED,
    CustomerProfile,
    CustomerRow,
    RowRejected,
    validate_row,
)

#: BatchGetItem reads at most 100 keys a request; BatchWriteItem then writes them 25 at a time.
BATCH_SIZE = 100
#: csv's default field limit is 128 KiB; a customer column is never near that.
_FIELD_LIMIT = 4096


class UnreadableFileError(IvrError):
    """The file as a whole cannot be imported (moved to failed/, the support team notified)."""

    code = "UnreadableFile"


class FileFormat(StrEnum):
    CSV = "csv"
    JSON_LINES = "jsonl"

    @classmethod
    def of(cls, name: str) -> FileFormat:
        lowered = name.lower()
        if lowered.endswith(".csv"):
            return cls.CSV
        if lowered.endswith((".jsonl", ".ndjson")):
            return cls.JSON_LINES
        raise UnreadableFileError("the file name must end in .csv, .jsonl or .ndjson")


class ByteStream(Protocol):
    """A file opened in binary mode, or anything with its ``read``."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class SourceRow:
    line: int
    values: Mapping[str, object] | None  # None: the line itself could not be parsed
    problem: str = ""


class CustomerImportStore(Protocol):
    """Where imported profiles go (the customer table). ``source_time`` orders writes: a write
    older than what the item already holds (a newer change event) is skipped."""

    def profiles(self, phones: list[str]) -> dict[str, CustomerProfile | None]:
        """The stored profiles of those of ``phones`` the table holds; None for a deleted one."""
        ...

    def write(
        self, new: list[CustomerProfile], changed: list[CustomerProfile], *, source_time: datetime
    ) -> int: ...


class RejectedRows(Protocol):
    def add(self, line: int, reason: str) -> None: ...


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_stale: int = 0
    rejected: int = 0
    duplicate_lines: list[int] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.created + self.updated

    def summary(self) -> dict[str, int]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skippedStale": self.skipped_stale,
            "rejected": self.rejected,
        }


def _text_lines(stream: ByteStream | Iterable[bytes]) -> Iterator[str]:
    """Decode a byte stream (an S3 body, a file) as UTF-8 line by line; a BOM is dropped."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    chunks: Iterable[bytes] = (
        iter(lambda: stream.read(65536), b"") if hasattr(stream, "read") else stream
    )
    try:
        for chunk in chunks:
            pending += decoder.decode(chunk)
            *lines, pending = pending.split("\n")
            yield from (line + "\n" for line in lines)
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as bad:
        raise UnreadableFileError("the file is not UTF-8 text") from bad
    if pending:
        yield pending


def _csv_rows(lines: Iterator[str]) -> Iterator[SourceRow]:
    csv.field_size_limit(_FIELD_LIMIT)
    reader = csv.reader(lines, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise UnreadableFileError("the file is empty") from None
    except csv.Error as bad:
        raise UnreadableFileError("the header line is not CSV") from bad
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise UnreadableFileError(f"the header has no {', '.join(missing)} column")
    unknown = sorted(set(header) - set(COLUMNS))
    if unknown:
        raise UnreadableFileError(f"unknown column(s) in the header: {', '.join(unknown)}")
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield SourceRow(reader.line_num, None, "not a CSV row")
            continue
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if len(cells) != len(header):
            yield SourceRow(
                reader.line_num, None, f"{len(cells)} cells, the header has {len(header)}"
            )
            continue
        yield SourceRow(reader.line_num, dict(zip(header, cells, strict=True)))


def _json_lines(lines: Iterator[str]) -> Iterator[SourceRow]:
    seen_object = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            yield SourceRow(number, None, "not a JSON object")
            continue
        if not isinstance(value, dict):
            yield SourceRow(number, None, "not a JSON object")
            continue
        unknown = sorted(set(value) - set(COLUMNS))
        if unknown:
            yield SourceRow(number, None, f"unknown key(s): {', '.join(unknown)}")
            continue
        seen_object = True
        yield SourceRow(number, value)
    if not seen_object:
        raise UnreadableFileError("no JSON object in the file")


def read_rows(stream: ByteStream | Iterable[bytes], file_format: FileFormat) -> Iterator[SourceRow]:
    """The file's rows in order, each with its line number (the header is line 1 of a CSV)."""
    lines = _text_lines(stream)
    if file_format is FileFormat.CSV:
        return _csv_rows(lines)
    return _json_lines(lines)


def rows_from_values(values: Iterable[tuple[int, Mapping[str, object]]]) -> Iterator[SourceRow]:
    """Rows that arrive already parsed (a Step Functions Distributed Map batch)."""
    for line, row in values:
        if not isinstance(row, Mapping):
            yield SourceRow(line, None, "not a row of columns")
            continue
        named = {str(name).strip().lower(): value for name, value in row.items()}
        unknown = sorted(set(named) - set(COLUMNS))
        if unknown:
            yield SourceRow(line, None, f"unknown column(s): {', '.join(unknown)}")
            continue
        yield SourceRow(line, named)


@dataclass(frozen=True)
class ImportSettings:
    pepper: bytes
    region: str
    default_timezone: str
    source_time: datetime
    dry_run: bool = False


def import_customers(
    rows: Iterable[SourceRow],
    *,
    store: CustomerImportStore,
    rejected: RejectedRows,
    config: ImportSettings,
    progress: Callable[[int], None] | None = None,
    overlap_writes: bool = False,
) -> ImportReport:
    """Validate every row and upsert the good ones, ``BATCH_SIZE`` at a time.

    With ``overlap_writes`` the next batch is validated while the table answers for the last one
    (see _Writes); batches are still written one at a time and in order."""
    report = ImportReport()
    batch: dict[str, tuple[int, CustomerRow]] = {}
    writes = _Writes(store, config, report, overlap=overlap_writes)
    try:
        for source in rows:
            report.read += 1
            row = _validated(source, config, rejected, report)
            if row is not None:
                if row.phone in batch:
                    # The same number twice in one batch: the later line wins, as it would in
                    # a file loaded row by row; the earlier one is reported so nobody wonders.
                    rejected.add(batch[row.phone][0], "phone: repeated later in the file")
                    report.rejected += 1
                batch[row.phone] = (source.line, row)
            if len(batch) >= BATCH_SIZE:
                writes.add(batch)
                batch = {}
            if progress is not None:
                progress(1)
        if batch:
            writes.add(batch)
        writes.wait()
    finally:
        writes.close()
    return report


class _Writes:
    """Batches written in file order, one at a time. With ``overlap``, each is written on a
    thread of its own while the caller validates the next: an import over the network spends
    most of its time waiting for the table's answer, and validating rows (phonenumbers) is the
    rest, so the two overlap instead of taking turns. At most one batch is in flight, and a
    write that failed is raised at the next batch or at the end, as it would have been at once.
    A file that turns out unreadable half-way still has the batches before it written whole."""

    def __init__(
        self,
        store: CustomerImportStore,
        config: ImportSettings,
        report: ImportReport,
        *,
        overlap: bool,
    ) -> None:
        self._store, self._config, self._report = store, config, report
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="customer-writes")
            if overlap
            else None
        )
        self._pending: Future[None] | None = None

    def add(self, batch: dict[str, tuple[int, CustomerRow]]) -> None:
        if self._pool is None:
            _flush(batch, self._store, self._config, self._report)
            return
        self.wait()
        self._pending = self._pool.submit(_flush, batch, self._store, self._config, self._report)

    def wait(self) -> None:
        """Until the batch in flight is written; raises what its write raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _validated(
    source: SourceRow, config: ImportSettings, rejected: RejectedRows, report: ImportReport
) -> CustomerRow | None:
    if source.values is None:
        rejected.add(source.line, source.problem)
        report.rejected += 1
        return None
    try:
        return validate_row(
            source.values, region=config.region, default_timezone=config.default_timezone
        )
    except RowRejected as refused:
        rejected.add(source.line, refused.reason)
        report.rejected += 1
        return None


def _flush(
    batch: dict[str, tuple[int, CustomerRow]],
    store: CustomerImportStore,
    config: ImportSettings,
    report: ImportReport,
) -> None:
    stored = store.profiles(list(batch))
    new: list[CustomerProfile] = []
    changed: list[CustomerProfile] = []
    for phone, (_, row) in batch.items():
        existing = stored.get(phone)
        profile = row.profile(
            pepper=config.pepper, salt=existing.knowledge_salt if existing else None
        )
        if phone not in stored:
            new.append(profile)
        elif profile != existing:
            # A deleted customer (None) goes through the conditional update too, so a file
            # older than the deletion cannot bring them back.
            changed.append(profile)
        else:
            report.unchanged += 1
    if config.dry_run:
        report.created += len(new)
        report.updated += len(changed)
        return
    written = store.write(new, changed, source_time=config.source_time)
    report.created += len(new)
    report.updated += written - len(new)
    report.skipped_stale += len(new) + len(changed) - written


class CsvReport:
    """Rejected rows as CSV text (``line,reason``) in a spooled temporary file: in memory while
    small, on disk when a bad file rejects a great many rows."""

    def __init__(self) -> None:
        import tempfile

        self._file: IO[str] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by close()
            max_size=1 << 20, mode="w+", encoding="utf-8", newline=""
        )
        self._writer = csv.writer(self._file)
        self._writer.writerow(["line", "reason"])
        self.count = 0

    def add(self, line: int, reason: str) -> None:
        self._writer.writerow([line, reason])
        self.count += 1

    def text(self) -> str:
        self._file.seek(0)
        return self._file.read()

    def close(self) -> None:
        self._file.close()


def csv_of(rows: Iterable[tuple[int, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "reason"])
    writer.writerows(rows)
    return out.getvalue()

"""A customer file dropped under ``incoming/``: load it, report its rejected rows, move it.

After a load the file moves to ``processed/`` with its rejected-rows report beside it
(``<name>.rejected.csv``: line and reason, never a value). A file that cannot be read moves to
``failed/`` with a one-line ``<name>.error.txt``, and the support team is told (SNS) and the
failure kept on the dead-letter queue, where it can be replayed once fixed. A CSV file too large
for one invocation goes to the Distributed Map state machine instead, which reads it in batches
and calls ``finish_file`` (or ``fail_file``) at the end.

S3 delivers an event at least once: a second delivery finds nothing under ``incoming/`` and
does nothing, and the rows themselves are idempotent (see ivr.customers.importing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import IO, Protocol

from ivr.customers.importing import (
    CsvReport,
    CustomerImportStore,
    FileFormat,
    ImportReport,
    ImportSettings,
    UnreadableFileError,
    import_customers,
    read_rows,
)

INCOMING = "incoming/"
PROCESSED = "processed/"
FAILED = "failed/"
REPORTS = "reports/"


class ImportFiles(Protocol):
    """The import bucket."""

    def size(self, key: str) -> int | None:
        """The object's size, or None when there is no such object."""
        ...

    def modified(self, key: str) -> datetime: ...

    def open(self, key: str) -> IO[bytes] | Iterable[bytes]: ...

    def put_text(self, key: str, text: str) -> None: ...

    def move(self, key: str, to_key: str) -> None: ...

    def keys(self, prefix: str) -> list[str]: ...

    def delete(self, key: str) -> None: ...


class ImportAlerts(Protocol):
    def file_failed(self, key: str, reason: str) -> None:
        """Tell the support team (SNS) and keep the failure for replay (the DLQ)."""
        ...


class MapStarter(Protocol):
    def start(self, key: str, *, source_time: datetime) -> str:
        """Start the Distributed Map for ``key``; the execution's ARN."""
        ...


class FileOutcome(StrEnum):
    PROCESSED = "processed"
    FAILED = "failed"
    HANDED_TO_MAP = "handed to the distributed map"
    NOTHING_TO_DO = "nothing to do"


@dataclass(frozen=True)
class FileResult:
    key: str
    outcome: FileOutcome
    moved_to: str = ""
    report: ImportReport | None = None
    reason: str = ""


def destination(key: str, prefix: str) -> str:
    """``incoming/a/b.csv`` -> ``processed/a/b.csv`` (sub-folders kept)."""
    return prefix + key.removeprefix(INCOMING)


def import_dropped_file(
    key: str,
    *,
    files: ImportFiles,
    store: CustomerImportStore,
    alerts: ImportAlerts,
    starter: MapStarter | None,
    settings_for: Callable[[datetime], ImportSettings],
    map_threshold_bytes: int,
) -> FileResult:
    """Handle one object created under ``incoming/``."""
    if not key.startswith(INCOMING) or key.endswith("/"):
        return FileResult(key, FileOutcome.NOTHING_TO_DO, reason="not under incoming/")
    size = files.size(key)
    if size is None:
        return FileResult(key, FileOutcome.NOTHING_TO_DO, reason="already moved")
    try:
        file_format = FileFormat.of(key)
    except UnreadableFileError as unreadable:
        return fail_file(key, str(unreadable), files=files, alerts=alerts)
    source_time = files.modified(key)
    if starter is not None and file_format is FileFormat.CSV and size >= map_threshold_bytes:
        starter.start(key, source_time=source_time)
        return FileResult(key, FileOutcome.HANDED_TO_MAP)
    rejected = CsvReport()
    try:
        report = import_customers(
            read_rows(files.open(key), file_format),
            store=store,
            rejected=rejected,
            config=settings_for(source_time),
        )
        processed = destination(key, PROCESSED)
        files.put_text(processed + ".rejected.csv", rejected.text())
    except UnreadableFileError as unreadable:
        return fail_file(key, str(unreadable), files=files, alerts=alerts)
    finally:
        rejected.close()
    files.move(key, processed)
    return FileResult(key, FileOutcome.PROCESSED, moved_to=processed, report=report)


def fail_file(key: str, reason: str, *, files: ImportFiles, alerts: ImportAlerts) -> FileResult:
    failed = destination(key, FAILED)
    files.put_text(failed + ".error.txt", reason + "\n")
    files.move(key, failed)
    alerts.file_failed(failed, reason)
    return FileResult(key, FileOutcome.FAILED, moved_to=failed, reason=reason)


def batch_report_key(key: str, first_line: int) -> str:
    """Where one Distributed Map batch leaves its rejected rows until the file is finished."""
    return f"{REPORTS}{key.removeprefix(INCOMING)}/{first_line:012d}.csv"


def finish_file(key: str, *, files: ImportFiles) -> FileResult:
    """The Distributed Map is done: join the batches' reports, move the file to processed/."""
    if files.size(key) is None:
        return FileResult(key, FileOutcome.NOTHING_TO_DO, reason="already moved")
    parts = sorted(files.keys(f"{REPORTS}{key.removeprefix(INCOMING)}/"))
    lines = ["line,reason"]
    for part in parts:
        body = b"".join(files.open(part)).decode()
        lines.extend(row for row in body.splitlines()[1:] if row)
    processed = destination(key, PROCESSED)
    files.put_text(processed + ".rejected.csv", "\n".join(lines) + "\n")
    files.move(key, processed)
    for part in parts:
        files.delete(part)
    return FileResult(key, FileOutcome.PROCESSED, moved_to=processed)

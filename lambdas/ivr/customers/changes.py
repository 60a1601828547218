"""Change-data capture from the legacy database: AWS DMS records applied to the customer table.

DMS writes each change to Kinesis as JSON (message format ``json``): ``data`` (the row after the
change; for a delete, the row that was deleted), ``metadata`` (``operation``: load, insert,
update or delete; ``record-type``: data or control; ``timestamp``: when the change was
committed at the source; ``table-name``, ``schema-name``, ``transaction-id``) and, with
BeforeImageSettings, the row before an update under the configured field name. The legacy
table's columns are mapped to ours (``phone``, ``name``, ...) by a DMS table-mapping
transformation rule, so ``data`` is validated exactly as a file row is.

Order: DMS partitions by primary key, so one customer's changes share a shard and arrive in
order — except redeliveries and replays. Every write is therefore conditional on the source
timestamp (``source_updated_at``): a duplicate or an older change is skipped, never applied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from ivr.core.errors import IvrError
from ivr.customers.records import CustomerProfile, RowRejected, validate_row


class PoisonRecordError(IvrError):
    """A record no retry can apply (not DMS JSON, an unknown operation, an invalid row): sent to
    the on-failure queue and reported, so it neither blocks its shard nor is lost."""

    code = "PoisonRecord"


class ChangeOutcome(StrEnum):
    APPLIED = "applied"
    STALE = "stale"  # the table already holds this change or a newer one
    IGNORED = "ignored"  # control records, other tables


class CustomerChangeStore(Protocol):
    def profiles(self, phones: list[str]) -> dict[str, CustomerProfile | None]: ...

    def update(self, profile: CustomerProfile, *, source_time: datetime) -> bool: ...

    def delete(self, phone: str, *, source_time: datetime) -> bool: ...


@dataclass(frozen=True)
class CustomerChange:
    operation: str  # load, insert, update or delete
    row: Mapping[str, object]
    committed_at: datetime
    table: str


def _timestamp(text: object) -> datetime:
    if not isinstance(text, str):
        raise PoisonRecordError("metadata.timestamp missing")
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as bad:
        raise PoisonRecordError("metadata.timestamp is not an ISO time") from bad
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def parse_change(payload: bytes) -> CustomerChange | None:
    """One Kinesis record's data; None for a control record. Raises PoisonRecordError."""
    try:
        message = json.loads(payload)
    except ValueError as bad:
        raise PoisonRecordError("not a JSON DMS record") from bad
    if not isinstance(message, dict) or not isinstance(message.get("metadata"), dict):
        raise PoisonRecordError("no metadata in the DMS record")
    metadata = message["metadata"]
    if metadata.get("record-type") != "data":
        return None
    operation = metadata.get("operation")
    if operation not in {"load", "insert", "update", "delete"}:
        raise PoisonRecordError("unknown DMS operation")
    row = message.get("data")
    if not isinstance(row, dict):
        raise PoisonRecordError("no data in the DMS record")
    return CustomerChange(
        operation=str(operation),
        row=row,
        committed_at=_timestamp(metadata.get("timestamp")),
        table=str(metadata.get("table-name", "")),
    )


@dataclass(frozen=True)
class ChangeSettings:
    pepper: bytes
    region: str
    default_timezone: str
    table: str = "customers"


def apply_change(
    change: CustomerChange, *, store: CustomerChangeStore, config: ChangeSettings
) -> ChangeOutcome:
    """Apply one change; raises PoisonRecordError for a row that can never be applied."""
    if change.table and change.table.lower() != config.table:
        return ChangeOutcome.IGNORED
    if change.operation == "delete":
        phone = _phone_of(change.row, config)
        applied = store.delete(phone, source_time=change.committed_at)
        return ChangeOutcome.APPLIED if applied else ChangeOutcome.STALE
    try:
        row = validate_row(
            change.row, region=config.region, default_timezone=config.default_timezone
        )
    except RowRejected as refused:
        raise PoisonRecordError(f"invalid row: {refused.reason}") from refused
    existing = store.profiles([row.phone]).get(row.phone)
    profile = row.profile(pepper=config.pepper, salt=existing.knowledge_salt if existing else None)
    applied = store.update(profile, source_time=change.committed_at)
    return ChangeOutcome.APPLIED if applied else ChangeOutcome.STALE


def _phone_of(row: Mapping[str, object], config: ChangeSettings) -> str:
    """A delete needs only the key; the rest of the deleted row may be partial."""
    try:
        return validate_row(
            {"phone": row.get("phone"), "name": "deleted"},
            region=config.region,
            default_timezone=config.default_timezone,
        ).phone
    except RowRejected as refused:
        raise PoisonRecordError(f"invalid row: {refused.reason}") from refused

"""The customer table as the system of record writes it: file imports and change events.

Access patterns (customer table, hash key ``phone``):
  * which of these 100 customers exist, with their salt and profile — BatchGetItem (projection).
  * new customers — BatchWriteItem (25 puts a request), unprocessed items retried with
    exponential backoff and jitter. A put replaces the whole item, so only customers the
    BatchGetItem did not find are put.
  * changed customers — UpdateItem of the imported attributes only, because what the IVR owns
    on the item (voice enrolment, open-transaction and pending-callback marks) must survive;
    conditional on ``source_updated_at``, so a write older than what the item holds (a newer
    change event applied first) is skipped rather than applied.
  * a deleted customer — the profile removed and a tombstone kept (``deleted_at``, the time of
    the deletion and a ``purge_at`` TTL), so a late, older insert or update for the same number
    cannot bring it back; caller lookup treats a tombstone as "no such customer". The
    transactions table is not touched: the payment history stays for the regulator.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ivr.core.errors import StoreUnavailableError
from ivr.customers.records import CustomerProfile

_PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "account_number",
    "balance_minor",
    "currency",
    "timezone",
    "language",
    "knowledge_salt",
    "national_id_hash",
    "postal_code_hash",
)
#: BatchWriteItem's limit; BatchGetItem's is 100.
_WRITE_BATCH = 25
_MAX_ATTEMPTS = 8
#: A tombstone outlives any replay of the change stream (Kinesis keeps records 365 days at most;
#: ours keeps them 7) by this much, then DynamoDB's TTL removes it.
TOMBSTONE_DAYS = 30


def _stamp(at: datetime) -> str:
    """Fixed-width UTC text, so DynamoDB's string comparison orders it as time."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _profile_of(item: dict[str, Any]) -> CustomerProfile | None:
    """The imported profile on an item; None for a tombstone (a deleted customer)."""
    if "deleted_at" in item or "first_name" not in item:
        return None

    def text(name: str) -> str | None:
        value = item.get(name)
        return value["S"] if value else None

    return CustomerProfile(
        phone=item["phone"]["S"],
        first_name=text("first_name") or "",
        last_name=text("last_name") or "",
        email=text("email") or "",
        account_number=text("account_number") or "",
        balance_minor=int(item.get("balance_minor", {"N": "0"})["N"]),
        currency=text("currency") or "USD",
        timezone=text("timezone") or "",
        language=text("language") or "en-US",
        knowledge_salt=text("knowledge_salt"),
        national_id_hash=text("national_id_hash"),
        postal_code_hash=text("postal_code_hash"),
    )


def _attribute(name: str, value: object) -> dict[str, str]:
    return {"N": str(value)} if name == "balance_minor" else {"S": str(value)}


def _item_of(profile: CustomerProfile, source_time: datetime) -> dict[str, dict[str, str]]:
    item = {"phone": {"S": profile.phone}, "source_updated_at": {"S": _stamp(source_time)}}
    item["voice_enrolment"] = {"S": "NotEnrolled"}
    for name in _PROFILE_FIELDS:
        value = getattr(profile, name)
        if value is not None:
            item[name] = _attribute(name, value)
    return item


def _unavailable(what: str, error: Exception) -> StoreUnavailableError:
    code = (
        error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
    )
    return StoreUnavailableError(f"{what}: {code}")


class DynamoCustomerImportStore:
    """``client`` is a boto3 DynamoDB client; ``sleep`` is swapped in tests of the backoff."""

    def __init__(
        self, client: Any, table: str, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._client = client
        self._table = table
        self._sleep = sleep

    def _backoff(self, attempt: int) -> None:
        # Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), capped at 2 s.
        self._sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))  # noqa: S311 - not crypto

    def profiles(self, phones: list[str]) -> dict[str, CustomerProfile | None]:
        keys: list[dict[str, Any]] = [{"phone": {"S": phone}} for phone in phones]
        found: dict[str, CustomerProfile | None] = {}
        request: dict[str, Any] = {
            self._table: {
                "Keys": keys,
                # Several of these names (timezone, language) are DynamoDB reserved words.
                "ProjectionExpression": "phone, deleted_at, "
                + ", ".join(f"#{name}" for name in _PROFILE_FIELDS),
                "ExpressionAttributeNames": {f"#{name}": name for name in _PROFILE_FIELDS},
            }
        }
        for attempt in range(_MAX_ATTEMPTS):
            try:
                answer = self._client.batch_get_item(RequestItems=request)
            except (ClientError, BotoCoreError) as failed:
                raise _unavailable("read customers", failed) from failed
            for item in answer.get("Responses", {}).get(self._table, []):
                found[item["phone"]["S"]] = _profile_of(item)
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                return found
            self._backoff(attempt)
        raise StoreUnavailableError("read customers: keys left unprocessed after retries")

    def write(
        self, new: list[CustomerProfile], changed: list[CustomerProfile], *, source_time: datetime
    ) -> int:
        for start in range(0, len(new), _WRITE_BATCH):
            self._put_batch(new[start : start + _WRITE_BATCH], source_time)
        written = len(new)
        for profile in changed:
            written += self.update(profile, source_time=source_time)
        return written

    def _put_batch(self, profiles: list[CustomerProfile], source_time: datetime) -> None:
        request: dict[str, Any] = {
            self._table: [{"PutRequest": {"Item": _item_of(p, source_time)}} for p in profiles]
        }
        for attempt in range(_MAX_ATTEMPTS):
            try:
                answer = self._client.batch_write_item(RequestItems=request)
            except (ClientError, BotoCoreError) as failed:
                raise _unavailable("write customers", failed) from failed
            request = answer.get("UnprocessedItems") or {}
            if not request:
                return
            self._backoff(attempt)
        raise StoreUnavailableError("write customers: items left unprocessed after retries")

    def update(self, profile: CustomerProfile, *, source_time: datetime) -> bool:
        """Write the imported attributes; False when the item holds a newer version already."""
        names = {f"#{n}": n for n in _PROFILE_FIELDS}
        values: dict[str, Any] = {":t": {"S": _stamp(source_time)}}
        sets, removes = ["source_updated_at = :t"], ["deleted_at", "purge_at"]
        for name in _PROFILE_FIELDS:
            value = getattr(profile, name)
            if value is None:
                removes.append(f"#{name}")
            else:
                sets.append(f"#{name} = :{name}")
                values[f":{name}"] = _attribute(name, value)
        sets.append("voice_enrolment = if_not_exists(voice_enrolment, :enrolment)")
        values[":enrolment"] = {"S": "NotEnrolled"}
        return self._conditional_update(
            profile.phone,
            "SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
            names,
            values,
        )

    def delete(self, phone: str, *, source_time: datetime) -> bool:
        """Tombstone the customer; False when the item holds a newer version already."""
        removes = ["#" + n for n in _PROFILE_FIELDS] + ["open_transaction", "pending_callback"]
        purge = int((source_time + timedelta(days=TOMBSTONE_DAYS)).timestamp())
        return self._conditional_update(
            phone,
            "SET source_updated_at = :t, deleted_at = :t, purge_at = :purge REMOVE "
            + ", ".join(removes),
            {f"#{n}": n for n in _PROFILE_FIELDS},
            {":t": {"S": _stamp(source_time)}, ":purge": {"N": str(purge)}},
        )

    def _conditional_update(
        self, phone: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"phone": {"S": phone}},
                UpdateExpression=expression,
                # <=, not <: S3 times a file to the second, so a corrected file dropped in the
                # same second as the first must still apply; only an older write is skipped.
                ConditionExpression=(
                    "attribute_not_exists(source_updated_at) OR source_updated_at <= :t"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as failed:
            if failed.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise _unavailable("update customer", failed) from failed
        except BotoCoreError as failed:
            raise _unavailable("update customer", failed) from failed
        return True

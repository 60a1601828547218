"""Authentication state in DynamoDB: versioned items, each write conditional on the version read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from typing import cast

from pynamodb.attributes import MapAttribute
from pynamodb.expressions.condition import Condition, size
from pynamodb.expressions.operand import Path
from pynamodb.models import Model
from pynamodb.transactions import TransactGet, TransactWrite

from ivr.activity import ActivityEvent, ActivityLog
from ivr.adapters.dynamodb.activity import note_along
from ivr.adapters.dynamodb.connection import Connection
from ivr.adapters.dynamodb.errors import translated
from ivr.adapters.dynamodb.reads import found
from ivr.adapters.dynamodb.tables import AuthStateItem, OneTimeCodeItem
from ivr.auth.keypad import (
    CONTACT_RECORD_LIFETIME,
    WINDOW,
    CodeStatus,
    ContactAuth,
    CustomerFailures,
    OneTimeCode,
)
from ivr.core.errors import ConflictError, StoreUnavailableError

#: A used or expired code is kept a day for the agent's questions, then cleaned up.
CODE_RECORD_LIFETIME = timedelta(days=1)


def _versioned(model: type[AuthStateItem] | type[OneTimeCodeItem], expected: int) -> Condition:
    if expected == 0:
        return model.pk.does_not_exist()
    return model.version == expected


_A = AuthStateItem


def _passable(failures_so_far: int, attempt_id: str) -> Condition:
    """The call's record has exactly ``failures_so_far`` wrong answers, none of them
    ``attempt_id``, and has not passed yet (no record at all when there are none)."""
    # PynamoDB's stubs type a comparison as bool and a raw map's item as its value type; at run
    # time both are expressions.
    not_passed = _A.keypad_passed.does_not_exist() | cast(Condition, _A.keypad_passed == False)  # noqa: E712
    counted = cast(Condition, size(_A.failures) == failures_so_far)
    if not failures_so_far:
        none_yet = (_A.failures.does_not_exist() | counted) & not_passed
        return cast(Condition, _A.pk.does_not_exist() | none_yet)
    this_try = cast(Path, _A.failures[attempt_id])
    return cast(Condition, _A.pk.exists() & counted & not_passed & this_try.does_not_exist())


def _times(item: AuthStateItem) -> dict[str, datetime]:
    raw = item.failures
    stored = raw.as_dict() if isinstance(raw, MapAttribute) else dict(raw or {})
    return {str(key): datetime.fromisoformat(str(value)) for key, value in stored.items()}


def _iso(failures: Mapping[str, datetime]) -> dict[str, str]:
    return {key: value.isoformat() for key, value in failures.items()}


def _get(model: type[Model], key: str) -> Model | None:
    with translated("read authentication state"):
        try:
            return model.get(key, consistent_read=True)
        except model.DoesNotExist:
            return None


class DynamoAuthStore:
    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _connect(self) -> Connection:
        if self._connection is None:
            self._connection = Connection()
        return self._connection

    def _transaction(self) -> TransactWrite:
        return TransactWrite(connection=self._connect())

    def confirm_code(
        self,
        confirmed: OneTimeCode,
        expected_version: int,
        *,
        note: ActivityEvent,
        activity: ActivityLog,
    ) -> bool:
        # The code, the call's record and the timeline in one TransactWriteItems.
        try:
            with translated("confirm one-time code"), self._transaction() as write:
                write.save(
                    _code_item(confirmed),
                    condition=_versioned(OneTimeCodeItem, expected_version),
                )
                write.update(
                    _A(f"contact#{confirmed.contact_id}"),
                    actions=[
                        _A.code_confirmed.set(True),
                        _A.version.add(1),
                        _A.ttl.set(_now_plus(CONTACT_RECORD_LIFETIME)),
                    ],
                )
                noted = note_along(write, note, activity)
        except (ConflictError, StoreUnavailableError):
            return False
        if not noted:
            with suppress(StoreUnavailableError):  # the timeline never fails the check
                activity.append(note)
        return True

    def claim_for_contact(self, contact_id: str, claimed_phone: str) -> None:
        with translated("claim account for the call"):
            _A(f"contact#{contact_id}").update(
                actions=[
                    _A.claimed_phone.set(claimed_phone),
                    _A.version.add(1),
                    _A.ttl.set(_now_plus(CONTACT_RECORD_LIFETIME)),
                ]
            )

    def pass_keypad(
        self,
        contact_id: str,
        *,
        failures_so_far: int,
        attempt_id: str,
        unless_locked: Sequence[str],
        note: ActivityEvent,
        activity: ActivityLog,
    ) -> bool:
        # One TransactWriteItems instead of reading the call's record and the counters first:
        # every condition the read-and-decide path checks is checked by DynamoDB at write time.
        try:
            with translated("pass keypad"), self._transaction() as write:
                for key in unless_locked:
                    write.condition_check(
                        _A, f"customer#{key}", condition=_A.locked_at.does_not_exist()
                    )
                write.update(
                    _A(f"contact#{contact_id}"),
                    actions=[
                        _A.keypad_passed.set(True),
                        _A.version.add(1),
                        _A.ttl.set(_now_plus(CONTACT_RECORD_LIFETIME)),
                    ],
                    condition=_passable(failures_so_far, attempt_id),
                )
                noted = note_along(write, note, activity)
        except (ConflictError, StoreUnavailableError):
            return False
        if not noted:
            with suppress(StoreUnavailableError):  # the timeline never fails the check
                activity.append(note)
        return True

    def customer_failures(self, phone: str) -> CustomerFailures | None:
        item = _get(AuthStateItem, f"customer#{phone}")
        if not isinstance(item, AuthStateItem):
            return None
        return CustomerFailures(phone, _times(item), item.locked_at, int(item.version))

    def save_customer_failures(self, state: CustomerFailures, expected_version: int) -> None:
        failures = dict(state.failures)
        # Locked: no TTL, the lock waits for an agent. Otherwise gone a day after the last failure.
        expires = None if state.locked or not failures else max(failures.values()) + WINDOW
        item = AuthStateItem(
            f"customer#{state.phone}",
            version=state.version,
            failures=_iso(failures),
            locked_at=state.locked_at,
            ttl=expires,
        )
        with translated("save keypad failures"):
            item.save(condition=_versioned(AuthStateItem, expected_version))

    def contact(self, contact_id: str) -> ContactAuth | None:
        item = _get(AuthStateItem, f"contact#{contact_id}")
        if not isinstance(item, AuthStateItem):
            return None
        return _contact_from_item(contact_id, item)

    def save_contact(self, state: ContactAuth, expected_version: int) -> None:
        item = AuthStateItem(
            f"contact#{state.contact_id}",
            version=state.version,
            failures=_iso(state.failures),
            keypad_passed=state.keypad_passed,
            code_confirmed=state.code_confirmed,
            claimed_phone=state.claimed_phone,
            ttl=_now_plus(CONTACT_RECORD_LIFETIME),
        )
        with translated("save contact authentication"):
            item.save(condition=_versioned(AuthStateItem, expected_version))

    def one_time_code(self, contact_id: str) -> OneTimeCode | None:
        item = _get(OneTimeCodeItem, f"code#{contact_id}")
        if not isinstance(item, OneTimeCodeItem):
            return None
        return _code_from_item(contact_id, item)

    def contact_and_code(self, contact_id: str) -> tuple[ContactAuth | None, OneTimeCode | None]:
        # One TransactGetItems (serializable, so as consistent as the GetItems it replaces).
        with translated("read contact and code"), TransactGet(connection=self._connect()) as read:
            contact = read.get(AuthStateItem, f"contact#{contact_id}")
            code = read.get(OneTimeCodeItem, f"code#{contact_id}")
        contact_item, code_item = found(contact), found(code)
        return (
            _contact_from_item(contact_id, contact_item) if contact_item else None,
            _code_from_item(contact_id, code_item) if code_item else None,
        )

    def save_one_time_code(
        self,
        code: OneTimeCode,
        expected_version: int,
        *,
        note: ActivityEvent | None = None,
        activity: ActivityLog | None = None,
    ) -> None:
        condition = _versioned(OneTimeCodeItem, expected_version)
        if note is not None and activity is not None:
            try:
                with translated("save one-time code"), self._transaction() as write:
                    write.save(_code_item(code), condition=condition)
                    noted = note_along(write, note, activity)
            except StoreUnavailableError:
                noted = False  # the timeline must not cost the code: written alone below
            else:
                if not noted:
                    with suppress(StoreUnavailableError):
                        activity.append(note)
                return
        with translated("save one-time code"):
            _code_item(code).save(condition=condition)
        if note is not None and activity is not None:
            with suppress(StoreUnavailableError):
                activity.append(note)


def _contact_from_item(contact_id: str, item: AuthStateItem) -> ContactAuth:
    return ContactAuth(
        contact_id,
        _times(item),
        keypad_passed=bool(item.keypad_passed),
        code_confirmed=bool(item.code_confirmed),
        claimed_phone=item.claimed_phone,
        version=int(item.version),
    )


def _code_from_item(contact_id: str, item: OneTimeCodeItem) -> OneTimeCode:
    return OneTimeCode(
        contact_id=contact_id,
        phone=item.phone,
        salt=item.salt,
        code_hash=item.code_hash,
        issued_at=item.issued_at,
        expires_at=item.expires_at,
        status=CodeStatus(item.status),
        sent=bool(item.sent),
        sends=int(item.sends),
        wrong_tries=frozenset(item.wrong_tries or ()),
        version=int(item.version),
    )


def _code_item(code: OneTimeCode) -> OneTimeCodeItem:
    return OneTimeCodeItem(
        f"code#{code.contact_id}",
        version=code.version,
        phone=code.phone,
        salt=code.salt,
        code_hash=code.code_hash,
        issued_at=code.issued_at,
        expires_at=code.expires_at,
        status=code.status.value,
        sent=code.sent,
        sends=code.sends,
        wrong_tries=set(code.wrong_tries) or None,
        ttl=code.expires_at + CODE_RECORD_LIFETIME,
    )


def _now_plus(delta: timedelta) -> datetime:
    from ivr.core.clock import now

    return now() + delta

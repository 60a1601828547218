"""Portal sessions in DynamoDB: every state change is a conditional UpdateItem."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ivr.activity import ActivityEvent, ActivityLog
from ivr.adapters.dynamodb.activity import note_along
from ivr.adapters.dynamodb.connection import Connection
from ivr.adapters.dynamodb.errors import translated
from ivr.adapters.dynamodb.tables import PortalSessionItem, TransactionItem
from ivr.core.errors import ConflictError, StoreUnavailableError
from ivr.core.money import Money
from ivr.payments.portal import PortalNotice, PortalSession, PortalSessionStatus
from ivr.payments.transactions import TransactionStatus

_S = PortalSessionItem
_ISSUED = PortalSessionStatus.ISSUED.value
#: PINs are counted on an issued session, and on a verified one reopened with its PIN.
_TAKES_PINS = [_ISSUED, PortalSessionStatus.VERIFIED.value]


def session_from_item(item: PortalSessionItem) -> PortalSession:
    return PortalSession(
        session_id=item.session_id,
        token_hash=item.token_hash,
        pin_hash=item.pin_hash,
        pin_salt=item.pin_salt,
        customer_phone=item.customer_phone,
        payment_id=item.payment_id,
        contact_id=item.contact_id,
        status=PortalSessionStatus(item.status),
        attempts=int(item.attempts),
        expires_at=item.expires_at,
        link_queued=bool(item.link_queued),
        notice=PortalNotice(item.notice) if item.notice else None,
        declines=int(item.declines or 0),
        amount=(
            Money(int(item.amount_minor), item.currency)
            if item.amount_minor is not None and item.currency
            else None
        ),
        customer_name=item.customer_name or "",
    )


def session_item(session: PortalSession) -> PortalSessionItem:
    """A new session's item (created alone, or with the payment it pays)."""
    return PortalSessionItem(
        session.session_id,
        token_hash=session.token_hash,
        pin_hash=session.pin_hash,
        pin_salt=session.pin_salt,
        customer_phone=session.customer_phone,
        payment_id=session.payment_id,
        contact_id=session.contact_id,
        status=session.status.value,
        attempts=session.attempts,
        expires_at=session.expires_at,
        ttl=session.expires_at,
        link_queued=session.link_queued,
        declines=session.declines,
        amount_minor=session.amount.minor if session.amount else None,
        currency=session.amount.currency if session.amount else None,
        customer_name=session.customer_name or None,
    )


class DynamoPortalSessionStore:
    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _transaction(self) -> TransactWrite:
        if self._connection is None:
            self._connection = Connection()
        return TransactWrite(connection=self._connection)

    def create(self, session: PortalSession) -> None:
        with translated("create portal session"):
            session_item(session).save(condition=PortalSessionItem.session_id.does_not_exist())

    def get(self, session_id: str) -> PortalSession | None:
        with translated("get portal session"):
            try:
                return session_from_item(PortalSessionItem.get(session_id, consistent_read=True))
            except PortalSessionItem.DoesNotExist:
                return None

    def count_failed_attempt(self, session_id: str, max_attempts: int) -> int:
        # The condition is evaluated by DynamoDB at write time: a hundred concurrent wrong PINs
        # count max_attempts at most, whatever each request read before.
        item = PortalSessionItem(session_id)
        with translated("count PIN attempt"):
            item.update(
                actions=[_S.attempts.add(1)],
                condition=_S.session_id.exists()
                & _S.status.is_in(*_TAKES_PINS)
                & (_S.attempts < max_attempts),
            )
        attempts = int(item.attempts)
        if attempts >= max_attempts:
            self._lock(session_id)
        return attempts

    def _lock(self, session_id: str) -> None:
        try:
            with translated("lock portal session"):
                PortalSessionItem(session_id).update(
                    actions=[_S.status.set(PortalSessionStatus.LOCKED.value)],
                    condition=_S.status.is_in(*_TAKES_PINS),
                )
        except ConflictError:
            pass  # verified or locked meanwhile: either way no more PIN tries

    def mark_verified(
        self,
        session_id: str,
        max_attempts: int,
        now: datetime,
        *,
        while_open: str | None = None,
        note: ActivityEvent | None = None,
        activity: ActivityLog | None = None,
    ) -> None:
        actions: list[Action] = [_S.status.set(PortalSessionStatus.VERIFIED.value)]
        condition = (
            _S.session_id.exists()
            & (_S.status == _ISSUED)
            & (_S.attempts < max_attempts)
            & (_S.expires_at > now)
        )
        if while_open is None and note is None:
            with translated("verify portal session"):
                PortalSessionItem(session_id).update(actions=actions, condition=condition)
            return
        noted = False
        # One TransactWriteItems: the session, the payment still open, the timeline's event.
        with translated("verify portal session"), self._transaction() as write:
            if while_open is not None:
                write.condition_check(
                    TransactionItem,
                    while_open,
                    condition=TransactionItem.status == TransactionStatus.OPEN.value,
                )
            write.update(PortalSessionItem(session_id), actions=actions, condition=condition)
            if note is not None and activity is not None:
                noted = note_along(write, note, activity)
        if note is not None and activity is not None and not noted:
            with suppress(StoreUnavailableError):  # the timeline is best effort
                activity.append(note)

    def mark_paid(self, session_id: str) -> None:
        with translated("mark portal session paid"):
            PortalSessionItem(session_id).update(
                actions=[_S.status.set(PortalSessionStatus.PAID.value), _S.notice.remove()],
                condition=_S.session_id.exists()
                & (_S.status == PortalSessionStatus.VERIFIED.value),
            )

    def reissue_pin(self, session_id: str, pin_hash: str, pin_salt: str) -> None:
        with translated("reissue PIN"):
            PortalSessionItem(session_id).update(
                actions=[_S.pin_hash.set(pin_hash), _S.pin_salt.set(pin_salt)],
                condition=_S.session_id.exists() & (_S.status == _ISSUED) & (_S.attempts == 0),
            )

    def mark_link_queued(self, session_id: str) -> None:
        with translated("mark link queued"):
            PortalSessionItem(session_id).update(
                actions=[_S.link_queued.set(True)], condition=_S.session_id.exists()
            )

    def count_decline(self, session_id: str, declines_seen: int) -> None:
        # Conditional on the count read: two submits of the same declined card count once.
        seen = _S.declines == declines_seen
        if declines_seen == 0:
            seen = seen | _S.declines.does_not_exist()  # a session stored before declines were
        with translated("count declined card"):
            PortalSessionItem(session_id).update(
                actions=[_S.declines.add(1), _S.notice.set(PortalNotice.DECLINED.value)],
                condition=_S.session_id.exists()
                & (_S.status == PortalSessionStatus.VERIFIED.value)
                & seen,
            )

    def set_notice(self, session_id: str, notice: PortalNotice) -> None:
        with translated("set portal notice"):
            PortalSessionItem(session_id).update(
                actions=[_S.notice.set(notice.value)],
                condition=_S.session_id.exists()
                & (_S.status == PortalSessionStatus.VERIFIED.value),
            )

    def take_notice(self, session_id: str, notice: PortalNotice) -> bool:
        try:
            with translated("take portal notice"):
                PortalSessionItem(session_id).update(
                    actions=[_S.notice.remove()], condition=_S.notice == notice.value
                )
        except ConflictError:
            return False
        return True

"""Portal sessions in DynamoDB."""

from __future__ import annotations

from ivr.portal import PortalSession, PortalSessionStatus
from ivr.store.errors import translated
from ivr.store.tables import PortalSessionItem


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
    )


class DynamoPortalSessionStore:
    def create(self, session: PortalSession) -> None:
        item = PortalSessionItem(
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
        )
        with translated("create portal session"):
            item.save(condition=PortalSessionItem.session_id.does_not_exist())

    def get(self, session_id: str) -> PortalSession | None:
        with translated("get portal session"):
            try:
                return session_from_item(PortalSessionItem.get(session_id))
            except PortalSessionItem.DoesNotExist:
                return None

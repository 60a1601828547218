"""Customers in DynamoDB: CustomerItem <-> Customer."""

from __future__ import annotations

from contextlib import suppress

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ivr.activity import ActivityEvent, ActivityLog
from ivr.adapters.dynamodb.activity import note_along
from ivr.adapters.dynamodb.connection import Connection
from ivr.adapters.dynamodb.errors import translated
from ivr.adapters.dynamodb.tables import CustomerItem
from ivr.callers import (
    Customer,
    KnowledgeHashes,
    OpenTransaction,
    PendingCallbackMark,
    VoiceEnrolment,
)
from ivr.core.errors import ConflictError, NotFoundError, StoreUnavailableError
from ivr.core.money import Money


def customer_from_item(item: CustomerItem) -> Customer:
    knowledge = None
    if item.knowledge_salt:
        knowledge = KnowledgeHashes(
            item.knowledge_salt, item.national_id_hash, item.postal_code_hash
        )
    open_txn = None
    if item.open_transaction is not None:
        mark = item.open_transaction
        open_txn = OpenTransaction(
            payment_id=mark.payment_id,
            amount=Money(int(mark.amount_minor), mark.currency),
            channel=mark.channel,
            opened_at=mark.opened_at,
        )
    pending_callback = None
    if item.pending_callback is not None:
        held = item.pending_callback
        pending_callback = PendingCallbackMark(
            held.callback_id, held.queue, held.call_at, held.timezone
        )
    return Customer(
        phone=item.phone,
        first_name=item.first_name,
        last_name=item.last_name,
        email=item.email,
        account_number=item.account_number,
        balance=Money(int(item.balance_minor), item.currency),
        timezone=item.timezone,
        language=item.language,
        voice_enrolment=VoiceEnrolment(item.voice_enrolment),
        knowledge=knowledge,
        open_transaction=open_txn,
        pending_callback=pending_callback,
    )


class DynamoCallerStore:
    def __init__(self) -> None:
        self._connection: Connection | None = None

    def _transaction(self) -> TransactWrite:
        if self._connection is None:
            self._connection = Connection()
        return TransactWrite(connection=self._connection)

    def find_by_phone(self, phone: str) -> Customer | None:
        # One GetItem: the open transaction and pending callback travel on the customer item.
        with translated("find customer"):
            try:
                item = CustomerItem.get(phone)
            except CustomerItem.DoesNotExist:
                return None
        # A customer the system of record deleted leaves a tombstone (ivr.adapters.dynamodb.
        # customer_import): for the IVR there is no such customer.
        return None if item.deleted_at is not None else customer_from_item(item)

    def find_by_account(self, account_number: str) -> Customer | None:
        with translated("find customer by account"):
            items = list(CustomerItem.by_account.query(account_number, limit=1))
        return customer_from_item(items[0]) if items else None

    def save(self, customer: Customer) -> None:
        knowledge = customer.knowledge
        attributes = CustomerItem
        actions: list[Action] = [
            attributes.first_name.set(customer.first_name),
            attributes.last_name.set(customer.last_name),
            attributes.email.set(customer.email),
            attributes.account_number.set(customer.account_number),
            attributes.balance_minor.set(customer.balance.minor),
            attributes.currency.set(customer.balance.currency),
            attributes.timezone.set(customer.timezone),
            attributes.language.set(customer.language),
            attributes.voice_enrolment.set(customer.voice_enrolment.value),
        ]
        if knowledge is not None:
            actions.append(attributes.knowledge_salt.set(knowledge.salt))
            if knowledge.national_id_last4:
                actions.append(attributes.national_id_hash.set(knowledge.national_id_last4))
            if knowledge.postal_code:
                actions.append(attributes.postal_code_hash.set(knowledge.postal_code))
        with translated("save customer"):
            # UpdateItem, not PutItem: the open-transaction and pending-callback marks belong to
            # their stores.
            CustomerItem(customer.phone).update(actions=actions)

    def set_voice_enrolment(
        self,
        phone: str,
        status: VoiceEnrolment,
        *,
        note: ActivityEvent | None = None,
        activity: ActivityLog | None = None,
    ) -> None:
        actions: list[Action] = [CustomerItem.voice_enrolment.set(status.value)]
        exists = CustomerItem.phone.exists()
        try:
            if note is not None and activity is not None:
                try:
                    # The record and the timeline's event in one TransactWriteItems.
                    with translated("set voice enrolment"), self._transaction() as write:
                        write.update(CustomerItem(phone), actions=actions, condition=exists)
                        noted = note_along(write, note, activity)
                except StoreUnavailableError:
                    pass  # the timeline must not cost the record: written alone below
                else:
                    if not noted:
                        with suppress(StoreUnavailableError):
                            activity.append(note)
                    return
            with translated("set voice enrolment"):
                CustomerItem(phone).update(actions=actions, condition=exists)
        except ConflictError as missing:
            raise NotFoundError("no such customer") from missing
        if note is not None and activity is not None:
            with suppress(StoreUnavailableError):
                activity.append(note)

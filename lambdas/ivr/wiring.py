"""The composition root: the real stores, built once per execution environment."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.activity import ActivityLog
    from ivr.callbacks import CallbackStore
    from ivr.callers import CallerStore
    from ivr.messaging.outbox import LocalOutbox
    from ivr.notify import Notifier
    from ivr.portal import PortalSessionStore
    from ivr.transactions import TransactionStore


@cache
def callers() -> CallerStore:
    from ivr.store.callers import DynamoCallerStore

    return DynamoCallerStore()


@cache
def transactions() -> TransactionStore:
    from ivr.store.transactions import DynamoTransactionStore

    return DynamoTransactionStore()


@cache
def portal_sessions() -> PortalSessionStore:
    from ivr.store.portal import DynamoPortalSessionStore

    return DynamoPortalSessionStore()


@cache
def callbacks() -> CallbackStore:
    from ivr.store.callbacks import DynamoCallbackStore

    return DynamoCallbackStore()


@cache
def activity() -> ActivityLog:
    from ivr.store.activity import DynamoActivityLog

    return DynamoActivityLog()


def pepper() -> bytes:
    """The hashing pepper from Secrets Manager, cached by Powertools for ``secret_max_age``."""
    from aws_lambda_powertools.utilities import parameters

    from ivr.settings import settings

    config = settings()
    value = parameters.get_secret(config.pepper_secret_id, max_age=config.secret_max_age)
    return value.encode() if isinstance(value, str) else bytes(value)


@cache
def notifier() -> Notifier:
    """The sender chosen by ``NOTIFIER``; the AWS adapters arrive with the payments issue."""
    from ivr.settings import settings

    config = settings()
    if config.notifier == "local":
        return local_outbox()
    raise ValueError(f"unknown NOTIFIER {config.notifier!r}")


@cache
def local_outbox() -> LocalOutbox:
    from pathlib import Path

    from ivr.messaging.outbox import LocalOutbox
    from ivr.settings import settings

    path = settings().local_outbox_path
    return LocalOutbox(Path(path) if path else None)

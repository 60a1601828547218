"""Send a queued message exactly once per idempotency key, whatever SQS redelivers."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from ivr.notify import Notifier, OutgoingMessage

#: SQS keeps a message 4 days at most; a record must outlive every redelivery of its message.
RECORD_SECONDS = 5 * 24 * 3600


def send_once(
    message: OutgoingMessage,
    *,
    notifier: Notifier,
    persistence: BasePersistenceLayer,
    lambda_context: Any = None,
) -> str:
    """Send ``message`` unless a message with its key was sent; returns the provider's id.

    Powertools keeps an idempotency record per key: a redelivered message finds the record and
    gets the first send's id back; a concurrent delivery finds it in progress and fails (SQS
    redelivers it later). When the provider refuses, the record is deleted so a retry can send.
    """

    def send(delivery: dict[str, str]) -> dict[str, str]:
        return {"messageId": notifier.send(message)}

    config = IdempotencyConfig(
        event_key_jmespath="idempotencyKey", expires_after_seconds=RECORD_SECONDS
    )
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)  # in-progress records end with the Lambda
    guarded: Any = idempotent_function(
        data_keyword_argument="delivery",
        persistence_store=persistence,
        config=config,
        key_prefix="notification",
    )(send)
    result = guarded(delivery={"idempotencyKey": message.idempotency_key})
    return str(result["messageId"])

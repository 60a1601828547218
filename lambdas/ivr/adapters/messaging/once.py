"""Messages a Connect-invoked step sends itself: each idempotency key sent once, however Connect
retries the step (up to 4 runs within 8 s, a retry possibly overlapping a run still waiting on
the provider). Keys name the contact (or what it created) and the step."""

from __future__ import annotations

import uuid

from ivr.core.errors import NotificationError
from ivr.notify import Notifier, OutgoingMessage
from ivr.steps import StepClaims


class SentOnce:
    """A Notifier that claims a message's key (a conditional put) before handing it over: the
    first run sends, an overlapping or later run finds the claim and sends nothing. A refused
    send gives the claim up, so a retry can send."""

    def __init__(self, notifier: Notifier, claims: StepClaims) -> None:
        self._notifier = notifier
        self._claims = claims

    def send(self, message: OutgoingMessage) -> str:
        key = f"message#{message.idempotency_key}"
        mine = uuid.uuid4().hex
        holder = self._claims.claim(key, mine)
        if holder != mine:
            return holder  # sent, or being sent, by the run that claimed it
        try:
            return self._notifier.send(message)
        except NotificationError:
            self._claims.release(key, mine)
            raise

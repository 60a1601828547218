"""The sandbox processor: approves and declines by published test card numbers, in memory.

* 4242424242424242 (and any other Luhn-valid number) approves;
* 4000000000000002 declines ("card_declined"), 4000000000009995 declines ("insufficient_funds").

``unanswered`` (a scenario's ``call.processor.unanswered``) makes the next charges answer the way
a processor that stops answering does: the charge is made, and the answer is lost
(ProcessorUnavailableError, after the adapter's deadline); asking again with the same key then
answers what was done, as a real gateway's idempotency does.

Tokens are random and stand for the card only inside this process; the card number itself is
dropped as soon as its brand and last four are known (nothing stores it).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from ivr.core.money import Money
from ivr.payments.cards import (
    CardDetails,
    CardToken,
    ChargeResult,
    ChargeStatus,
    InvalidCardError,
    ProcessorUnavailableError,
    card_brand,
    check_amount,
)

DECLINING = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}


@dataclass(frozen=True)
class Charge:
    charge_id: str
    token: str
    amount: Money
    idempotency_key: str
    status: ChargeStatus


@dataclass
class SandboxProcessor:
    _cards: dict[str, tuple[CardToken, str]] = field(default_factory=dict)  # token -> card, decline
    _charges: dict[str, ChargeResult] = field(default_factory=dict)  # idempotency key -> result
    charges: list[Charge] = field(default_factory=list)  # every charge actually made
    unanswered: int = 0  # the next charge requests (new or repeated) whose answers are lost
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def tokenize(self, card: CardDetails) -> CardToken:
        token = CardToken("tok_" + secrets.token_urlsafe(18), card_brand(card.number), card.last4)
        with self._lock:
            self._cards[token.token] = (token, DECLINING.get(card.number, ""))
        return token

    def card_of(self, token: str) -> CardToken | None:
        with self._lock:
            entry = self._cards.get(token)
        return entry[0] if entry else None

    def charge(self, token: str, amount: Money, idempotency_key: str) -> ChargeResult:
        check_amount(amount)
        with self._lock:
            result = self._charges.get(idempotency_key) or self._new_charge(
                token, amount, idempotency_key
            )
            if self.unanswered > 0:
                self.unanswered -= 1
                raise ProcessorUnavailableError("the sandbox processor's answer was lost")
            return result

    def _new_charge(self, token: str, amount: Money, idempotency_key: str) -> ChargeResult:
        entry = self._cards.get(token)
        if entry is None:
            raise InvalidCardError("unknown card token")
        card, decline = entry
        status = ChargeStatus.DECLINED if decline else ChargeStatus.APPROVED
        result = ChargeResult(status, "ch_" + secrets.token_hex(8), card, decline)
        self._charges[idempotency_key] = result
        self.charges.append(Charge(result.charge_id, token, amount, idempotency_key, status))
        return result

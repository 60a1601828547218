"""The agent whisper: the caller's situation in one breath, before the agent says hello.

Who is calling, whether and how they authenticated, what they wanted, and where they stopped
("payment of $120.50 pending on the portal", "authentication failed: three wrong keypad
answers in this call"). Short sentences, no digits the agent does not need.
"""

from __future__ import annotations

from ivr.agent.timeline import INTENT_PHRASES, ContactFacts
from ivr.payments.checkout import PaymentState

AUTH_METHODS = {"voice": "by voice", "keypad": "by keypad", "account": "by account number"}

_PORTAL_STOPS = {
    PaymentState.WAITING: "payment of {amount} pending on the portal",
    PaymentState.INCOMPLETE: "payment of {amount} pending on the portal, details incomplete",
    PaymentState.COMPLETE: "payment of {amount} completed on the portal",
    PaymentState.DECLINED: "card declined on the portal for {amount}",
    PaymentState.EXPIRED: "portal link for {amount} expired unused",
    PaymentState.LOCKED: "portal link for {amount} locked after 5 wrong PINs",
}


def _who(facts: ContactFacts) -> str:
    if facts.customer is None:
        return "Unknown caller"
    return f"{facts.customer.first_name} {facts.customer.last_name}".strip()


def _authentication(facts: ContactFacts) -> str:
    if facts.auth_failure:
        return facts.auth_failure.rstrip(".")
    if facts.authenticated:
        how = AUTH_METHODS.get(facts.auth_method, "")
        return f"authenticated {how}".strip()
    return "not authenticated"


def _where_stopped(facts: ContactFacts) -> str:
    if facts.portal is not None and facts.portal.state in _PORTAL_STOPS:
        return _PORTAL_STOPS[facts.portal.state].format(amount=facts.portal.amount)
    if facts.open_transaction is not None:
        amount = facts.open_transaction.amount.spoken()
        return f"payment of {amount} left open on an earlier call"
    if facts.pending_callback is not None:
        return f"callback pending {facts.pending_callback.spoken()}"
    return ""


def whisper_text(facts: ContactFacts) -> str:
    parts = [_who(facts), _authentication(facts)]
    if facts.intent:
        parts.append(INTENT_PHRASES.get(facts.intent, f"intent {facts.intent}"))
    stopped = _where_stopped(facts)
    if stopped:
        parts.append(stopped)
    return ". ".join(part[:1].upper() + part[1:] for part in parts) + "."

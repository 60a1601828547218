"""Scenario expectations about payments: ``expect.outbox`` and ``expect.transaction``.

``outbox``: a list of {channel, to, text}; each must match at least one message sent during the
call (``text`` is a case-insensitive fragment; ``to`` and ``channel`` are optional).
``transaction``: the final status (open, complete, failed, abandoned) of the calling customer's
latest transaction. ``transactions``: the statuses of all their transactions, oldest first (an
abandoned payment picked up again is ``[abandoned, complete]``).
"""

from __future__ import annotations

from typing import Any


def check_outbox(wanted: list[dict[str, Any]], outbox: list[dict[str, str]]) -> list[str]:
    failures = []
    for spec in wanted:
        channel, to, text = spec.get("channel"), spec.get("to"), str(spec.get("text", ""))
        if not any(
            (channel is None or m["channel"] == str(channel))
            and (to is None or m["to"] == str(to))
            and text.lower() in m["text"].lower()
            for m in outbox
        ):
            sent = [f"{m['channel']} to {m['to']}: {m['text']}" for m in outbox] or ["(nothing)"]
            failures.append(f"expected a message like {spec} in the outbox; sent: {sent}")
    return failures


def check_transaction(wanted: str, caller_number: str | None) -> list[str]:
    """Read the final status through the real store (call inside the scenario's AWS)."""
    from ivr import wiring
    from ivr.core.phone import normalise_e164

    if not caller_number:
        return ["expect.transaction needs call.from"]
    phone = normalise_e164(caller_number, "US")
    latest = wiring.transactions().for_customer(phone, limit=1)
    actual = latest[0].status.value if latest else "none"
    if actual != wanted:
        return [f"expected the transaction to end {wanted!r}, it is {actual!r}"]
    return []


def check_transactions(wanted: list[str], caller_number: str | None) -> list[str]:
    """Every transaction's final status, oldest first, through the real store."""
    from ivr import wiring
    from ivr.core.phone import normalise_e164

    if not caller_number:
        return ["expect.transactions needs call.from"]
    phone = normalise_e164(caller_number, "US")
    actual = [t.status.value for t in reversed(wiring.transactions().for_customer(phone))]
    if actual != wanted:
        return [f"expected the transactions to end {wanted}, they are {actual}"]
    return []


def check_payment_expectations(
    expect: dict[str, Any], outbox: list[dict[str, str]], caller_number: str | None
) -> list[str]:
    failures = check_outbox(list(expect.get("outbox") or []), outbox)
    if "transaction" in expect:
        failures += check_transaction(str(expect["transaction"]), caller_number)
    if "transactions" in expect:
        wanted = [str(status) for status in expect["transactions"] or []]
        failures += check_transactions(wanted, caller_number)
    return failures

"""Review findings on keypad sign-in: the account-number path is no oracle, and the per-call limit
holds under concurrent tries (whole calls and the store, against DynamoDB in moto)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from simulator.call import CallSetup, place_call
from simulator.flows import CallRecord
from simulator.people import ScriptedCaller

# The same seeded customer and clock as the authentication tests: one fixture, not a copy.
from tests.integration import test_authentication  # noqa: E402

ANA, START = test_authentication.ANA, test_authentication.START
seeded = test_authentication.seeded  # the fixture itself, found by pytest under this name


def _call(number: str | None, presses: list[str], *, at: datetime, voice: str) -> CallRecord:
    steps: list[dict[str, Any]] = [{"say": "what's my balance"}] if number is None else []
    steps += [{"press": keys} for keys in presses]
    caller = ScriptedCaller.from_steps(steps)
    if number is not None:
        caller.phone = number
    record = place_call(CallSetup(number, at, voice=voice), caller)
    caller.finish()
    return record


def account_call(account: str, postal_codes: list[str], *, at: datetime = START) -> CallRecord:
    """A caller who withholds their number: account number, then postal codes."""
    presses = ["1"]
    for code in postal_codes:  # a wrong answer asks for the account number again
        presses += [f"{account}#", f"{code}#"]
    return _call(None, presses, at=at, voice="not_authenticated")


def _heard(record: CallRecord) -> tuple[list[str], str, str | None]:
    return record.prompts, record.ended, record.attributes.get("authOutcome")


def test_a_locked_account_sounds_like_one_that_does_not_exist(seeded: None) -> None:
    from ivr import wiring
    from ivr.auth.keypad import CustomerFailures

    wiring.auth_store().save_customer_failures(  # Ana's keypad locked from her number on record
        CustomerFailures("+13125550142", {"x#1": START}, locked_at=START, version=1), 0
    )
    wrong = ["11111", "22222", "33333"]
    missing = account_call("999999999", wrong)
    locked = account_call("100200301", wrong)
    assert _heard(locked) == _heard(missing)
    assert not any("locked" in prompt for prompt in locked.prompts)
    right_but_locked = account_call("100200301", ["60601", *wrong[1:]])
    assert _heard(right_but_locked) == _heard(missing)


def test_account_path_failures_do_not_lock_the_owner_out_of_their_own_number(
    seeded: None,
) -> None:
    for hour in range(3):  # 9 wrong postal codes for Ana's account number in a day
        account_call("100200301", ["11111", "22222", "33333"], at=START + timedelta(hours=hour))
    own = _call("+13125550142", ["4321#"], at=START + timedelta(hours=4), voice="not_authenticated")
    assert own.attributes.get("authenticated") == "true"
    assert not any("locked" in prompt for prompt in own.prompts)


def test_the_account_path_still_locks_itself_after_five_wrong_answers(seeded: None) -> None:
    account_call("100200301", ["11111", "22222", "33333"])
    account_call("100200301", ["44444", "55555", "66666"], at=START + timedelta(hours=1))
    later = account_call("100200301", ["60601"], at=START + timedelta(hours=2))
    assert later.attributes.get("authenticated") != "true"  # the right code no longer opens it


def test_concurrent_tries_in_one_call_never_count_more_than_three(seeded: None) -> None:
    from ivr import wiring
    from ivr.auth.keypad import (
        KeypadAttempt,
        KeypadLimits,
        KeypadResult,
        KeypadServices,
        KnowledgeQuestion,
        check_keypad_answer,
    )

    customer = wiring.callers().find_by_phone("+13125550142")
    services = KeypadServices(
        wiring.auth_store(), wiring.activity(), wiring.pepper(), KeypadLimits(3, 50)
    )

    def wrong(n: int) -> KeypadResult:
        attempt = KeypadAttempt("one-call", n, "0000")
        verdict = check_keypad_answer(
            attempt, customer, KnowledgeQuestion.NATIONAL_ID, services=services, now=START
        )
        return verdict.result

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = Counter(pool.map(wrong, range(1, 21)))
    contact = wiring.auth_store().contact("one-call")
    counted = wiring.auth_store().customer_failures("+13125550142")
    assert contact is not None and len(contact.failures) == 3
    assert counted is not None and len(counted.failures) == 3
    assert results[KeypadResult.WRONG] <= 2

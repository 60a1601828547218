"""Authentication end to end against DynamoDB (moto): handlers, counters, calls, table dumps."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest

from simulator.call import CallSetup, place_call
from simulator.flows import CallRecord
from simulator.people import ScriptedCaller
from tests.conftest import load_event

ANA = {
    "customers": [
        {
            "phone": "+13125550142",
            "name": "Ana Souza",
            "balance": "120.50",
            "timezone": "America/Chicago",
            "account_number": "100200301",
            "national_id_last4": "4321",
            "postal_code": "60601",
        }
    ]
}
START = datetime.fromisoformat("2026-12-01T09:30:00-06:00")


@pytest.fixture
def seeded(aws: None) -> None:
    from simulator.seed import load_given

    load_given(ANA)


def call(steps: list[dict[str, Any]], voice: str, *, at: datetime = START) -> CallRecord:
    caller = ScriptedCaller.from_steps(steps)
    caller.phone = "+13125550142"
    record = place_call(CallSetup("+13125550142", at, voice=voice), caller)
    caller.finish()
    assert not caller.failures, caller.failures
    return record


def dump_tables() -> str:
    import boto3

    from simulator.local_aws import table_definitions

    client = boto3.client("dynamodb")
    items = [
        item for table in table_definitions() for item in client.scan(TableName=table)["Items"]
    ]
    return json.dumps(items)


def encrypted(digits: str) -> str:
    """``digits`` as Connect stores them with the flows' InputEncryption (the local key)."""
    from simulator.flows.encryption import encrypt_stored_input

    key = {"EncryptionKeyId": "${InputEncryptionKeyId}", "Key": "${InputEncryptionCertificate}"}
    return encrypt_stored_input(digits, key)


def standalone(digits: str, text: str) -> bool:
    return re.search(rf"(?<![0-9A-Za-z]){digits}(?![0-9A-Za-z])", text) is not None


# --- handlers ----------------------------------------------------------------------------------


def test_keypad_handler_answers_connect_with_a_flat_map(seeded: None, lambda_context: Any) -> None:
    import keypad_authentication

    event = load_event("connect/keypad_check.json")
    event["Details"]["Parameters"]["answer"] = encrypted("4321")
    result = keypad_authentication.lambda_handler(event, lambda_context)
    assert result == {"status": "ok", "result": "authenticated", "nextTry": "1"}


def test_keypad_handler_never_echoes_the_digits(seeded: None, lambda_context: Any) -> None:
    import keypad_authentication

    event = load_event("connect/keypad_check.json")
    event["Details"]["Parameters"]["answer"] = encrypted("9876")
    result = keypad_authentication.lambda_handler(event, lambda_context)
    assert result["result"] == "wrong" and result["nextTry"] == "2"
    assert "9876" not in json.dumps(result)


@pytest.mark.parametrize(
    "event",
    [None, {}, {"Name": "ContactFlowEvent"}, "garbage", {"Name": "ContactFlowEvent", "Details": 7}],
)
def test_auth_handlers_answer_garbage_with_an_error_the_flow_can_branch_on(
    seeded: None, lambda_context: Any, event: Any
) -> None:
    import enrolment_code
    import keypad_authentication
    import voice_authentication

    for handler in (keypad_authentication, voice_authentication, enrolment_code):
        result = handler.lambda_handler(event, lambda_context)
        assert result["status"] == "error", handler


def test_an_unknown_action_is_refused(seeded: None, lambda_context: Any) -> None:
    import voice_authentication

    event = copy.deepcopy(load_event("connect/voice_verify.json"))
    event["Details"]["Parameters"] = {"action": "delete_everyone"}
    result = voice_authentication.lambda_handler(event, lambda_context)
    assert result == {"status": "error", "errorCode": "MalformedEvent"}


def test_voice_handler_passes_the_media_stream_and_answers_the_verdict(
    seeded: None, lambda_context: Any
) -> None:
    import voice_authentication

    from ivr.adapters.local.simulated_voice import simulated_voice

    event = load_event("connect/voice_verify.json")
    simulated_voice().script(event["Details"]["ContactData"]["ContactId"], "authenticated")
    result = voice_authentication.lambda_handler(event, lambda_context)
    assert result["result"] == "Authenticated"
    assert result["score"] == "96" and result["enoughSpeech"] == "true"
    assert result["keypadAsk"] == "nationalId"


# --- counters under concurrency ----------------------------------------------------------------


def test_100_concurrent_wrong_answers_count_exactly_five_before_the_lock(seeded: None) -> None:
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
        wiring.auth_store(), wiring.activity(), wiring.pepper(), KeypadLimits(3, 5)
    )

    def wrong(n: int) -> KeypadResult:
        attempt = KeypadAttempt(f"parallel-call-{n}", 1, "0000")
        verdict = check_keypad_answer(
            attempt, customer, KnowledgeQuestion.NATIONAL_ID, services=services, now=START
        )
        return verdict.result

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = Counter(pool.map(wrong, range(100)))
    counted = wiring.auth_store().customer_failures("+13125550142")
    assert counted is not None and counted.locked
    assert len(counted.failures) == 5
    assert results[KeypadResult.WRONG] == 4  # the fifth counted answer is the one that locks
    assert results[KeypadResult.LOCKED] == 96
    right = KeypadAttempt("after-the-lock", 1, "4321")
    verdict = check_keypad_answer(
        right, customer, KnowledgeQuestion.NATIONAL_ID, services=services, now=START
    )
    assert verdict.result is KeypadResult.LOCKED


# --- whole calls -------------------------------------------------------------------------------


def test_the_keypad_locks_across_two_calls_within_24_hours(seeded: None) -> None:
    first = call([{"press": "1111#"}, {"press": "2222#"}, {"press": "3333#"}], "not_authenticated")
    assert first.ended == "queue:BasicQueue"
    assert any("three wrong keypad answers" in w for w in first.whisper)
    second = call(
        [{"press": "4444#"}, {"press": "5555#"}],
        "not_authenticated",
        at=START + timedelta(hours=3),
    )
    assert any("keypad sign-in is locked" in p for p in second.prompts)
    assert any("keypad locked" in w for w in second.whisper)
    third = call([{"press": "4321#"}], "not_authenticated", at=START + timedelta(hours=30))
    assert any("keypad sign-in is locked" in p for p in third.prompts)  # right answer, still locked
    assert third.attributes.get("authenticated") == "false"


def test_an_opted_out_caller_is_never_asked_again(seeded: None) -> None:
    first = call([{"press": "2"}, {"press": "4321#"}, {"hangup": True}], "not_enrolled")
    assert any("won't ask you about voice recognition again" in p for p in first.prompts)
    second = call([{"press": "4321#"}, {"hangup": True}], "not_enrolled")
    assert not any("recognise your voice" in p for p in second.prompts)
    assert second.attributes.get("authMethod") == "keypad"


def test_the_transcript_records_each_step_and_never_the_digits(seeded: None) -> None:
    from ivr import wiring

    record = call([{"press": "1111#"}, {"press": "4321#"}, {"hangup": True}], "inconclusive")
    assert record.attributes.get("authMethod") == "keypad"
    events = [
        e
        for e in _all_activity(wiring)
        if e.kind == "auth" and e.text.startswith(("voice", "keypad", "authenticated"))
    ]
    texts = [e.text for e in events]
    assert texts == ["voice: inconclusive", "keypad: failed 1/3", "authenticated by keypad"]
    assert not any(standalone(d, " ".join(texts)) for d in ("1111", "4321"))


def _all_activity(wiring: Any) -> list[Any]:
    from ivr.adapters.dynamodb.tables import ActivityItem

    contacts = {item.contact_id for item in ActivityItem.scan()}
    return [e for c in contacts for e in wiring.activity().for_contact(c)]


def test_a_table_dump_reveals_none_of_the_seeded_answers(seeded: None) -> None:
    from simulator.voice import last_code_sent

    call([{"press": "1111#"}, {"press": "4321#"}, {"hangup": True}], "not_authenticated")
    call(
        [{"press": "1"}, {"press": "4321#"}, {"press": "otp"}, {"hangup": True}],
        "not_enrolled",
        at=START + timedelta(minutes=5),
    )
    code = last_code_sent("+13125550142")
    assert code is not None
    dump = dump_tables()
    for secret in ("4321", "60601", "1111", code):
        assert not standalone(secret, dump), secret
    # Without the pepper the hashes give nothing away: every 4-digit answer, salted and hashed
    # the ways a thief could try without the key, matches none of the stored hashes.
    hashes = set(re.findall(r"[0-9a-f]{64}", dump))
    salts = set(re.findall(r'"knowledge_salt": \{"S": "([0-9a-f]+)"\}', dump))
    assert hashes and salts
    for salt in salts:
        for n in range(10_000):
            guess = f"{salt}\x00{n:04d}".encode()
            assert hashlib.sha256(guess).hexdigest() not in hashes
            assert hmac.new(b"", guess, hashlib.sha256).hexdigest() not in hashes


def test_input_we_cannot_decrypt_is_refused_and_never_counted(
    seeded: None, lambda_context: Any
) -> None:
    import keypad_authentication

    from ivr import wiring

    event = load_event("connect/keypad_check.json")
    event["Details"]["Parameters"]["answer"] = "4321"  # in clear: not Connect's ciphertext
    result = keypad_authentication.lambda_handler(event, lambda_context)
    assert result == {"status": "error", "errorCode": "UnreadableInput"}
    assert wiring.auth_store().customer_failures("+13125550142") is None

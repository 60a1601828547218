"""Pay by phone against moto: Connect's encryption, decryption with our key, one charge per step."""

from __future__ import annotations

import base64
import io
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from ivr.callers import Customer
from ivr.core.money import Money
from tests.conftest import load_event

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
PHONE = "+13125550142"
#: The flow's InputEncryption, as contact_flows/payment.json names it.
FLOW_KEY = {"EncryptionKeyId": "${InputEncryptionKeyId}", "Key": "${InputEncryptionCertificate}"}
#: A stored input Connect encrypted, published as the example of the amazon-connect-decryption-lib
#: package (PyPI): what Connect really writes, to compare our simulation with.
CONNECT_SAMPLE = (
    "AYADeOCM0sgyKxALhzT1Q0fD+FEAXwABABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREFxdnNLME55K1J1R3JSR0lLdmFu"
    "SVp5Q254RHpNMTY0ZUx4SUt0RE80czR1QWhKRlV2Tm44VExic0p1UnIvb2FnQT09AAEADUFtYXpvbkNvbm5lY3QAJGE1"
    "ZWNkNzQ5LTRiZDgtNGE5NC1iZmRlLTI3ZWVmZTRmMTJiMQIAfQ/ZWMphr1+3+vAd9REB07pMkNP4bgQSamOzwmSHX7B3"
    "Fx5GX1wlbkys9yC//5WfUy7ikFKVsy1BpyyGZ3gtkw8+etXt6c/TIScjxHP+4pXFGVHPwTeAPNNERMJwu3P5DyZEEflC"
    "DIpP6EtcCBlWgNAu4bOTxEDmUdesR1M3xy/BmIK/daUY9A6Z35NKmS1rV3L8kxPwvLzi93m2vwH1YGXcDcxuL3Iwc6Yo"
    "TpI0ZIpQtNs30yeYBm1NNW3No76Wq6+dxNTRs5O6moaS0SNYoPrVmBImU7xqvHKoiBJeRxyA20rRPNbyrAZw3kcoLxyu"
    "hSqcJJS1NKpuUY/XO4i/xMa5C+ZtzfWbsiUF4ApGzkEVZ/m5iMTIFwI6BVlTV60wVMZkqSaQSnJpoC/qOdWK78LxxdBd"
    "mL470lWze0J35Wy7VXynpPAqq9tFYA6Lfq2OyOfjDxj1hwOcaIvjO3yeWCH8SPjer6NChYUUWhLt0CObxaJcHyH5Yogz"
    "knLyiBAvfvVmlJgP8HcLKg8mJM0GQ+aEokISp9HNIyvFqDTwXsRz2OIdOE2a9qrDirkYC/+HEbkka/hYl4nYr+n+Knn/"
    "0RCQ8Nwb7oYk7WnZlU1ADCmYIKjotor2hEK/TlcuxXLylJj8ofgbe8HbsEjFMBdG442b1Eun4r4nUZuLZfm33ncCAAAA"
    "AAwAABAAxVaVGO1V9GzHfrF+z1YV08Baa+e9WeAKBoDFiP////8AAAAB4doeJ2gezq6CHwv+AAAADMznKid/99jwAREv"
    "H4WZtUbQSJSINk1Jes+EmT8AZzBlAjBdmQ6tP1SFucy/R6YrhrTR29AeBK3qF50WMOZ+TC55Yk3J+QAxy3HhSF4zI6mX"
    "n5kCMQC2sBABuFsktmfEvfr1EVWGPGtDYaXEk72ZBR6r3TG/opJSaWuoAUkxxAHCUt6gEl4="
)


def encrypted(digits: str) -> str:
    """``digits`` as Connect stores them for the flow's certificate (the local stack's key)."""
    from simulator.flows.encryption import encrypt_stored_input

    return encrypt_stored_input(digits, FLOW_KEY)


def _header(stored: str) -> Any:
    from aws_encryption_sdk.internal.formatting.deserialize import deserialize_header

    header, _raw = deserialize_header(io.BytesIO(base64.b64decode(stored)), 1)
    return header


# --- Connect's encryption and our decryption ---------------------------------------------------


def test_simulated_encryption_writes_the_message_connect_writes() -> None:
    ours, connects = _header(encrypted("4242424242424242")), _header(CONNECT_SAMPLE)
    assert ours.version == connects.version
    assert ours.algorithm == connects.algorithm  # AES-256-GCM, HKDF-SHA384, ECDSA P-384
    assert ours.content_type == connects.content_type  # framed
    assert ours.frame_length == connects.frame_length == 4096
    assert set(ours.encryption_context) == set(connects.encryption_context)
    (our_key,), (their_key,) = ours.encrypted_data_keys, connects.encrypted_data_keys
    assert our_key.key_provider.provider_id == their_key.key_provider.provider_id
    assert their_key.key_provider.provider_id == "AmazonConnect"


def _decrypter(*keys: tuple[str, str]) -> Any:
    from ivr.adapters.connect.stored_input import EncryptionSdkDecrypter

    return EncryptionSdkDecrypter(lambda: {key_id: pem.encode() for key_id, pem in keys})


def test_our_private_key_decrypts_what_the_caller_typed() -> None:
    from simulator.input_keys import local_input_key

    key = local_input_key()
    decrypter = _decrypter((key.key_id, key.private_key_pem))
    assert decrypter.decrypt(encrypted("4242424242424242")) == "4242424242424242"


def test_a_ciphertext_carried_between_steps_still_decrypts() -> None:
    from ivr.adapters.connect.ciphertext import carried
    from simulator.input_keys import local_input_key

    key = local_input_key()
    carried_value = carried(encrypted("1230"))
    assert set(carried_value) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    assert _decrypter((key.key_id, key.private_key_pem)).decrypt(carried_value) == "1230"


@pytest.mark.parametrize(
    "stored",
    ["Timeout", "", "not base64 at all!", CONNECT_SAMPLE, "A" * 5000],
    ids=["timeout", "empty", "garbage", "another-instances-key", "oversized"],
)
def test_what_was_not_encrypted_for_our_key_is_unreadable(stored: str) -> None:
    from ivr.core.keypad_input import UnreadableInputError
    from simulator.input_keys import local_input_key

    key = local_input_key()
    with pytest.raises(UnreadableInputError):
        _decrypter((key.key_id, key.private_key_pem)).decrypt(stored)


def test_a_damaged_ciphertext_is_unreadable() -> None:
    from ivr.core.keypad_input import UnreadableInputError
    from simulator.input_keys import local_input_key

    key = local_input_key()
    message = bytearray(base64.b64decode(encrypted("4242424242424242")))
    message[-120] ^= 0x01  # one bit of the body or its signature
    with pytest.raises(UnreadableInputError):
        _decrypter((key.key_id, key.private_key_pem)).decrypt(base64.b64encode(message).decode())


def test_during_key_rotation_input_for_either_active_key_decrypts() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from simulator.flows.encryption import encrypt_stored_input
    from simulator.input_keys import local_input_key

    old = local_input_key()
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    new_pem = new_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    decrypter = _decrypter((old.key_id, old.private_key_pem), ("new-key", new_pem))
    assert decrypter.decrypt(encrypted("123")) == "123"
    # A flow already switched to the new certificate (self-signed here, as locally).
    certificate = _self_signed(new_key)
    for_new = encrypt_stored_input("737", {"EncryptionKeyId": "new-key", "Key": certificate})
    assert decrypter.decrypt(for_new) == "737"


def _self_signed(key: Any) -> str:
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rotated")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


# --- the handler, end to end against moto ------------------------------------------------------


@pytest.fixture
def world(aws: None) -> Iterator[Any]:
    from ivr import wiring
    from ivr.core import clock

    wiring.callers().save(
        Customer(
            phone=PHONE,
            first_name="Ana",
            last_name="Souza",
            email="ana.souza@example.com",
            account_number="100200301",
            balance=Money(12050),
            timezone="America/Chicago",
        )
    )
    with clock.installed(lambda: NOW):
        yield wiring


def _event(contact_id: str, step: str, **fields: str) -> dict[str, Any]:
    """The sample event for ``step`` of ``contact_id``, with ``fields`` as its parameters."""
    event: dict[str, Any] = load_event("connect/phone_payment_pay.json")
    data = event["Details"]["ContactData"]
    data["ContactId"] = data["InitialContactId"] = contact_id
    data["Attributes"] = {"callerNumber": PHONE}
    event["Details"]["Parameters"] = {"step": step, **fields}
    return event


def _invoke(event: dict[str, Any], lambda_context: Any) -> dict[str, str]:
    from phone_payment import lambda_handler

    answer: dict[str, str] = lambda_handler(event, lambda_context)
    return answer


def _start(contact_id: str, lambda_context: Any) -> str:
    answer = _invoke(_event(contact_id, "start"), lambda_context)
    assert answer["status"] == "ok", answer
    return answer["paymentId"]


def _pay_event(contact_id: str, payment_id: str, card: str = "4242424242424242") -> dict[str, Any]:
    from ivr.adapters.connect.ciphertext import carried

    event: dict[str, Any] = load_event("connect/phone_payment_pay.json")
    data = event["Details"]["ContactData"]
    data["ContactId"] = data["InitialContactId"] = contact_id
    data["Attributes"]["paymentId"] = payment_id
    event["Details"]["Parameters"].update(
        cardNumber=carried(encrypted(card)), expiry=carried(encrypted("1230")), cvv=encrypted("123")
    )
    return event


def test_phone_payment_pays_once_and_queues_both_confirmations(
    world: Any, lambda_context: Any
) -> None:
    from simulator.delivery import deliver_queued_messages

    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact, lambda_context)
    answer = _invoke(_pay_event(contact, payment_id), lambda_context)
    assert answer["result"] == "approved"
    assert answer["last4"] == "4242"
    assert answer["amountSpoken"] == "$120.50"
    assert world.transactions().get(payment_id).status.value == "complete"
    deliver_queued_messages()
    sent = {(m["channel"], m["to"]) for m in world.local_outbox().messages()}
    assert sent == {("sms", PHONE), ("email", "ana.souza@example.com")}


def test_pay_step_four_times_in_a_row_charges_once_and_answers_the_same(
    world: Any, lambda_context: Any
) -> None:
    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact, lambda_context)
    event = _pay_event(contact, payment_id)
    answers = [_invoke(event, lambda_context) for _ in range(4)]
    assert {a["result"] for a in answers} == {"approved"}
    assert len({a["reference"] for a in answers}) == 1
    assert len(world.sandbox_processor().charges) == 1


def test_pay_step_fifty_times_concurrently_charges_once(world: Any, lambda_context: Any) -> None:
    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact, lambda_context)
    event = _pay_event(contact, payment_id)
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: _invoke(event, lambda_context), range(50)))
    assert {a.get("result") for a in answers if a["status"] == "ok"} == {"approved"}
    assert len(world.sandbox_processor().charges) == 1
    assert world.transactions().get(payment_id).status.value == "complete"


def test_start_four_times_in_a_row_opens_one_transaction(world: Any, lambda_context: Any) -> None:
    contact = f"contact-{uuid.uuid4()}"
    ids = {_start(contact, lambda_context) for _ in range(4)}
    assert len(ids) == 1
    assert len(world.transactions().for_customer(PHONE)) == 1


def test_start_fifty_times_concurrently_opens_one_transaction(
    world: Any, lambda_context: Any
) -> None:
    contact = f"contact-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(
            pool.map(lambda _: _invoke(_event(contact, "start"), lambda_context), range(50))
        )
    assert len({a["paymentId"] for a in answers if a["status"] == "ok"}) == 1
    assert len(world.transactions().for_customer(PHONE)) == 1


def test_a_mistyped_card_number_is_asked_again_and_nothing_is_carried(
    world: Any, lambda_context: Any
) -> None:
    answer = _invoke(
        _event("contact-typo", "card", cardNumber=encrypted("4242424242424241")), lambda_context
    )
    assert answer == {"status": "ok", "result": "invalid", "field": "cardNumber"}


def test_a_good_card_number_is_carried_only_as_ciphertext(world: Any, lambda_context: Any) -> None:
    answer = _invoke(
        _event("contact-good", "card", cardNumber=encrypted("4242424242424242")), lambda_context
    )
    assert answer["result"] == "next"
    assert "4242" not in json.dumps(answer)
    assert len(answer["cardNumber"]) > 500  # the Encryption SDK message, not the digits


def test_an_expiry_past_in_the_callers_zone_is_asked_again(world: Any, lambda_context: Any) -> None:
    # 15:30 UTC on 1 December 2026 is 09:30 in Chicago: November 2026 is over there.
    from ivr.adapters.connect.ciphertext import carried

    card = carried(encrypted("4242424242424242"))
    past = _invoke(
        _event("c-exp", "expiry", cardNumber=card, expiry=encrypted("1126")), lambda_context
    )
    assert past["result"] == "invalid" and past["field"] == "expiry"
    assert past["cardNumber"] == card  # the card number need not be typed again
    this_month = _invoke(
        _event("c-exp", "expiry", cardNumber=card, expiry=encrypted("1226")), lambda_context
    )
    assert this_month["result"] == "next"


def test_a_short_security_code_is_asked_again_with_card_and_expiry_kept(
    world: Any, lambda_context: Any
) -> None:
    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact, lambda_context)
    event = _pay_event(contact, payment_id)
    event["Details"]["Parameters"]["cvv"] = encrypted("12")
    answer = _invoke(event, lambda_context)
    assert answer["result"] == "invalid" and answer["field"] == "cvv"
    assert answer["cardNumber"] and answer["expiry"]
    assert world.sandbox_processor().charges == []


def test_a_declined_card_fails_the_transaction(world: Any, lambda_context: Any) -> None:
    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact, lambda_context)
    answer = _invoke(_pay_event(contact, payment_id, "4000000000000002"), lambda_context)
    assert answer["result"] == "declined"
    assert world.transactions().get(payment_id).status.value == "failed"


def test_without_decryption_keys_the_caller_gets_the_error_branch(
    world: Any, lambda_context: Any
) -> None:
    import boto3

    boto3.client("secretsmanager").put_secret_value(
        SecretId="InputDecryptionKeySecret", SecretString="{}"
    )
    answer = _invoke(
        _event("contact-nokey", "card", cardNumber=encrypted("4242424242424242")), lambda_context
    )
    assert answer == {"status": "error", "errorCode": "DecryptionKeyUnavailable"}


def test_no_clear_card_field_reaches_the_logs(
    world: Any, lambda_context: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    contact = f"contact-{uuid.uuid4()}"
    payment_id = _start(contact, lambda_context)
    _invoke(_pay_event(contact, payment_id), lambda_context)
    logged = capsys.readouterr().out
    assert "4242424242424242" not in logged and '"123"' not in logged and "1230" not in logged


@pytest.mark.parametrize("module", ["phone_payment", "abandon_payment"])
@pytest.mark.parametrize(
    "event",
    [None, {}, [], "x", {"Name": "ContactFlowEvent"}, "step"],
    ids=["none", "empty", "list", "text", "no-details", "unknown-step"],
)
def test_handlers_answer_garbage(world: Any, lambda_context: Any, module: str, event: Any) -> None:
    import importlib

    if event == "step":
        event = _event("contact-garbage", "refund")
    answer = importlib.import_module(module).lambda_handler(event, lambda_context)
    assert answer["status"] == "error"

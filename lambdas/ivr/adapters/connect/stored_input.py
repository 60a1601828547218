"""Decrypting Amazon Connect's encrypted "store customer input" the way Connect encrypts it.

Connect encrypts the digits with the AWS Encryption SDK (message format 1, algorithm suite
AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, 4 KiB frames) under one data key wrapped with
RSA-OAEP (SHA-512, MGF1) for the public key of the certificate the flow names; the message's
key provider is "AmazonConnect" and its key id the flow's ``EncryptionKeyId``. The stored input
is that message in base64. Our private keys - up to two, as Connect lets two keys be active for
rotation - sit in a Secrets Manager secret as JSON ``{"<EncryptionKeyId>": "<PEM private key>"}``.

The suite is not key-committing, so the client allows decrypting it (REQUIRE_ENCRYPT_ALLOW_DECRYPT)
and accepts one encrypted data key only, as Connect writes (no decryption work for crafted
messages with many keys).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import aws_encryption_sdk
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.exceptions import InvalidKeyIdError
from aws_encryption_sdk.identifiers import EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKeyProvider
from cryptography.hazmat.primitives import serialization

from ivr.adapters.connect.ciphertext import decode_stored_input
from ivr.core.keypad_input import UnreadableInputError

#: The key provider id Connect writes into every message it encrypts.
CONNECT_PROVIDER_ID = "AmazonConnect"
#: What Connect wraps the data key with (not configurable on Connect's side).
CONNECT_WRAPPING = WrappingAlgorithm.RSA_OAEP_SHA512_MGF1
#: The digits a keypad field may hold (a card number is the longest, 19).
_DIGITS = re.compile(r"^[0-9]{1,19}$")

# A message that fails to decrypt makes the SDK's stream log "Error on closing" with the whole
# exception chain on top of the error it raises; the error alone is ours to report.
logging.getLogger("aws_encryption_sdk.streaming_client").setLevel(logging.CRITICAL)


class _ConnectKeys(RawMasterKeyProvider):  # type: ignore[misc]  # the SDK is unannotated
    """Our private keys by EncryptionKeyId; a message names the key it was wrapped for."""

    provider_id = CONNECT_PROVIDER_ID
    vend_masterkey_on_decrypt = True
    private_keys: Mapping[str, bytes] = {}

    def _get_raw_key(self, key_id: bytes) -> WrappingKey:
        pem = self.private_keys.get(key_id.decode("utf-8", "replace"))
        if pem is None:
            raise InvalidKeyIdError("no private key for this EncryptionKeyId")
        return _OwnPrivateKey(pem)


class _OwnPrivateKey(WrappingKey):  # type: ignore[misc]  # the SDK is unannotated
    """Our private key as the SDK's wrapping key, parsed without cryptography's RSA key checks.

    The checks cost about 250 ms of CPU for a 4096-bit key (36 ms for 2048), on the first keypad
    or card event of every execution environment. They protect against keys from an untrusted
    source; this key is ours, read from our own secret, which is where cryptography's guidance
    for ``unsafe_skip_rsa_key_validation`` allows skipping them. A key that is not a valid RSA
    key still fails, at decryption, as unreadable input.
    """

    def __init__(self, pem: bytes) -> None:  # not super().__init__: it parses with the checks
        self.wrapping_algorithm = CONNECT_WRAPPING
        self.wrapping_key_type = EncryptionKeyType.PRIVATE
        self._wrapping_key = serialization.load_pem_private_key(
            pem, password=None, unsafe_skip_rsa_key_validation=True
        )


def private_keys_from_secret(secret: str) -> dict[str, bytes]:
    """The secret's JSON map of EncryptionKeyId -> PEM private key (PKCS#8 or PKCS#1)."""
    try:
        keys = json.loads(secret)
    except ValueError as bad:
        raise ValueError("the input decryption secret is not JSON") from bad
    if not isinstance(keys, dict) or not keys:
        raise ValueError("the input decryption secret maps no EncryptionKeyId to a key")
    return {str(key_id): str(pem).encode() for key_id, pem in keys.items()}


class EncryptionSdkDecrypter:
    """``StoredInputDecrypter`` for Connect's ciphertexts; keys come from ``load_keys`` (the
    Secrets Manager secret, cached by Powertools) and are parsed once per key set."""

    def __init__(self, load_keys: Callable[[], Mapping[str, bytes]]) -> None:
        self._load_keys = load_keys
        self._client = aws_encryption_sdk.EncryptionSDKClient(
            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
            max_encrypted_data_keys=1,
        )
        self._provider: Any = None
        self._keys: Mapping[str, bytes] | None = None

    def _key_provider(self) -> Any:
        keys = self._load_keys()
        if self._provider is None or keys != self._keys:  # a rotated secret: new key objects
            provider = _ConnectKeys()
            provider.private_keys = dict(keys)
            self._provider, self._keys = provider, keys
        return self._provider

    def decrypt(self, stored_input: str) -> str:
        message = decode_stored_input(stored_input)
        provider = self._key_provider()
        try:
            plaintext, _header = self._client.decrypt(source=message, key_provider=provider)
        except Exception as failed:  # every way a message fails to decrypt is one answer
            # The SDK's own errors, a parser's ValueError, cryptography's InvalidTag for a
            # tampered body: none is the caller's input, and none is logged with its chain.
            raise UnreadableInputError(f"cannot decrypt: {type(failed).__name__}") from None
        digits = bytes(plaintext).decode("ascii", "replace")
        if not _DIGITS.match(digits):
            raise UnreadableInputError("the decrypted input is not keypad digits")
        return digits

"""What Connect does to stored customer input when the block has ``InputEncryption``.

Connect encrypts the digits with the AWS Encryption SDK for the certificate the flow names:
message format 1 with the (non-committing) suite AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384
in 4 KiB frames, its one data key wrapped with RSA-OAEP (SHA-512, MGF1) under key provider
"AmazonConnect" and the flow's ``EncryptionKeyId``, the message stored as base64. The Lambda that
receives ``$.StoredCustomerInput`` decrypts it with the private key
(ivr.adapters.connect.stored_input), so a local call exercises the same decryption as a call in AWS.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

_PLACEHOLDER = re.compile(r"^\$\{[^}]+\}$")
_PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"


class InputEncryptionError(Exception):
    """The block's InputEncryption cannot be used (Connect refuses to publish such a flow)."""


def _key_for(encryption: Mapping[str, Any]) -> tuple[str, bytes]:
    """(EncryptionKeyId, public key PEM) for the block's InputEncryption."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key_id, key = str(encryption.get("EncryptionKeyId") or ""), str(encryption.get("Key") or "")
    if _PLACEHOLDER.match(key):
        from simulator.input_keys import local_input_key

        local = local_input_key()  # the local stack's certificate stands in for the placeholder
        key = local.certificate_pem
        key_id = local.key_id if not key_id or _PLACEHOLDER.match(key_id) else key_id
    if not key_id:
        raise InputEncryptionError("InputEncryption has no EncryptionKeyId")
    if not key.lstrip().startswith(_PEM_CERTIFICATE):
        raise InputEncryptionError("InputEncryption.Key is not a PEM X.509 certificate")
    try:
        certificate = x509.load_pem_x509_certificate(key.encode())
    except ValueError as bad:
        raise InputEncryptionError(f"InputEncryption.Key is not a certificate: {bad}") from None
    public = certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key_id, public


def encrypt_stored_input(digits: str, encryption: Mapping[str, Any]) -> str:
    """``digits`` as Connect stores them under ``encryption`` (the block's InputEncryption)."""
    import aws_encryption_sdk
    from aws_encryption_sdk import CommitmentPolicy
    from aws_encryption_sdk.identifiers import Algorithm, EncryptionKeyType, WrappingAlgorithm
    from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
    from aws_encryption_sdk.key_providers.raw import RawMasterKey

    key_id, public_pem = _key_for(encryption)
    master_key = RawMasterKey(
        provider_id="AmazonConnect",
        key_id=key_id,
        wrapping_key=WrappingKey(
            wrapping_algorithm=WrappingAlgorithm.RSA_OAEP_SHA512_MGF1,
            wrapping_key=public_pem,
            wrapping_key_type=EncryptionKeyType.PUBLIC,
        ),
    )
    # Connect's suite predates key commitment, so encrypting it needs FORBID_ENCRYPT.
    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT
    )
    message, _header = client.encrypt(
        source=digits.encode("ascii"),
        key_provider=master_key,
        algorithm=Algorithm.AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
        frame_length=4096,
    )
    return base64.b64encode(message).decode("ascii")

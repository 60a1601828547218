"""The local contact center's key for encrypted keypad input ("store customer input").

In AWS the certificate's public key is uploaded to the Connect instance, the flow's
``InputEncryption`` names the key (``EncryptionKeyId``) and holds the certificate (``Key``), and
the private key sits in Secrets Manager. Locally the stack makes one key pair and a self-signed
certificate per process: the private key goes into the local ``InputDecryptionKeySecret`` (in
the shape the functions read in AWS), and flows that name their key by placeholder
(``${InputEncryptionKeyId}``, ``${InputEncryptionCertificate}``) get this certificate when the
interpreter encrypts what the caller types. A flow exported from a real instance, with a real
certificate in ``Key``, is encrypted for that certificate instead.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

#: The template's secret the functions read the private keys from.
SECRET_LOGICAL_ID = "InputDecryptionKeySecret"
#: 2048 bits keep a local start quick (a 4096-bit key takes about a second to make and to load);
#: the code path is the same for the 4096-bit keys the README suggests for AWS.
LOCAL_KEY_BITS = 2048


@dataclass(frozen=True, repr=False)
class InputKey:
    key_id: str  # what Connect calls the EncryptionKeyId
    private_key_pem: str
    certificate_pem: str

    def __repr__(self) -> str:
        return f"InputKey(key_id={self.key_id!r})"


@cache
def local_input_key() -> InputKey:
    """The local key pair and its self-signed certificate, made once per process."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=LOCAL_KEY_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Local contact center input key")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return InputKey(
        key_id=str(uuid.uuid4()),
        private_key_pem=private_pem.decode(),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
    )


def local_secret_value(logical_id: str) -> str | None:
    """What the local stack stores in the template's secret ``logical_id``; None for a secret
    that gets a random value."""
    if logical_id != SECRET_LOGICAL_ID:
        return None
    key = local_input_key()
    return json.dumps({key.key_id: key.private_key_pem})

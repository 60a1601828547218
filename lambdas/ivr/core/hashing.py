"""Keyed hashes for short secrets (PINs, keypad answers): HMAC-SHA256 with a pepper and a salt.

A 4- or 6-digit secret falls to brute force in seconds from a plain salted hash, whatever the
KDF; only a key kept outside the table (the pepper, in Secrets Manager) makes a dump useless
(NIST SP 800-63B 5.1.1.2, OWASP ASVS 6.5.2).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_salt() -> str:
    """128 random bits (NIST asks for at least 32)."""
    return secrets.token_hex(16)


def keyed_hash(pepper: bytes, salt: str, secret: str) -> str:
    return hmac.new(pepper, f"{salt}\x00{secret}".encode(), hashlib.sha256).hexdigest()


def matches(pepper: bytes, salt: str, secret: str, expected_hash: str) -> bool:
    """Constant-time comparison (ASVS 11.2.4)."""
    return hmac.compare_digest(keyed_hash(pepper, salt, secret), expected_hash)

"""Connect's stored-input ciphertext as text: base64 as Connect stores it, and as our answers carry
it from step to step. No cryptography here: a step that only carries a field never loads the
Encryption SDK (ivr.adapters.connect.stored_input decrypts).
"""

from __future__ import annotations

import base64
import binascii

from ivr.core.keypad_input import UnreadableInputError

#: A 19-digit input encrypts to ~1.2 KB of base64 with a 4096-bit key; anything far longer is
#: not Connect's and is refused before any cryptography runs.
MAX_STORED_INPUT = 4096


def decode_stored_input(stored: str) -> bytes:
    """Base64 (standard, as Connect stores it, or URL-safe without padding, as our answers
    carry it between steps) -> the Encryption SDK message."""
    text = stored.strip()
    if not text or len(text) > MAX_STORED_INPUT:
        raise UnreadableInputError("not a stored input ciphertext")
    text = text.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as bad:
        raise UnreadableInputError("not base64") from bad


def carried(stored: str) -> str:
    """A ciphertext as the flow carries it to the next step: URL-safe base64 without padding,
    so the value is only letters, digits, "-" and "_" (what Connect's string map promises)."""
    if not stored:
        return ""
    return base64.urlsafe_b64encode(decode_stored_input(stored)).decode().rstrip("=")

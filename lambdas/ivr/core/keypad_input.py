"""What a caller types into an encrypted "store customer input" block, as the domain sees it: the
port that decrypts it and the two ways that fails. Keypad sign-in and pay by phone both read such
input; neither imports the other for it.
"""

from __future__ import annotations

from typing import Protocol

from ivr.core.errors import IvrError


class UnreadableInputError(IvrError):
    """A stored input that is no ciphertext of ours: "Timeout", damaged, or another key's."""

    code = "UnreadableInput"


class DecryptionKeyUnavailableError(IvrError):
    """The private keys for keypad input cannot be had (secret missing, unreadable, down)."""

    code = "DecryptionKeyUnavailable"


class StoredInputDecrypter(Protocol):
    def decrypt(self, stored_input: str) -> str:
        """The digits Connect encrypted into ``stored_input``; UnreadableInputError otherwise."""

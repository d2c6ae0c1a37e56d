"""Recovery codes: the only way back into a diary, so they must be easy to copy by hand.

160 random bits (well above the 128 required) as 32 characters of RFC 4648 base32 (A-Z, 2-7:
no 0/1/8/9 to confuse with O/I/B), shown in eight groups of four. Reading is forgiving: case,
spaces and dashes are ignored, and the digits people misread for letters are mapped back.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

CODE_BYTES = 20
GROUP = 4
_CONFUSED = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


class BadCode(ValueError):
    """The text cannot be a recovery code (wrong length or characters)."""


def new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode()
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def code_bytes(text: str) -> bytes:
    """The code's 20 bytes from what a person typed; raises BadCode."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_CONFUSED)
    if len(cleaned) != CODE_BYTES * 8 // 5:
        raise BadCode("a recovery code has 32 letters and digits")
    try:
        return base64.b32decode(cleaned)
    except (ValueError, base64.binascii.Error) as err:  # type: ignore[attr-defined]
        raise BadCode("a recovery code uses only the letters A-Z and digits 2-7") from err


def lookup_of(code: bytes) -> bytes:
    """What the database keeps to find the diary. With 160 random bits behind it, a plain
    domain-separated SHA-256 cannot be reversed or guessed; the encryption key is derived
    separately (and slowly) from the same code with a per-diary salt."""
    return hashlib.sha256(b"candid-diary-lookup\x00" + code).digest()

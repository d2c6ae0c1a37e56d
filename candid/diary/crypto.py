"""Encryption at rest: AES-256-GCM with a key derived from the recovery code by scrypt.

Each episode is sealed on its own with a fresh 96-bit nonce; the diary and episode ids are
bound in as associated data, so a ciphertext moved to another row or diary fails to open
instead of showing up somewhere it does not belong.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SALT_BYTES = 16
NONCE_BYTES = 12
# scrypt cost, paid once per unlock: 2**14 x 8 x 1 (16 MiB, about 0.2 s here). The code has
# 160 random bits, so the cost guards against nothing a guess could reach; it is the
# conventional margin in case a code is ever made shorter.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class CannotOpen(Exception):
    """Wrong key, or the ciphertext or its ids were changed."""


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def derive_key(code: bytes, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(code)


def seal(key: bytes, plaintext: bytes, context: str) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) for `plaintext`, bound to `context` (the row's ids)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, context.encode())


def open_sealed(key: bytes, nonce: bytes, ciphertext: bytes, context: str) -> bytes:
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, context.encode())
    except InvalidTag as err:
        raise CannotOpen from err

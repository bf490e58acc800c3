"""Secrets: generation, one-way storage and constant-time comparison (BEHAVIOUR §5)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import unicodedata

from overtime.domain import errors

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
MAX_ACCOUNT = 255
"""The longest account name that can exist (the store's column)."""


def parse_basic(header: str | None) -> tuple[str, str]:
    """`Authorization: Basic base64(account:password)` as (account, password); AccountAuthFailed
    when it is absent or garbled. The account name is not checked here (see `plausible`): a
    name that cannot exist is refused like a wrong password, and counted like one."""
    if not header or not header[:6].lower() == "basic ":
        raise errors.AccountAuthFailed()
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise errors.AccountAuthFailed() from None
    account, sep, password = decoded.partition(":")
    if not sep or not account:
        raise errors.AccountAuthFailed()
    return account, password


def plausible(value: str, max_length: int) -> bool:
    """Whether a name or id sent by a client could be one we store: 1 to `max_length`
    characters, none of them a control character (NUL included) or a lone surrogate. Anything
    else is not looked up at all (PostgreSQL refuses NUL, and a value longer than its column
    cannot match): it is simply not found."""
    return 0 < len(value) <= max_length and not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)


def new_token(prefix: str) -> str:
    """An opaque bearer token: a short prefix and 256 random bits in hex."""
    return prefix + secrets.token_hex(32)


def digest(token: str) -> str:
    """What the database keeps of a token: its SHA-256. Lookups go by this digest, so the raw
    token is never compared byte by byte."""
    return hashlib.sha256(token.encode()).hexdigest()


def random_digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, key_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    key = base64.b64decode(key_b64)
    candidate = hashlib.scrypt(
        password.encode(),
        salt=base64.b64decode(salt_b64),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(key),
    )
    return hmac.compare_digest(candidate, key)


# A hash of a random password, verified against when an account does not exist, so that a
# missing account costs as much time as a wrong password.
DUMMY_PASSWORD_HASH = hash_password(secrets.token_hex(16))


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())

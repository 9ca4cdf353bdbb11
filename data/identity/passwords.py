"""Password hashing (argon2id) and the password policy (length, common passwords).

Hashes made before argon2 (werkzeug's "scrypt:..." / "pbkdf2:...") are still accepted; the account
is rehashed with argon2 on its next successful sign-in (accounts.sign_in).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

from data.errors import Text, ValidationError

MIN_LENGTH = 10
COMMON_LIST = Path(__file__).with_name("common-passwords.txt")  # where it comes from: see its header
_hasher = PasswordHasher()  # argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored: str, password: str) -> bool:
    """Whether `password` matches the stored hash (argon2, or a werkzeug hash from older versions)."""
    if stored.startswith("$argon2"):
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored, password)


def needs_rehash(stored: str) -> bool:
    return not stored.startswith("$argon2") or _hasher.check_needs_rehash(stored)


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_policy(password: str, *, email: str | None = None) -> None:
    """Raise ValidationError for a password too short, common, or made of the email's name."""
    if len(password or "") < MIN_LENGTH:
        raise ValidationError("errors.password_short", {"password": Text("errors.field.too_short")},
                              min=MIN_LENGTH)
    lowered = password.lower()
    local = (email or "").split("@")[0].lower()
    if lowered in _common() or (len(local) >= 4 and lowered == local) or len(set(lowered)) < 3:
        raise ValidationError("errors.password_common", {"password": Text("errors.field.invalid")})

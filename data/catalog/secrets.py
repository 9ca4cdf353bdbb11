"""Mailbox passwords at rest: encrypted with OKNO_ENCRYPTION_KEY, or kept outside the DB.

Stored forms:
  fernet:<token>  the password encrypted (AES-128-CBC + HMAC, cryptography's Fernet) with a key
                  derived from OKNO_ENCRYPTION_KEY; a database dump alone does not reveal it.
  env:<NAME>      the password lives in the environment variable NAME of the worker (nothing in the DB).
                  NAME must start with OKNO_SECRET_: otherwise an admin could point a mailbox at any
                  variable of the worker (DATABASE_URL, SECRET_KEY) and read it back from the mail server's log.
The encryption key is separate from SECRET_KEY so that SECRET_KEY (sessions, PINs) can be rotated
without losing the passwords. Older installs encrypted with a key derived from SECRET_KEY: those
values are still read (while SECRET_KEY is unchanged) and `python -m data reseal-secrets`
re-encrypts them under OKNO_ENCRYPTION_KEY; after that SECRET_KEY may change. Without
OKNO_ENCRYPTION_KEY the SECRET_KEY derivation is still used (and rotating SECRET_KEY loses them).
"""
from __future__ import annotations

import base64
import hashlib
import os
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config import get_config
from data.errors import Text, ValidationError


ENV_PREFIX = "OKNO_SECRET_"
_ENV_NAME = re.compile(r"OKNO_SECRET_[A-Z0-9_]+")


def _env_name(stored: str) -> str:
    """The variable named by `env:NAME`, if it is one the worker may read for a mailbox."""
    name = stored[4:]
    if not _ENV_NAME.fullmatch(name):
        raise ValidationError("errors.secret_env_prefix", {"password": Text("errors.field.secret_env_prefix",
                                                                            prefix=ENV_PREFIX)},
                              name=name[:64], prefix=ENV_PREFIX)
    return name


def _derive(key: str) -> Fernet:
    digest = hashlib.sha256(b"okno-mailbox-secret:" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> MultiFernet:
    """Encrypts with the first key; decrypts with any: OKNO_ENCRYPTION_KEY, then the old SECRET_KEY derivation."""
    cfg = get_config()
    keys = [k for k in (cfg.encryption_key, cfg.secret_key) if k]
    return MultiFernet([_derive(k) for k in dict.fromkeys(keys)])


def seal(password: str | None) -> str | None:
    """What to store for a password typed by an admin; `env:NAME` is kept as a reference."""
    if not password:
        return None
    if password.startswith("env:"):
        return "env:" + _env_name(password)
    return "fernet:" + _fernet().encrypt(password.encode()).decode()


def reveal(stored: str | None) -> str | None:
    """The password for connecting; a clear error when it cannot be read."""
    if not stored:
        return None
    if stored.startswith("env:"):
        name = _env_name(stored)  # a reference stored before the prefix rule is refused too
        value = os.environ.get(name)
        if value is None:
            raise ValidationError("errors.env_not_set", {"secret": Text("errors.field.missing")}, name=name)
        return value
    if stored.startswith("fernet:"):
        try:
            return _fernet().decrypt(stored[7:].encode()).decode()
        except InvalidToken:
            raise ValidationError("errors.secret_undecryptable",
                                  {"secret": Text("errors.field.undecryptable")}) from None
    raise ValidationError("errors.secret_format", {"secret": Text("errors.field.invalid")})


def describe(stored: str | None) -> str:
    """What the admin page shows instead of the password."""
    if not stored:
        return "—"
    return stored if stored.startswith("env:") else "••••••••"


def reseal_all(session: Session) -> int:
    """Re-encrypt every stored mailbox password under the current first key (the migration path)."""
    from data.models import Mailbox
    f, done = _fernet(), 0
    for box in session.scalars(select(Mailbox).where(Mailbox.secret.like("fernet:%"))):
        try:
            box.secret = "fernet:" + f.rotate(box.secret[7:].encode()).decode()
            done += 1
        except InvalidToken:
            raise ValidationError("errors.secret_undecryptable", {"secret": Text("errors.field.undecryptable")}) from None
    session.flush()
    return done

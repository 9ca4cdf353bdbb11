"""Bearer secrets for the APIs: how one is made, stored and recognised.

Shared by the web-form API's integration tokens (data/catalog/integrations.py) and staff's personal
access tokens (data/identity/tokens.py). The secret is shown once; only its SHA-256 is stored (a random
256-bit secret needs no slow hash: there is nothing to guess a dictionary over), with its first characters
kept in the clear so a list can tell tokens apart. Each kind has its own prefix, so a secret pasted into
the wrong place is recognised as the wrong kind at a glance (and by secret scanners).
"""
from __future__ import annotations

import hashlib
import secrets

MAX_LENGTH = 200  # anything longer is not one of ours; refused before hashing
SHOWN = 12  # characters of the secret kept in the clear (the row's `prefix`)


def new_secret(kind: str) -> tuple[str, str, str]:
    """(secret, its digest, its shown prefix) for a new token whose secrets start with `kind`."""
    secret = kind + secrets.token_urlsafe(32)
    return secret, digest(secret), secret[:SHOWN]


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def well_formed(secret: str | None, kind: str) -> bool:
    """Worth looking up: a string of this kind and of a sane length."""
    return bool(secret) and secret.startswith(kind) and len(secret) <= MAX_LENGTH

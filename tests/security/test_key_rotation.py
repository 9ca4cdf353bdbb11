"""Mailbox passwords survive a SECRET_KEY rotation: they are encrypted with OKNO_ENCRYPTION_KEY, and
values encrypted the old way (a key derived from SECRET_KEY) are still read, then re-encrypted."""
from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from data.catalog import secrets
from data.db import session_scope
from data.models import Mailbox
from data.ops.scratch import scratch_database

ROOT = Path(__file__).resolve().parents[2]
OLD_SECRET = "old-secret-key-0123456789-abcdefghijklmnopqrstuv"
NEW_SECRET = "new-secret-key-0123456789-abcdefghijklmnopqrstuv"
ENCRYPTION = "encryption-key-0123456789-abcdefghijklmnopqrstuv"


def test_rotating_secret_key_keeps_mailbox_passwords(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", OLD_SECRET)
    monkeypatch.setenv("OKNO_ENCRYPTION_KEY", ENCRYPTION)
    stored = secrets.seal("imap-pass")
    monkeypatch.setenv("SECRET_KEY", NEW_SECRET)
    assert secrets.reveal(stored) == "imap-pass"


@pytest.fixture
def own_database(database_url):
    """A database of this test's own: reseal-secrets goes over every mailbox, and other tests' mailboxes
    are sealed with other keys."""
    with scratch_database(database_url, "okno_reseal", use=True) as url:
        yield url


def test_old_values_are_read_then_resealed_before_the_rotation(own_database, monkeypatch):
    database_url = own_database
    # An install from before OKNO_ENCRYPTION_KEY: the password was encrypted with SECRET_KEY's derivation.
    monkeypatch.setenv("SECRET_KEY", OLD_SECRET)
    monkeypatch.delenv("OKNO_ENCRYPTION_KEY", raising=False)
    address = f"rotation-{uuid.uuid4().hex[:8]}@corp.example"
    with session_scope() as s:
        s.add(Mailbox(name="Rotation", kind="imap", address=address, secret=secrets.seal("legacy-pass")))

    # The admin sets OKNO_ENCRYPTION_KEY: the old value still reads, and the command re-encrypts it.
    env = {"SECRET_KEY": OLD_SECRET, "OKNO_ENCRYPTION_KEY": ENCRYPTION, "DATABASE_URL": database_url}
    monkeypatch.setenv("OKNO_ENCRYPTION_KEY", ENCRYPTION)
    with session_scope() as s:
        assert secrets.reveal(s.query(Mailbox).filter_by(address=address).one().secret) == "legacy-pass"
    import os
    done = subprocess.run([sys.executable, "-m", "data", "reseal-secrets"], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ, **env), timeout=120)
    assert done.returncode == 0, done.stderr
    assert "re-encrypted" in done.stdout

    # Now SECRET_KEY can change.
    monkeypatch.setenv("SECRET_KEY", NEW_SECRET)
    with session_scope() as s:
        box = s.query(Mailbox).filter_by(address=address).one()
        assert secrets.reveal(box.secret) == "legacy-pass"
        s.delete(box)

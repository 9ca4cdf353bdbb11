"""Passwords: argon2 hashes, older hashes upgraded at sign-in, at least 10 characters, no common ones —
from the create-user command, the service, and the password change page."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from data.db import read_session, session_scope
from data.errors import ValidationError
from data.identity import accounts, passwords
from data.models import User
from tests import factories as f
from tests.security.helpers import csrf_from, new_user, sign_in, unique_address

ROOT = Path(__file__).resolve().parents[2]


def stored_hash(user_id: int) -> str:
    with read_session() as s:
        return s.get(User, user_id).password_hash


def test_new_passwords_are_hashed_with_argon2(session):
    user = accounts.create_user(session, email=f"argon-{uuid.uuid4().hex[:6]}@example.com", name="A",
                                password="long enough pass 42", role="agent")
    assert user.password_hash.startswith("$argon2id$")
    assert passwords.verify(user.password_hash, "long enough pass 42")
    assert not passwords.verify(user.password_hash, "long enough pass 43")


def test_an_old_werkzeug_hash_signs_in_and_is_upgraded(app):
    user_id, email = new_user()
    assert stored_hash(user_id).startswith(("scrypt:", "pbkdf2:"))  # as made by earlier versions
    client = app.test_client()
    assert sign_in(client, email, address=unique_address()).status_code == 302
    assert stored_hash(user_id).startswith("$argon2id$")
    client.get("/logout")
    assert sign_in(client, email, address=unique_address()).status_code == 302  # the same password, new hash


@pytest.mark.parametrize("password, key", [
    ("nine-char", "errors.password_short"),
    ("1234567890", "errors.password_common"),
    ("Qwertyuiop", "errors.password_common"),
    ("aaaaaaaaaaaa", "errors.password_common"),
])
def test_short_and_common_passwords_are_refused(session, password, key):
    with pytest.raises(ValidationError) as err:
        accounts.create_user(session, email=f"weak-{uuid.uuid4().hex[:6]}@example.com", name="W",
                             password=password, role="agent")
    assert err.value.key == key


def test_the_common_password_list_is_shipped():
    assert len(passwords._common()) > 1500
    assert "password123" in passwords._common()


def test_create_user_command_refuses_a_common_password(database_url):
    env = dict(os.environ, DATABASE_URL=database_url)
    done = subprocess.run([sys.executable, "-m", "data", "create-user", f"cli-{uuid.uuid4().hex[:6]}@example.com",
                           "Cli", "agent", "--password", "password123"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert "too common" in done.stderr


def test_password_change_page_applies_the_policy(app):
    user_id, email = new_user()
    client = app.test_client()
    assert sign_in(client, email, address=unique_address()).status_code == 302
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    refused = client.post("/account/password", data={"current": f.PASSWORD, "new": "qwertyuiop",
                                                      "csrf_token": token}, headers={"Accept-Language": "en"})
    assert refused.status_code == 400
    assert "too common" in refused.get_data(as_text=True)
    changed = client.post("/account/password", data={"current": f.PASSWORD, "new": "a much better passphrase",
                                                     "csrf_token": token})
    assert changed.status_code == 302
    assert passwords.verify(stored_hash(user_id), "a much better passphrase")
    assert client.get("/tickets").status_code == 200  # this session goes on

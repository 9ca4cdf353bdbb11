"""Default secret key: a cookie signed with the key that used to ship in the source opens nothing, and
neither the app nor a worker starts without a strong SECRET_KEY outside demo mode."""
from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from data.config import Config, InsecureConfig
from tests.security.helpers import new_user

ROOT = Path(__file__).resolve().parents[2]
OLD_DEFAULT = "dev-insecure-change-me"


def forged_cookie(key: str, user_id: int) -> str:
    """What an attacker who read the source would send: an admin's session signed with that key."""
    signer = Flask("forger")
    signer.secret_key = key
    serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
    return serializer.dumps({"_user_id": str(user_id), "_fresh": True, "okno_sv": 0})


def env_without_keys(database_url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=database_url)
    for name in ("SECRET_KEY", "OKNO_ENCRYPTION_KEY", "OKNO_DEMO"):
        env.pop(name, None)
    return env


def test_a_cookie_forged_with_the_old_default_key_is_rejected(app, database_url, monkeypatch):
    admin_id, _email = new_user("admin")
    client = app.test_client()
    client.set_cookie("session", forged_cookie(OLD_DEFAULT, admin_id))
    assert client.get("/admin").status_code == 302  # to the login page

    # And an app configured from an environment without SECRET_KEY (where the old code fell back to
    # that key) does not start at all.
    for name in ("SECRET_KEY", "OKNO_DEMO"):
        monkeypatch.delenv(name, raising=False)
    from app import create_app
    with pytest.raises(InsecureConfig, match="SECRET_KEY"):
        create_app(dataclasses.replace(Config(), database_url=database_url))


@pytest.mark.parametrize("key", [OLD_DEFAULT, "short-key", "x" * 31])
def test_a_weak_key_is_refused_too(database_url, key):
    from app import create_app
    with pytest.raises(InsecureConfig, match="secrets.token_urlsafe"):
        create_app(dataclasses.replace(Config(), database_url=database_url, secret_key=key, demo=False))


@pytest.mark.parametrize("command", [
    [sys.executable, "-c", "import app; app.create_app()"],
    [sys.executable, "-m", "ingest", "scheduler", "--once"],
    [sys.executable, "-m", "ingest", "email"],
    [sys.executable, "-m", "data", "weekly-send"],
])
def test_app_and_workers_without_secret_key_exit_non_zero_naming_it(database_url, command):
    done = subprocess.run(command, cwd=ROOT, env=env_without_keys(database_url), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr
    assert 'python -c "import secrets; print(secrets.token_urlsafe(48))"' in done.stderr


def test_gunicorn_without_secret_key_exits_non_zero(database_url):
    done = subprocess.run([sys.executable, "-m", "gunicorn", "app:server", "-b", "127.0.0.1:0", "-w", "1"],
                          cwd=ROOT, env=env_without_keys(database_url), capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stdout + done.stderr


def test_demo_mode_makes_its_keys_once_and_keeps_them_private(tmp_path, monkeypatch):
    import run
    monkeypatch.setenv("OKNO_DATA_DIR", str(tmp_path))
    for name in ("SECRET_KEY", "OKNO_ENCRYPTION_KEY", "OKNO_DEMO"):
        # setenv first, so monkeypatch restores the variable (or its absence) after the test:
        # demo_environment() writes os.environ itself, and other tests must not inherit demo mode.
        monkeypatch.setenv(name, "unset")
        monkeypatch.delenv(name)
    env = run.demo_environment()
    assert env["OKNO_DEMO"] == "1"
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "encryption_key").stat().st_mode) == 0o600
    assert len(env["SECRET_KEY"]) >= 32 and env["SECRET_KEY"] != env["OKNO_ENCRYPTION_KEY"]
    # The next start reuses them; a worker started by hand in demo mode reads them from there too.
    for name in ("SECRET_KEY", "OKNO_ENCRYPTION_KEY"):
        monkeypatch.delenv(name)
    assert run.demo_environment()["SECRET_KEY"] == env["SECRET_KEY"]
    monkeypatch.delenv("SECRET_KEY")
    assert Config().secret_key == env["SECRET_KEY"]

"""The app factory: an app is built from the config it is given, importing `app` connects to nothing,
two apps in one process both answer Dash callbacks, and `gunicorn app:server` still serves."""
from __future__ import annotations

import dataclasses
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from app import create_app
from data.db import session_scope
from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def agent(database_url):
    with session_scope() as s:
        return f.user(s, "agent", email=f"factory-{uuid.uuid4().hex[:6]}@example.com").email


@pytest.fixture(scope="module")
def other_app(test_config):
    """A second app in the same process, with its own secret, secure cookies and a 1 MB upload limit."""
    config = dataclasses.replace(test_config, secret_key="another-secret-of-at-least-32-characters", secure_cookies=True,
                                 max_attachment_bytes=1024 * 1024)
    server = create_app(config)
    server.config["TESTING"] = True
    return server


def sign_in(client, email):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": email, "password": f.PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def toggle_export_form(client):
    """The ticket list's "Export" button: a callback a component (not a page) registers."""
    body = {"output": "exports-form.is_open", "outputs": {"id": "exports-form", "property": "is_open"},
            "inputs": [{"id": "exports-toggle", "property": "n_clicks", "value": 1}],
            "state": [{"id": "exports-form", "property": "is_open", "value": False}],
            "changedPropIds": ["exports-toggle.n_clicks"]}
    return client.post("/_dash-update-component", json=body,
                       headers={"X-CSRFToken": client.get_cookie("_csrf_token").value})


def test_the_app_uses_the_secret_key_of_its_config(app, other_app, agent):
    ours, theirs = app.test_client(), other_app.test_client()
    sign_in(theirs, agent)
    assert theirs.get("/tickets").status_code == 200
    # The same signed session cookie means nothing to an app with another secret.
    ours.set_cookie("session", theirs.get_cookie("session").value)
    assert ours.get("/tickets").status_code == 302


def test_the_app_uses_the_upload_limit_and_cookie_policy_of_its_config(app, other_app):
    four_mb = {"email": "x" * (4 * 1024 * 1024)}  # over 2 × 1 MB + 1 MB of form around the files
    refused = other_app.test_client().post("/login", data=four_mb)
    assert refused.status_code == 413 and "too large" in refused.get_data(as_text=True)
    assert app.test_client().post("/login", data=four_mb).status_code != 413  # the default limit: 21 MB
    cookie = other_app.test_client().get("/login").headers.getlist("Set-Cookie")
    assert any(c.startswith("_csrf_token=") and "Secure" in c for c in cookie)
    assert not any("Secure" in c for c in app.test_client().get("/login").headers.getlist("Set-Cookie"))


def test_two_apps_in_one_process_both_answer_callbacks(app, other_app, agent):
    told = []
    for server in (app, other_app):
        client = server.test_client()
        sign_in(client, agent)
        response = toggle_export_form(client)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["response"]["exports-form"]["is_open"] is True
        told.append({c["output"] for c in client.get("/_dash-dependencies").get_json()})
    assert told[0] == told[1] and "exports-form.is_open" in told[0]  # each browser hears of every callback


def closed_port_listener() -> socket.socket:
    """A port that listens but is never accepted on: a connection attempt would be queued there."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    return sock


def test_importing_app_reads_no_config_and_connects_to_nothing():
    listener = closed_port_listener()
    port = listener.getsockname()[1]
    script = (
        "import os, app\n"
        "os.environ['SECRET_KEY'] = 'set-after-import-0123456789abcdefghijklmnop'\n"  # read when the app is built, not at import
        "server = app.server\n"
        "assert server.config['SECRET_KEY'] == 'set-after-import-0123456789abcdefghijklmnop', server.config['SECRET_KEY']\n"
        "assert app.server is server\n"
        "print(len(server.extensions['dash'].callback_map))\n"
    )
    env = dict(os.environ, DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/nowhere")
    env.pop("SECRET_KEY", None)
    try:
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert int(done.stdout.strip()) > 50
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody knocked on the database's door
    finally:
        listener.close()


def test_gunicorn_serves_app_server(database_url, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="test-secret-0123456789abcdefghijklmnopqrstu")
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:server", "-b", f"127.0.0.1:{port}", "-w", "1"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read().decode()
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, log.read_text()
                time.sleep(0.3)
        assert 'name="password"' in page
    finally:
        proc.terminate()
        proc.wait(10)

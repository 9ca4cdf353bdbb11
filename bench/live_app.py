"""Okno served for real on loopback: gunicorn (`app:server`) in a process of its own, and an HTTP client
that signs in and calls Dash callbacks as dash-renderer does. Used by the load benchmark (bench/load.py)
and the reliability tests that fuzz callbacks or cut database connections over HTTP.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parent.parent
KEY = "live-app-secret-key-0123456789-abcdefghijklmnop"  # a throw-away database's key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(database_url: str, *, workers: int = 2, threads: int = 8, app_name: str = "okno-web",
          log_path: Path | None = None) -> Iterator[str]:
    """Gunicorn serving Okno from `database_url`; yields its base URL. Its connections carry `app_name`
    (pg_stat_activity.application_name), so a test can cut exactly those. The log (every error line with
    its id) goes to `log_path` when given."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": os.environ.get("SECRET_KEY") or KEY,
           "PGAPPNAME": app_name, "PYTHONUNBUFFERED": "1"}
    env.pop("OKNO_DEMO", None)
    log = log_path.open("w") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:server", "-b", f"127.0.0.1:{port}",
                             "--workers", str(workers), "--threads", str(threads), "--timeout", "120",
                             # gunicorn's default keep-alive (2 s) closes a connection a client is about to
                             # reuse: the request dies as "connection reset". A browser retries that on its
                             # own, httpx does not; behind a proxy, keep-alive is the proxy's business.
                             "--keep-alive", "75", "--graceful-timeout", "5"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start (exit {proc.returncode}); see {log_path}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log_path:
            log.close()


class Browser:
    """One signed-in person: a cookie jar, the CSRF token, and the callback map of the app."""

    def __init__(self, base: str, email: str, password: str, lang: str = "en", timeout: float = 60):
        self.http = httpx.Client(base_url=base, timeout=timeout, follow_redirects=False)
        page = self.http.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        signed = self.http.post("/login", data={"email": email, "password": password, "csrf_token": token})
        if signed.status_code != 302:
            raise RuntimeError(f"sign-in of {email} failed: {signed.status_code}")
        self.http.get(f"/lang/{lang}")

    def dependencies(self) -> list[dict]:
        return self.http.get("/_dash-dependencies").json()

    def callback(self, body: dict) -> httpx.Response:
        return self.http.post("/_dash-update-component", content=json.dumps(body),
                              headers={"Content-Type": "application/json",
                                       "X-CSRFToken": self.http.cookies.get("_csrf_token", "")})

    def page(self, path: str) -> httpx.Response:
        """What the browser fetches to open a page: the shell, then the page's layout (Dash's router)."""
        shell = self.http.get(path)
        if shell.status_code != 200:
            return shell
        return self.callback({
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path.split("?")[0]},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"], "state": []})

    def close(self) -> None:
        self.http.close()

"""`make run`: prepare the database (embedded unless DATABASE_URL is set), load demo data into an
empty database, print the demo logins, then serve the app with gunicorn on 127.0.0.1:PORT.

It runs in demo mode (OKNO_DEMO=1): without SECRET_KEY / OKNO_ENCRYPTION_KEY in the environment it
generates random ones once, keeps them under ./.okno (mode 600) and reuses them on the next start, so
sessions and stored mailbox passwords survive a restart. Production sets its own keys (README)."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from data import db
from data.config import get_config

DEMO_LOGINS = ["admin@okno.demo", "manager@okno.demo", "agent@okno.demo", "analyst@okno.demo", "director@okno.demo"]


def demo_key(directory: Path, name: str) -> str:
    """The key kept in `directory/name`, made (random, 64 characters, readable by the owner only) when absent."""
    path = directory / name
    if path.exists():
        return path.read_text().strip()
    directory.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key


def demo_environment() -> dict[str, str]:
    """This environment in demo mode, with the keys it lacks taken from ./.okno."""
    os.environ["OKNO_DEMO"] = "1"
    keys = get_config().embedded_dir
    os.environ.setdefault("SECRET_KEY", demo_key(keys, "secret_key"))
    os.environ.setdefault("OKNO_ENCRYPTION_KEY", demo_key(keys, "encryption_key"))
    return dict(os.environ)


def main() -> None:
    env = demo_environment()
    url = db.database_url()  # starts the embedded PostgreSQL under ./.okno when DATABASE_URL is unset
    env = dict(env, DATABASE_URL=url)
    py = sys.executable
    subprocess.run([py, "-m", "data", "migrate"], env=env, check=True)
    subprocess.run([py, "-m", "data", "demo", "--if-empty", "--tickets", os.environ.get("DEMO_TICKETS", "20000")],
                   env=env, check=True)
    # Analytics pages read daily totals; bring them up to date (a full build the first time).
    subprocess.run([py, "-m", "data", "analytics-rollup", "--refresh"], env=env, check=False)
    port = get_config().port
    print("\nOkno is starting on http://127.0.0.1:%d" % port)
    print("Demo logins (password: okno): " + ", ".join(DEMO_LOGINS) + "\n", flush=True)
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    # Each worker builds its app with create_app() from this environment when it loads app:server.
    os.execvpe(py, [py, "-m", "gunicorn", "app:server", "--bind", f"127.0.0.1:{port}", "--workers", workers,
                    "--timeout", "120", "--access-logfile", "-"], env)


if __name__ == "__main__":
    main()

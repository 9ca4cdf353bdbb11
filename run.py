"""`make run`: prepare the database (embedded unless DATABASE_URL is set), load demo data into an
empty database, print the demo logins, then serve the app with gunicorn on 127.0.0.1:PORT."""
from __future__ import annotations

import os
import subprocess
import sys

from data import db
from data.config import get_config

DEMO_LOGINS = ["admin@okno.demo", "manager@okno.demo", "agent@okno.demo", "analyst@okno.demo", "director@okno.demo"]


def main() -> None:
    url = db.database_url()  # starts the embedded PostgreSQL under ./.okno when DATABASE_URL is unset
    env = dict(os.environ, DATABASE_URL=url)
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

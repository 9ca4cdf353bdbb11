"""`make run`: prepare the database (embedded unless DATABASE_URL is set), load demo data into an
empty database, print the demo logins, then serve the app with gunicorn on 127.0.0.1:PORT and run one
job-queue worker with the periodic schedule (`python -m ingest worker`: rollup refresh, SLA signals,
outbox delivery...). Ctrl-C stops both, and the embedded PostgreSQL if this command started it.

It runs in demo mode (OKNO_DEMO=1): without SECRET_KEY / OKNO_ENCRYPTION_KEY in the environment it
generates random ones once, keeps them under ./.okno (mode 600) and reuses them on the next start, so
sessions and stored mailbox passwords survive a restart. Production sets its own keys (README)."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
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
    # Stop the embedded PostgreSQL at the end only if this command is the one that starts it.
    started_postgres = not os.environ.get("DATABASE_URL") and _embedded_postmaster() is None
    try:
        sys.exit(_run(db.database_url(), env))  # starts the embedded PostgreSQL under ./.okno when DATABASE_URL is unset
    except KeyboardInterrupt:  # Ctrl-C while the database was being prepared
        sys.exit(130)
    finally:
        if started_postgres:
            _stop_embedded()


def _run(url: str, env: dict) -> int:
    env = dict(env, DATABASE_URL=url)
    py = sys.executable
    subprocess.run([py, "-m", "data", "migrate"], env=env, check=True)
    subprocess.run([py, "-m", "data", "demo", "--if-empty", "--tickets", os.environ.get("DEMO_TICKETS", "20000")],
                   env=env, check=True)
    # Analytics pages read daily totals; bring them up to date (a full build the first time).
    subprocess.run([py, "-m", "data", "analytics-rollup", "--refresh"], env=env, check=False)
    port = get_config().port
    print("\nOkno is starting on http://127.0.0.1:%d" % port)
    print("Demo logins (password: okno): " + ", ".join(DEMO_LOGINS))
    # No mail server in demo mode: portal PINs and every outgoing message wait in the outbox, shown here.
    print("Portal PINs and outgoing mail: http://127.0.0.1:%d/dev/outbox (sign in as admin)\n" % port, flush=True)
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    # Each gunicorn worker builds its app with create_app() from this environment when it loads app:server.
    web = [py, "-m", "gunicorn", "app:server", "--bind", f"127.0.0.1:{port}", "--workers", workers,
           "--timeout", "120", "--access-logfile", "-"]
    return supervise([web, [py, "-m", "ingest", "worker", "--concurrency", "4"]], env)


def supervise(commands: list[list[str]], env: dict, grace: float = 35.0) -> int:
    """Run the commands side by side until Ctrl-C/SIGTERM or until one of them exits; then stop all.

    Each child has a process group of its own, so a Ctrl-C reaches it once, from here, as SIGTERM:
    gunicorn and the job worker both finish what they have in hand on SIGTERM. A child that is
    still running after `grace` seconds is killed."""
    stop: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: stop.append(signum))
    children = [subprocess.Popen(cmd, env=env, process_group=0) for cmd in commands]
    while not stop and all(c.poll() is None for c in children):
        time.sleep(0.2)
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return 0 if stop else 1  # a child that exited on its own is a failure to report


def _embedded_postmaster() -> int | None:
    """The pid of the embedded PostgreSQL when it is running (postmaster.pid's first line)."""
    pid_file = get_config().embedded_dir / "pg" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None


def _stop_embedded() -> None:
    """Fast shutdown (SIGINT to the postmaster), as `pg_ctl stop` does; wait for it to go."""
    pid = _embedded_postmaster()
    if pid is None:
        return
    os.kill(pid, signal.SIGINT)
    for _ in range(100):
        if _embedded_postmaster() is None:
            return
        time.sleep(0.1)


if __name__ == "__main__":
    main()

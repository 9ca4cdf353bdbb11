"""Email outbox throughput: queued messages delivered per second to an SMTP server on loopback (aiosmtpd).

Real worker processes (`deliver_due`) in a scratch database of its own, beside the floor of the same work:
the same messages sent by bare smtplib over one connection, and the same rows written by COPY.
    python -m bench email_outbox        (or: python -m bench.email_outbox [N] [WORKERS])
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MESSAGES = int(os.environ.get("BENCH_OUTBOX_MESSAGES", "2000"))
WORKERS = int(os.environ.get("BENCH_OUTBOX_WORKERS", "3"))  # also measured with this many workers


def _queue(n: int) -> None:
    from data import db
    from data.messaging import outbox
    with db.session_scope() as s:
        for i in range(n):
            outbox.queue(s, channel="email", kind="notification", recipient=f"user{i}@example.com",
                         subject=f"[#{i}] Статус заявки", body="Заявка принята в работу.\n" * 10)


def _floor_smtp(port: int, n: int) -> float:
    import smtplib
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for i in range(n):
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = "help@okno.test", f"user{i}@example.com", f"[#{i}] Статус заявки"
            msg.set_content("Заявка принята в работу.\n" * 10)
            smtp.send_message(msg)
    return n / (time.perf_counter() - started)


def _floor_copy(n: int) -> float:
    from data import db
    started = time.perf_counter()
    raw = db.get_engine().raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE floor_outbox (LIKE outbox INCLUDING DEFAULTS) ON COMMIT DROP")
            with cur.copy("COPY floor_outbox (channel, kind, recipient, subject, body, state) FROM STDIN") as copy:
                for i in range(n):
                    copy.write_row(("email", "notification", f"user{i}@example.com", f"[#{i}] Статус заявки",
                                    "Заявка принята в работу.\n" * 10, "sent"))
        conn.commit()
    finally:
        raw.close()
    return n / (time.perf_counter() - started)


def measure(n: int = MESSAGES, workers: int = WORKERS) -> dict:
    from tests.email.peers import SmtpSink
    _queue(n)
    sink = SmtpSink().start()
    try:
        env = {**os.environ, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port)}
        code = "from ingest.email.out import deliver_due; deliver_due(limit=10**9)"
        load_before = [round(x, 1) for x in os.getloadavg()]
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
        for p in procs:
            p.wait(timeout=1800)
        elapsed = time.perf_counter() - started
        load_after = [round(x, 1) for x in os.getloadavg()]
        received = len(sink.messages)
        sink.messages.clear()
        smtp_rate = _floor_smtp(sink.port, n)
    finally:
        sink.stop()
    copy_rate = _floor_copy(n)
    rate = received / elapsed
    return {"messages": n, "received": received, "workers": workers, "seconds": round(elapsed, 1),
            "messages_per_s": round(rate, 1), "floor_smtplib_one_connection_per_s": round(smtp_rate, 1),
            "floor_copy_rows_per_s": round(copy_rate, 1), "ratio_smtp_floor": round(smtp_rate / rate, 1),
            "batch": int(os.environ.get("OKNO_OUTBOX_BATCH", "100")), "load_average_before": load_before,
            "load_average_after": load_after, "cpus": os.cpu_count(),
            "note": "worker time includes process start; the sink (aiosmtpd) runs in the bench process"}


def run(url: str | None = None) -> dict:
    from data import db
    from data.ops.scratch import scratch_database
    server_url = url or os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    with scratch_database(server_url, "okno_bench_outbox", use=True):
        result = {"one_worker": measure(MESSAGES, 1)}
        if WORKERS > 1:
            result["workers"] = measure(MESSAGES, WORKERS)
        db.reset_engine()
        return result


if __name__ == "__main__":
    import json
    import secrets
    from data.config import weak_key
    if weak_key(os.environ.get("SECRET_KEY")):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(48)
    args = [int(a) for a in sys.argv[1:]]
    MESSAGES = args[0] if args else MESSAGES
    WORKERS = args[1] if len(args) > 1 else 3
    print(json.dumps(run(), ensure_ascii=False, indent=2))

"""Email channel throughput: import of N messages with attachments, and `--once` over an IMAP mailbox.

Writes go to a scratch database of its own (okno_bench_email_<random>, created and dropped here, DATABASE_URL
restored afterwards), never to okno_bench.
    python -m bench email_channel                   # as part of the suite (defaults below)
    python -m bench.email_channel --import 10000 --imap 1000
    python -m bench.email_channel --import 2000 --imap 0 --new-only   # no replies (after a holiday)
Prints JSON: messages/s and the worker's peak memory (max RSS of the child process), beside the floor of
the same work (the stdlib parser over the same files; COPY of the same raw messages) and the ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data import db
from tests.email.helpers import mail  # noqa: E402

ATTACHMENT = os.urandom(30 * 1024)  # a 30 KB scan per new request


def _seed_service() -> None:
    from tests import factories
    with db.session_scope() as s:
        board = factories.board(s, name="Bench mail")
        factories.service(s, board, code="benchmail", name="Bench mail")


def messages(n: int, replies: bool = True):
    """70% new requests with a 30 KB attachment, 30% replies threaded to an earlier one (replies=False: only
    new requests, the morning after a holiday)."""
    for i in range(n):
        if i % 10 < 7 or i < 10 or not replies:
            yield mail(sender=f"user{i % 500}@example.com", subject=f"Заявка {i}: не работает принтер",
                       message_id=f"<bench-{i}@example.com>", body="Принтер не печатает.\n" * 20,
                       attachments=[("scan.pdf", ATTACHMENT, "application/pdf")])
        else:
            parent = i - 7
            yield mail(sender=f"user{parent % 500}@example.com", subject=f"Re: Заявка {parent}",
                       message_id=f"<bench-{i}@example.com>", in_reply_to=f"<bench-{parent}@example.com>",
                       body="Спасибо!\n\n> Принтер не печатает.")


def _processes() -> dict[int, tuple[int, float, str]]:
    """{pid: (parent pid, CPU seconds so far, command line)} of every process (Linux /proc)."""
    found, tick = {}, os.sysconf("SC_CLK_TCK")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, command)
    return found


class CpuMeter(threading.Thread):
    """CPU seconds used during a run, sampled from /proc every 0.2 s: by the worker and its processes (the
    parser pool, its fork server), by the PostgreSQL backends of the scratch database and by the processes
    under `roots` (the test dovecot). Load-independent where wall-clock rates are not: on the shared
    machine another job's load changes the seconds, much less the CPU a message costs."""

    def __init__(self, worker: int, database: str, roots: dict[str, int] | None = None):
        super().__init__(daemon=True)
        self.groups = {"worker": worker, **(roots or {})}
        self.database = f" {database} "
        self.start_cpu = {pid: cpu for pid, (_pp, cpu, _c) in _processes().items()}
        self.last: dict[int, tuple[str, float]] = {}
        self.done = threading.Event()

    def sample(self) -> None:
        table = _processes()
        group_of = {pid: name for name, pid in self.groups.items()}
        for pid, (parent, cpu, command) in sorted(table.items()):
            name = group_of.get(pid) or group_of.get(parent)
            if name is None and self.database in command and command.startswith("postgres"):
                name = "postgresql"
            if name is not None:
                group_of[pid] = name
                self.last[pid] = (name, cpu - self.start_cpu.get(pid, 0.0))
        # a child listed before its parent (a lower pid) is found on the next sample

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.sample()

    def stop(self) -> dict[str, float]:
        self.done.set()
        self.join()
        totals: dict[str, float] = {}
        for name, cpu in self.last.values():
            totals[name] = totals.get(name, 0.0) + cpu
        return totals


def _child(args: list[str], env: dict, roots: dict[str, int] | None = None) -> tuple[float, dict, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    worker = subprocess.Popen([sys.executable, "-m", "ingest", "email", *args], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    meter = CpuMeter(worker.pid, db.get_engine().url.database, roots)
    meter.start()
    stdout, stderr = worker.communicate()
    elapsed = time.perf_counter() - started
    meter.sample()
    cpu = meter.stop()
    done = subprocess.CompletedProcess(worker.args, worker.returncode, stdout, stderr)
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr[-2000:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    out["_cpu_s"] = {name: round(seconds, 2) for name, seconds in sorted(cpu.items())}
    return elapsed, out, max(peak, before) // 1024


def _load() -> list[float]:
    return [round(x, 1) for x in os.getloadavg()]


def floor_parse(folder: str) -> float:
    """The bare cost of reading the same files: the stdlib parser over each, every part decoded (msg/s)."""
    from email import policy
    from email.parser import BytesParser
    files = sorted(Path(folder).iterdir())
    started = time.perf_counter()
    for path in files:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        for part in message.walk():
            if not part.is_multipart():
                part.get_content()
    return len(files) / (time.perf_counter() - started)


def floor_copy(folder: str) -> float:
    """The bare cost of storing the same messages: their raw bytes COPYed into a table like inbound_messages
    (msg/s), in one transaction."""
    files = sorted(Path(folder).iterdir())
    started = time.perf_counter()
    raw_conn = db.get_engine().raw_connection()
    try:
        conn = raw_conn.driver_connection
        with conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE floor_copy (id bigserial, channel text, external_id text, raw bytea, "
                        "received_at timestamptz DEFAULT now()) ON COMMIT DROP")
            with cur.copy("COPY floor_copy (channel, external_id, raw) FROM STDIN") as copy:
                for path in files:
                    copy.write_row(("email", path.name, path.read_bytes()))
        conn.commit()
    finally:
        raw_conn.close()
    return len(files) / (time.perf_counter() - started)


def bench_import(n: int, replies: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        for i, raw in enumerate(messages(n, replies)):
            Path(tmp, f"{i:06d}.eml").write_bytes(raw)
        load_before = _load()
        elapsed, counts, peak_mb = _child(["--import", tmp, "--service", "benchmail"], os.environ.copy())
        cpu = counts.pop("_cpu_s")
        load_after = _load()
        parse_rate, copy_rate = floor_parse(tmp), floor_copy(tmp)
    rate = n / elapsed
    return {"messages": n, "seconds": round(elapsed, 1), "messages_per_s": round(rate, 1),
            "floor_stdlib_parse_per_s": round(parse_rate, 1), "floor_copy_per_s": round(copy_rate, 1),
            "ratio_parse_floor": round(parse_rate / rate, 1), "ratio_copy_floor": round(copy_rate / rate, 1),
            "load_average_before": load_before, "load_average_after": load_after, "cpus": os.cpu_count(),
            "batch": int(os.environ.get("OKNO_EMAIL_BATCH", "200")), "peak_rss_mb": peak_mb, "counts": counts,
            "cpu_ms_per_message": {k: round(v * 1000 / n, 2) for k, v in cpu.items()},
            "replies": "30%" if replies else "none"}


def bench_imap(n: int) -> dict:
    from data.models import Mailbox, Service
    from sqlalchemy import select
    from tests.email.peers import Dovecot
    server = Dovecot()
    server.add_user("bench@okno.test", "pw")
    server.start()
    try:
        conn = server.client("bench@okno.test")
        for i, raw in enumerate(messages(n)):
            # Other senders and ids than the import's: else every message is a duplicate by content hash.
            conn.append("INBOX", None, None, raw.replace(b"bench-", b"imap-").replace(b"@example.com", b"@imap.example.com"))
        conn.logout()
        with db.session_scope() as s:
            service_id = s.scalar(select(Service.id).where(Service.code == "benchmail"))
            s.add(Mailbox(name="bench", kind="imap", address="bench@okno.test", service_id=service_id,
                          host="127.0.0.1", port=server.port, use_ssl=False, secret="env:OKNO_SECRET_BENCH_IMAP_PW"))
        env = {**os.environ, "OKNO_SECRET_BENCH_IMAP_PW": "pw", "SMTP_PORT": "1"}
        load_before = _load()
        master = int((server.dir / "run" / "master.pid").read_text().split()[0])
        elapsed, _out, peak_mb = _child(["--once"], env, {"dovecot": master})
        # The same command again, nothing new in the mailbox: the worker's start, its IMAP login and search,
        # the outbox pass. What is left of the first run is the intake itself (a live worker starts once).
        idle, idle_out, _p = _child(["--once"], env, {"dovecot": master})
    finally:
        server.stop()
    from sqlalchemy import func
    from data.models import InboundMessage
    with db.read_session() as s:
        states = dict(s.execute(select(InboundMessage.state, func.count()).where(
            InboundMessage.source.like("mailbox:%")).group_by(InboundMessage.state)).all())
    if sum(states.values()) != n:
        raise RuntimeError(f"the IMAP pass took in {states} of {n} messages: {_out}")
    return {"messages": n, "seconds": round(elapsed, 1), "messages_per_s": round(n / elapsed, 1), "states": states,
            "empty_pass_seconds": round(idle, 2), "intake_per_s": round(n / max(elapsed - idle, 1e-3), 1),
            "cpu_ms_per_message": {k: round(v * 1000 / n, 2) for k, v in _out["_cpu_s"].items()},
            "empty_pass_cpu_s": idle_out["_cpu_s"],
            "load_average_before": load_before, "load_average_after": _load(), "peak_rss_mb": peak_mb,
            "note": "live intake: UID FETCH of 50 at a time, batches of OKNO_EMAIL_BATCH, one UID STORE per batch after "
                    "its commit; intake_per_s leaves out the empty pass (process start, login, outbox)"}


def run(url: str | None = None, imports: int = 2000, imap: int = 500, replies: bool = True) -> dict:
    from data.ops.scratch import scratch_database
    server_url = url or os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    # A database of its own with a unique name; DATABASE_URL points at it only meanwhile.
    with scratch_database(server_url, "okno_bench_email", use=True):
        _seed_service()
        result = {"import": bench_import(imports, replies)}
        if imap:
            result["imap_once"] = bench_imap(imap)
        return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--import", dest="imports", type=int, default=10000)
    parser.add_argument("--imap", type=int, default=1000)
    parser.add_argument("--new-only", action="store_true", help="no replies: every message a new request")
    a = parser.parse_args()
    from data.config import weak_key
    if weak_key(os.environ.get("SECRET_KEY")):  # the worker refuses to start without a strong key
        import secrets
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(48)
    print(json.dumps(run(None, a.imports, a.imap, not a.new_only), ensure_ascii=False, indent=2))

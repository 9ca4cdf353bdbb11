"""Where an IMAP pass spends its time: one poll_mailbox() over N bench messages in Dovecot, profiled in-process.

    python -m bench.email_imap_profile [N]      # default 1000; scratch database okno_prof_imap_<random>
Prints the pass's rate (no process start: the pool and the IMAP login are included), the wall time of its
phases (cumulative time of the functions that do them: fetching, waiting for the parser pool, writing,
acknowledging) and the top functions. Not part of `make bench` (no run()).
"""
from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PHASES = {  # function name (as pstats shows it) → phase
    "fetch_many": "IMAP UID FETCH (parsing the responses included)",
    "_search": "IMAP SEARCH",
    "_acknowledge": "IMAP UID STORE / MOVE",
    "receive_batch": "writing the batch (one transaction)",
    "commit": "commits",
    "result_iterator": "waiting for the parser pool",
    "parser_pool": "parser pool start and stop",
    "__enter__": "context managers entered (login, pool)",
}


def _server_cpu(dovecot) -> float:
    """CPU seconds used so far by the dovecot processes (the master and its children: imap, auth …)."""
    master = int((dovecot.dir / "run" / "master.pid").read_text().split()[0])
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == master or int(fields[1]) == master:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def floor_fetch(dovecot, n: int) -> None:
    """The bare fetch: imaplib, the same UID FETCHes of 50 (BODY.PEEK[]), nothing else; wall and CPU of both
    ends. (The imap process of this connection is still a child of the master when it is read.)"""
    import imaplib
    conn = dovecot.client("bench@okno.test")
    conn.select("INBOX", readonly=True)
    server_before = _server_cpu(dovecot)
    started, cpu = time.perf_counter(), time.process_time()
    _s, data = conn.uid("SEARCH", "ALL")
    uids = data[0].split()
    got = 0
    for k in range(0, len(uids), 50):
        _s, data = conn.uid("FETCH", b",".join(uids[k:k + 50]).decode(), "(UID BODY.PEEK[])")
        got += sum(1 for item in data if isinstance(item, tuple))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    server = _server_cpu(dovecot) - server_before
    conn.logout()
    assert got == n, (got, n)
    print(f"bare fetch of {n}: {wall:.2f} s ({n / wall:.0f} msg/s), client CPU {cpu * 1000 / n:.2f} ms/message, "
          f"dovecot CPU {server * 1000 / n:.2f} ms/message ({imaplib.__name__})")


def main(n: int) -> None:
    from data import db
    from data.ops.scratch import scratch_database
    from bench.email_channel import _seed_service, messages
    from tests.email.peers import Dovecot
    from sqlalchemy import select
    from data.models import Mailbox, Service
    server_url = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    dovecot = Dovecot()
    dovecot.add_user("bench@okno.test", "pw")
    dovecot.start()
    os.environ["OKNO_SECRET_BENCH_IMAP_PW"] = "pw"
    try:
        conn = dovecot.client("bench@okno.test")
        for raw in messages(n):
            conn.append("INBOX", None, None, raw)
        conn.logout()
        floor_fetch(dovecot, n)
        with scratch_database(server_url, "okno_prof_imap", use=True):
            _seed_service()
            with db.session_scope() as s:
                service_id = s.scalar(select(Service.id).where(Service.code == "benchmail"))
                box = Mailbox(name="bench", kind="imap", address="bench@okno.test", service_id=service_id,
                              host="127.0.0.1", port=dovecot.port, use_ssl=False,
                              secret="env:OKNO_SECRET_BENCH_IMAP_PW")
                s.add(box)
                s.flush()
                box_id = box.id
            from ingest.email.worker import poll_mailbox
            prof = cProfile.Profile()
            started, cpu = time.perf_counter(), time.process_time()
            prof.enable()
            result = poll_mailbox(box_id)
            prof.disable()
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            prof.dump_stats(os.environ.get("PROF_OUT", "/tmp/okno_imap.prof"))
            print(f"{n} messages over IMAP: {wall:.2f} s, {n / wall:.1f} msg/s, {cpu * 1000 / n:.2f} ms CPU/message "
                  f"in the writing process, load {os.getloadavg()}, counts {result.counts} error {result.error}")
            stats = pstats.Stats(prof)
            for (_file, _line, name), (_cc, _nc, _tt, cum, _callers) in sorted(
                    stats.stats.items(), key=lambda kv: -kv[1][3]):
                if name in PHASES:
                    print(f"  {cum:7.2f} s  {name:18s} {PHASES[name]}  ({_file.rsplit('/', 2)[-1]}:{_line})")
            for key in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats(key).print_stats(35)
                print(out.getvalue())
    finally:
        dovecot.stop()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 1000)

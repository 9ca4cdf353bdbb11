"""cProfile of an email import into a scratch database: where the time of one message goes.

    python -m bench.email_profile [N] [--batch] [--pool]  # default 2000 messages, the bench mail set
--pool parses in the process pool as the worker does (only the writing process is then profiled).
Prints SQL statements per message (an executemany counts once) and the top functions by cumulative and by
own time (not part of `make bench`: no run()).
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


def main(n: int, batch: bool, pool: bool = False) -> None:
    from bench.email_channel import _seed_service, messages
    from data import db
    from data.ops.scratch import scratch_database
    from ingest.email import mailbox_import
    server = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    raws = list(messages(n))
    with scratch_database(server, "okno_prof_email", use=True):
        _seed_service()
        from sqlalchemy import select
        from data.models import Service
        with db.read_session() as s:
            sid = s.scalar(select(Service.id).where(Service.code == "benchmail"))
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        statements = [0]

        def count(*_args, **_kwargs):
            statements[0] += 1
        event.listen(Engine, "before_cursor_execute", count)
        prof = cProfile.Profile()
        started, cpu = time.perf_counter(), time.process_time()
        prof.enable()
        if batch:
            counts = mailbox_import.ingest_batched(f"service:{sid}", iter(raws), workers=None if pool else 0)
        else:
            counts = mailbox_import.ingest_all(f"service:{sid}", iter(raws))
        prof.disable(); prof.dump_stats(os.environ.get("PROF_OUT", "/tmp/okno_email.prof"))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        event.remove(Engine, "before_cursor_execute", count)
        print(f"{n} messages: {n / wall:.1f} msg/s wall, {cpu * 1000 / n:.1f} ms CPU/message (profiled), "
              f"{statements[0] / n:.1f} SQL statements/message, load {os.getloadavg()}, counts {counts}")
        for key in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats(key).print_stats(45)
            print(out.getvalue())


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 2000, "--batch" in sys.argv or "--pool" in sys.argv, "--pool" in sys.argv)

"""cProfile of the Telegram intake (the bench's updates) in a scratch database: where an update's time goes.

    python -m bench.telegram_profile [N] [--root PATH] [--handle-only] [--no-profile]
N: updates (1000); --root: another checkout's code; --handle-only: the answers stay queued (handling alone);
--no-profile: the figures without cProfile's overhead.
Prints updates/s, CPU ms and SQL statements per update (an SQLAlchemy cursor event), then the top functions
by cumulative and by own time (not part of `make bench`: no run()).
"""
from __future__ import annotations

import asyncio
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path


async def _intake(n: int, api, handle_only: bool, profile: bool) -> None:
    from sqlalchemy import event

    from data.db import get_engine, session_scope
    from ingest.telegram.bot import build_bot
    from ingest.telegram.inbox import process_pending, store_updates
    from tests import factories
    from tests.telegram_fake_api import text_message

    statements = [0]
    event.listen(get_engine(), "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
    with session_scope() as s:
        factories.service(s, factories.board(s), code="general", name="General")
    os.environ["TELEGRAM_DEFAULT_SERVICE"] = "general"
    if handle_only:
        from ingest.telegram import out

        async def queued_only(*_a, **_k) -> int:
            return 0
        out.deliver_due = queued_only
    bot = build_bot(api.token, api.base_url)
    async with bot:
        updates = [{"update_id": i + 1, **text_message(f"Request {i}", chat_id=10_000 + i, message_id=i + 1)}
                   for i in range(n)]
        prof = cProfile.Profile()
        started, cpu, statements[0] = time.perf_counter(), time.process_time(), 0
        if profile:
            prof.enable()
        store_updates(bot.id, updates)
        handled = await process_pending(bot, bot.id, bot.username, limit=n + 10)
        prof.disable()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profile:
        prof.dump_stats(os.environ.get("PROF_OUT", "/tmp/okno_telegram.prof"))
    print(f"{handled} updates: {handled / wall:.1f} updates/s wall, {cpu * 1000 / handled:.2f} ms CPU/update, "
          f"{statements[0] / handled:.2f} SQL statements/update, load {os.getloadavg()}")
    for key in (("cumulative", "tottime") if profile else ()):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(40)
        print(out.getvalue())


def main(n: int, handle_only: bool = False, profile: bool = True) -> None:
    from data.ops.scratch import scratch_database
    from tests.telegram_fake_api import FakeBotAPI

    server = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    with scratch_database(server, "okno_prof_tg", use=True):
        api = FakeBotAPI().start()
        try:
            asyncio.run(_intake(n, api, handle_only, profile))
        finally:
            api.stop()


if __name__ == "__main__":
    args = sys.argv[1:]
    root = Path(__file__).resolve().parent.parent
    if "--root" in args:
        at = args.index("--root")
        root = Path(args[at + 1]).resolve()
        del args[at:at + 2]
    sys.path.insert(0, str(root))
    os.chdir(root)
    flags = {a for a in args if a.startswith("--")}
    args = [a for a in args if not a.startswith("--")]
    main(int(args[0]) if args else 1000, "--handle-only" in flags, "--no-profile" not in flags)

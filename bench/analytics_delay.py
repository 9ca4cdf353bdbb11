"""How long a move on the board takes to show in the analytics: the move is committed, then the rollup
refresh the job worker runs every 30 s is run once (as the worker would), and the time until the
figures change is measured — the refresh's own duration is the part the code controls; the schedule
adds at most 30 s on top (docs/analytics.md)."""
from __future__ import annotations

import time

REPEAT = 3


def run(url: str) -> dict:
    from sqlalchemy import select, text

    from data.db import session_scope
    from data.metrics import flow, rollup
    from data.metrics.filters import TicketFilter, today
    from data.models import BoardColumn, Ticket, User
    from data.tickets import actions as tickets

    out = {"refresh_s": [], "figure_changed": []}
    with session_scope() as s:
        if rollup.refreshed_at(s) is None:
            rollup.rebuild(s)
    for _ in range(REPEAT):
        with session_scope() as s:
            analyst = s.scalar(select(User).where(User.email == "analyst@okno.demo"))
            t = s.scalar(select(Ticket).where(Ticket.status == "queue").order_by(Ticket.id.desc()).limit(1))
            done = s.scalar(select(BoardColumn.id).where(BoardColumn.board_id == t.board_id, BoardColumn.kind == "done"))
            f = TicketFilter(date_from=today(), date_to=today(), board=[t.board_id])
            before = flow.throughput(s, analyst, f, "day")[-1]["done"]
            tickets.move(s, None, t.id, done)
        started = time.perf_counter()
        with session_scope() as s:
            rollup.refresh(s)
        refreshed = time.perf_counter() - started
        with session_scope() as s:
            after = flow.throughput(s, analyst, f, "day")[-1]["done"]
        out["refresh_s"].append(round(refreshed, 2))
        out["figure_changed"].append(after == before + 1)
    out["worst_case_delay_s"] = round(30 + max(out["refresh_s"]) + 15, 1)  # schedule + refresh + page poll
    with session_scope() as s:
        out["rollup_rows"] = s.execute(text("SELECT (SELECT count(*) FROM analytics_daily),"
                                            " (SELECT count(*) FROM analytics_dist),"
                                            " (SELECT count(*) FROM analytics_dist_month)")).first()._asdict()
    return out


if __name__ == "__main__":
    import json

    from bench.common import bench_database
    print(json.dumps(run(bench_database()), indent=2, default=str))

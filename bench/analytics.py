"""Analytics callback times at a million tickets, their bare SQL time, and the process's peak memory.

Each chart callback (components.chart_card.CALLBACKS, plus the KPI cards) is called as a plain
function inside a request context, as Dash calls it, for three views: one year of everything (the
target: p95 < 500 ms), the default 90 days, and one year of one service. The SQL share is the time
spent in cursor.execute (timed with SQLAlchemy's cursor events); app overhead = total / SQL.
"""
from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from datetime import timedelta

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
EXTRA = {"throughput": (None,), "compare": (None, 6, "agent", "resolved"),
         "forecast-when": (None,), "forecast-many": (None,)}


def _sql_timer(engine):
    from sqlalchemy import event
    spent = {"s": 0.0}

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        spent["s"] += time.perf_counter() - conn.info.pop("t0", time.perf_counter())

    return spent


def _measure(fn, spent, repeat):
    fn()  # warm-up: plans, caches, imports
    totals, sqls = [], []
    for _ in range(repeat):
        spent["s"] = 0.0
        t = time.perf_counter()
        fn()
        totals.append((time.perf_counter() - t) * 1000)
        sqls.append(spent["s"] * 1000)
    totals.sort()
    sql_median = statistics.median(sqls)
    return {"p50_ms": round(statistics.median(totals), 1),
            "p95_ms": round(totals[min(len(totals) - 1, int(len(totals) * 0.95))], 1),
            "sql_p50_ms": round(sql_median, 1),
            "app_over_sql": round(statistics.median(totals) / sql_median, 2) if sql_median else None}


def run(url: str) -> dict:
    from flask_login import login_user
    from sqlalchemy import func, select, text

    from app import create_app
    from components import analytics_page
    from components.chart_card import CALLBACKS
    from data.db import get_engine, read_session
    from data.metrics.filters import today
    from data.models import Service, Ticket, User

    server = create_app()  # runs every page, which registers the chart callbacks
    spent = _sql_timer(get_engine())
    with read_session() as s:
        user = s.scalar(select(User).where(User.email == "analyst@okno.demo"))
        service_id = s.scalar(select(Service.id).where(Service.code == "it"))
        tickets = s.scalar(select(func.count()).select_from(Ticket))
        s.expunge(user)
    end = today()
    views = {
        "year_all_services": {"from": (end - timedelta(days=364)).isoformat(), "to": end.isoformat()},
        "default_90_days": {},
        "year_one_service": {"from": (end - timedelta(days=364)).isoformat(), "to": end.isoformat(),
                             "service": str(service_id)},
    }
    chosen = [v for v in os.environ.get("BENCH_VIEWS", "").split(",") if v in views]
    views = {v: views[v] for v in chosen} if chosen else views
    out = {"tickets": tickets, "repeat": REPEAT, "views": {}}
    with server.test_request_context("/"):
        login_user(user)
        for view, query in views.items():
            results = {"kpis": _measure(lambda: analytics_page.render_kpis(query), spent, REPEAT),
                       "freshness": _measure(lambda: analytics_page.show_freshness(query), spent, REPEAT)}
            for name, fn in sorted(CALLBACKS.items()):
                args = EXTRA.get(name, ())
                results[name] = _measure(lambda: fn(query, *args), spent, REPEAT)
                print(f"# analytics {view} {name} {results[name]}", file=sys.stderr, flush=True)
            out["views"][view] = results
    with read_session() as s:
        out["rollup"] = s.execute(text("SELECT refreshed_at FROM analytics_state WHERE id = 1")).scalar()
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def markdown(result: dict) -> str:
    """The table for docs/benchmarks.md from run()'s JSON."""
    views = list(result["views"])
    lines = ["| callback | " + " | ".join(f"{v}: p50 / p95 ms (app ÷ SQL)" for v in views) + " |",
             "|---|" + "---|" * len(views)]
    for name in result["views"][views[0]]:
        cells = []
        for v in views:
            m = result["views"][v][name]
            cells.append(f"{m['p50_ms']:.0f} / {m['p95_ms']:.0f} ({m['app_over_sql'] or '—'})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\nTickets: {result['tickets']:,}; peak RSS of the process: {result['peak_rss_mb']} MB.\n"


if __name__ == "__main__":
    import json

    if len(sys.argv) > 2 and sys.argv[1] == "--markdown":  # python -m bench.analytics --markdown result.json
        print(markdown(json.load(open(sys.argv[2]))))
    else:
        from bench.common import bench_database
        print(json.dumps(run(bench_database()), indent=2, default=str))

"""SLA at a million tickets: the backfill rate (tickets/s) and the per-card cost of showing SLA state.

Everything runs in one transaction that is rolled back, so the benchmark database is unchanged
(policies are seeded inside it when the database has none). BENCH_SLA_TICKETS limits the backfill
to the first N tickets (default 250,000 — the rate is the same, and a shorter transaction holds
fewer row locks on a shared database; 0 = all).
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

BATCH = 5000


def run(url: str) -> dict:
    from data.sla import recompute as sla
    from data.sla import policies as sla_policies
    from data.sla import store as sla_store
    from data.demo import sla as demo_sla
    from data.models import SlaPolicy
    from data.sla.signal import signal

    limit = int(os.environ.get("BENCH_SLA_TICKETS", "250000")) or None
    engine = create_engine(url)
    out: dict = {}
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            s = Session(bind=conn)
            if conn.execute(text("SELECT to_regclass('ticket_sla')")).scalar() is None:
                _temporary_sla_tables(conn)
                out["sla_tables"] = "temporary (database loaded before the SLA migration)"
            if not s.scalar(select(func.count()).select_from(SlaPolicy)):
                out["seeded_policies"] = demo_sla.seed_policies(s)
            policies = sla_policies.load(s)
            # Reads first, on the database as it is (after the backfill below, the transaction's own
            # hundreds of thousands of fresh row versions would make them look slower than they are).
            out["board_2000_cards"] = _board_cost(s, signal)
            out["card_page_summary"] = _summary_cost(s, sla)
            out["backfill"] = _backfill(s, policies, sla_store, limit)
            # What the board would show now (timed too, but inside this write-heavy transaction).
            out["board_2000_cards_after_backfill"] = _board_cost(s, signal)
        finally:
            trans.rollback()
    engine.dispose()
    return out


def _temporary_sla_tables(conn) -> None:
    """The SLA tables as temporary tables (they come first on the search path) without foreign keys:
    a foreign key to tickets would lock the table against other sessions' ANALYZE and writes."""
    from sqlalchemy import Column, MetaData, Table, UniqueConstraint
    from sqlalchemy.schema import CreateTable

    from data.models import BusinessCalendar, SlaPolicy, TicketSla
    meta = MetaData()
    for model in (BusinessCalendar, SlaPolicy, TicketSla):
        src = model.__table__
        columns = [Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable,
                          server_default=c.server_default.arg if c.server_default is not None else None)
                   for c in src.columns]
        uniques = [UniqueConstraint(*u.columns.keys()) for u in src.constraints if isinstance(u, UniqueConstraint)]
        table = Table(src.name, meta, *columns, *uniques, prefixes=["TEMPORARY"])
        conn.execute(CreateTable(table))


def _backfill(s: Session, policies, sla_store, limit: int | None) -> dict:
    """The backfill's path (data/sla/bulk.py) over id ranges: with the stored SLA current (nothing to
    write), then with those tickets' clocks deleted (the first-time path: every clock inserted), and the
    clock maths alone (data/sla/batch.py on the loaded timelines)."""
    from data.sla import batch, bulk
    lo, hi = s.execute(text("SELECT min(id), max(id) FROM tickets")).one()
    ranges = []
    for start in range(lo, hi + 1, BATCH):
        ranges.append(start)
        if limit and (start + BATCH - lo) >= limit:
            break
    end, now = ranges[-1] + BATCH, time.time()

    def run() -> tuple[int, float]:
        started = time.perf_counter()
        done = sum(bulk.recompute(s, bulk.Scope(lo=a, hi=a + BATCH), policies, now) for a in ranges)
        return done, time.perf_counter() - started

    done, unchanged = run()
    compute_s = 0.0
    for a in ranges:
        loaded = bulk.read(s, bulk.Scope(lo=a, hi=a + BATCH), policies)
        started = time.perf_counter()
        batch.compute(loaded.timelines, loaded.policy_list, now)
        compute_s += time.perf_counter() - started
    s.execute(text("DELETE FROM ticket_sla WHERE ticket_id >= :lo AND ticket_id < :hi"), {"lo": lo, "hi": end})
    _, first = run()
    return {"tickets": done, "unchanged_tickets_per_s": round(done / unchanged, 1),
            "first_time_tickets_per_s": round(done / first, 1), "compute_only_tickets_per_s": round(done / compute_s, 1),
            "ticket_sla_rows": s.scalar(text("SELECT count(*) FROM ticket_sla"))}


def _board_cost(s: Session, signal) -> dict:
    """What the board does per card: read the ticket's SLA columns with the card, compute the signal."""
    board_id = s.scalar(text("SELECT board_id FROM tickets GROUP BY board_id ORDER BY count(*) DESC LIMIT 1"))
    query = text("""SELECT id, sla_due_at, sla_at_risk_at, sla_first_response_breached, sla_resolution_breached
                    FROM tickets WHERE board_id = :b ORDER BY created_at DESC LIMIT 2000""")
    now = datetime.now(timezone.utc)
    samples_sql, samples_signal, counts = [], [], {}
    for _ in range(7):
        t = time.perf_counter()
        rows = s.execute(query, {"b": board_id}).all()
        samples_sql.append(time.perf_counter() - t)
        t = time.perf_counter()
        # As the board does: breached when either target of the ticket was breached.
        signals = [signal(due_at=r[1], at_risk_at=r[2], breached=bool(r[3] or r[4]), now=now) for r in rows]
        samples_signal.append(time.perf_counter() - t)
    for value in signals:
        counts[value or "none"] = counts.get(value or "none", 0) + 1
    sql, sig = sorted(samples_sql)[3], sorted(samples_signal)[3]
    return {"cards": len(rows), "sql_ms": round(sql * 1000, 1), "signal_ms": round(sig * 1000, 2),
            "per_card_us": round((sql + sig) / max(len(rows), 1) * 1e6, 2), "signals": counts}


def _summary_cost(s: Session, sla) -> dict:
    """The card page: every target of one ticket computed from its history as of now."""
    ids = list(s.scalars(text("SELECT id FROM tickets WHERE status <> 'done' ORDER BY id DESC LIMIT 50")))
    t = time.perf_counter()
    for ticket_id in ids:
        sla.ticket_sla_summary(s, ticket_id)
    spent = time.perf_counter() - t
    return {"tickets": len(ids), "per_ticket_ms": round(spent / max(len(ids), 1) * 1000, 2)}

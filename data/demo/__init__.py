"""Demo and benchmark data: a year of a back-office service desk, modelled on the seed deployments.

    from data.demo import load
    summary = load("postgresql://...", tickets=20000, seed=7)

Reference data (priorities, teams, users, boards, services, request types, templates) goes in
through the ORM; requesters, tickets, their events, comments, checklists and attachments are
simulated in chunks with numpy and bulk-loaded with COPY, all in one transaction. The indexes and
foreign-key checks that the bulk load puts off are built after it commits, on two connections
(build.py); a load stopped in between is finished by the next load() or `python -m data demo`.
The database must be empty (migrated, nothing loaded): see is_empty().

The story is Core12's: go-live is the first day of the month six months before `today`. Before it
a first-line agent resolves ~400 requests a month, median handling time ~1.5 days; after it
~700 a month and under a day, with the same team (see plan.py).
"""
from __future__ import annotations

import logging
import time
from datetime import date, datetime, timezone

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from data.ops import event_partitions
from data.db import normalise_url
from data.demo import kb as demo_kb, ratings as demo_ratings, recurring as demo_recurring, sla as demo_sla, spec
from data.demo.calendar import local_zone
from data.demo.catalog import create_catalog
from data.demo.chunk import Context, simulate_chunk
from data.demo import build
from data.demo.copy import BULK_MODE_TABLES, BulkMode, CopyWriter, reset_sequences
from data.demo.people import create_requesters
from data.demo.plan import make_plan
from data.demo.rows import Ids, write_chunk
from data.demo.staff import DEMO_LOGINS
from data.demo.texts import CasePools
from data.demo.triggers import SORT_KEYS
from data.sla import policies as sla_policies

log = logging.getLogger(__name__)
CHUNK = 50_000


class NotEmptyError(RuntimeError):
    """The target database already holds data; demo data only goes into an empty one."""


def is_empty(session) -> bool:
    """True when no users, boards, services or tickets exist (a freshly migrated database)."""
    return not session.execute(text(
        "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM boards) "
        "OR EXISTS (SELECT 1 FROM services) OR EXISTS (SELECT 1 FROM tickets)")).scalar()


def sort_keys(session) -> dict[str, dict]:
    """What the tickets' sort-key columns copy (set in the COPY: the insert trigger, replayed after it, finds nothing to fill)."""
    return {column: dict(session.execute(text(f"SELECT id, {value} FROM {table}")).all())
            for column, table, value, _ in SORT_KEYS}


def load(engine_or_url: Engine | str, tickets: int = 20000, seed: int = 7, today: date | None = None,
         chunk_size: int = CHUNK) -> dict:
    """Fill an empty database with `tickets` tickets over the 12 months ending `today`; return a summary."""
    if tickets < 0:
        raise ValueError("tickets must be >= 0")
    started = time.perf_counter()
    own_engine = isinstance(engine_or_url, str)
    engine = create_engine(normalise_url(engine_or_url)) if own_engine else engine_or_url
    plan = make_plan(tickets, seed, today)
    totals = {"tickets": 0, "sla_clocks": 0, "events": 0, "comments": 0, "checklist_items": 0, "attachments": 0,
              "open": 0}
    try:
        if build.pending(engine):  # an earlier load committed its rows and stopped before its indexes
            build.finish(engine)
            raise NotEmptyError("the database holds an earlier, interrupted demo load (now finished); "
                                "demo data is only loaded into an empty one")
        with engine.connect() as conn, conn.begin():
            session = Session(bind=conn)
            if not is_empty(session):
                raise NotEmptyError("the database already has data; demo data is only loaded into an empty one")
            catalog = create_catalog(session, plan.team_sizes, seed)
            totals["sla_policies"] = demo_sla.seed_policies(session)  # before the tickets: they go in with their SLA
            policies = sla_policies.load(session)
            session.flush()
            users = catalog.staff.count
            # The year's events go straight into their months' partitions, not the default one.
            event_partitions.ensure_since(session, datetime.fromtimestamp(plan.start, timezone.utc))
            session.flush()
            with conn.connection.driver_connection.cursor() as cur, BulkMode(cur, BULK_MODE_TABLES) as bulk:
                writer = CopyWriter(cur)  # streams to PostgreSQL while the next chunk is simulated
                try:
                    requesters = create_requesters(writer, plan.n_requesters, seed, plan.start)
                    ctx = Context(plan, catalog, requesters, CasePools(seed), policies, sort_keys(session))
                    ids = Ids()
                    for chunk_no, lo in enumerate(range(0, plan.n_main, chunk_size)):
                        chunk = simulate_chunk(ctx, lo, min(lo + chunk_size, plan.n_main), chunk_no)
                        for key, value in write_chunk(writer, ctx, chunk, ids, chunk_no).items():
                            totals[key] += value
                        log.info("demo: %d tickets simulated (%.0f s)", totals["tickets"],
                                 time.perf_counter() - started)
                except BaseException:
                    writer.abort()
                    raise
                writer.close()
                reset_sequences(cur)
                bulk.insert_after_commit(demo_ratings.statement(session.scalar(text("SELECT now()"))), "ratings",
                                         "tickets")
                log.info("demo: rows loaded (%.0f s)", time.perf_counter() - started)
            totals["recurring_requests"] = demo_recurring.create(session)
            totals["articles"] = demo_kb.create(session, seed)  # after the requesters: deflections name some
            session.close()
        log.info("demo: committed (%.0f s); building indexes", time.perf_counter() - started)
        build.finish(engine)
        with engine.connect() as conn:
            totals["ratings"] = conn.scalar(text("SELECT count(*) FROM ratings"))
    finally:
        if own_engine:
            engine.dispose()
    return {
        **{k: v for k, v in totals.items() if k != "open"},
        "open_tickets": totals["open"],
        "requesters": plan.n_requesters,
        "users": users,
        "it_l1_agents": plan.team_sizes["l1"],
        "seconds": round(time.perf_counter() - started, 1),
        "today": plan.today.isoformat(),
        "now": datetime.fromtimestamp(plan.now, local_zone()).isoformat(),
        "history_from": datetime.fromtimestamp(plan.start, local_zone()).date().isoformat(),
        "go_live": plan.go_live.isoformat(),
        "password": spec.DEMO_PASSWORD,
        "logins": [{"email": email, "role": role, "name": name, "password": spec.DEMO_PASSWORD}
                   for email, name, role, _ in DEMO_LOGINS],
    }


__all__ = ["load", "is_empty", "NotEmptyError"]

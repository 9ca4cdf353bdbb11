"""The demo load puts off indexes, foreign-key checks and the tickets' insert triggers while it COPYs,
and puts them back: afterwards the schema is the one the migrations make, the triggers' effect is
what the triggers themselves produce, and a load stopped after its rows committed is finished."""
from __future__ import annotations

import re
from datetime import date

import psycopg
import pytest
from sqlalchemy import create_engine, text

from data.demo import NotEmptyError, build, load, triggers
from data.demo.copy import BULK_TABLES
from data.ops.scratch import scratch_database

TODAY = date(2025, 6, 18)
TICKETS = 400


def schema(engine) -> dict[str, list]:
    """What pg_dump would show of the public schema, in comparable form; event partitions (the load adds
    one per month of its history) are compared as one partition, with the partition's name taken out."""
    queries = {
        "columns": """
            SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attgenerated,
                   pg_get_expr(d.adbin, d.adrelid)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped""",
        "indexes": """
            SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisvalid, x.indisready, x.indislive
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'""",
        "constraints": """
            SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.convalidated, k.conislocal,
                   k.coninhcount, k.condeferrable, k.condeferred, coalesce(p.conname, '')
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_constraint p ON p.oid = k.conparentid WHERE n.nspname = 'public'""",
        "triggers": """
            SELECT c.relname, CASE WHEN t.tgisinternal THEN coalesce(k.conname, '') ELSE t.tgname END,
                   CASE WHEN t.tgisinternal THEN t.tgfoid::regproc::text ELSE pg_get_triggerdef(t.oid) END,
                   t.tgtype, t.tgenabled, t.tgisinternal
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_constraint k ON k.oid = t.tgconstraint WHERE n.nspname = 'public'""",
        "tables": """
            SELECT c.relname, c.relkind, c.relpersistence, coalesce(p.relname, '')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')""",
    }
    with engine.connect() as c:
        partitions = sorted((r[0] for r in c.execute(text(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'ticket_events'::regclass"))),
            key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(p) for p in partitions)) if partitions else None

        def plain(value):
            return pattern.sub("<partition>", value) if pattern and isinstance(value, str) else value
        return {name: sorted({tuple(map(plain, row)) for row in c.execute(text(sql))}, key=repr)
                for name, sql in queries.items()}


@pytest.fixture(scope="module")
def migrated(database_url):
    with scratch_database(database_url, "okno_demo_schema") as url:
        engine = create_engine(url)
        try:
            yield schema(engine)
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def loaded(database_url):
    """A small load the usual way: triggers dropped during the COPY and replayed after it."""
    with scratch_database(database_url, "okno_demo_built") as url:
        engine = create_engine(url)
        try:
            load(engine, tickets=TICKETS, seed=7, today=TODAY)
            yield engine
        finally:
            engine.dispose()


def test_after_a_load_the_schema_is_the_migrated_one(migrated, loaded):
    """Same indexes (valid), constraints (validated), triggers (enabled), columns; nothing left over."""
    after = schema(loaded)
    for part in migrated:
        assert after[part] == migrated[part], part
    with loaded.connect() as c:
        assert c.execute(text("SELECT to_regclass(:j)"), {"j": build.JOURNAL}).scalar() is None
        assert c.execute(text("SELECT count(*) FROM pg_class WHERE relname = :t"),
                         {"t": triggers.REPLAY_TABLE}).scalar() == 0


def _tickets_and_words(engine) -> tuple[list, list]:
    with engine.connect() as c:
        rows = c.execute(text("SELECT to_jsonb(t) - 'search_tsv' FROM tickets t ORDER BY id")).scalars().all()
        words = c.execute(text("SELECT word FROM search_words ORDER BY word")).scalars().all()
    return rows, words


def test_replayed_triggers_give_what_the_triggers_give_row_by_row(loaded, database_url, monkeypatch):
    """The same load with the triggers left in place (they fire for every COPYed row) writes the
    same tickets (sort keys included) and the same subject words."""
    monkeypatch.setattr(triggers, "REPLAYS", {})  # nothing is dropped: every insert trigger fires
    with scratch_database(database_url, "okno_demo_triggered") as url:
        engine = create_engine(url)
        try:
            load(engine, tickets=TICKETS, seed=7, today=TODAY)
            fired = _tickets_and_words(engine)
        finally:
            engine.dispose()
    replayed = _tickets_and_words(loaded)
    assert len(replayed[0]) >= TICKETS and len(replayed[1]) > 50
    assert replayed == fired


def test_the_replayed_assignee_rule_refuses_what_the_trigger_refuses(loaded):
    """A ticket given to someone outside the board's teams, COPYed while the trigger is off, fails
    the load when the rule is replayed — with the trigger's own error."""
    url = loaded.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM users WHERE role = 'analyst' LIMIT 1")
        analyst = cur.fetchone()[0]
        dropped = triggers.drop_insert_triggers(cur, BULK_TABLES)
        assert {t.name for t in dropped} == set(triggers.REPLAYS)
        cur.execute("""SELECT attname FROM pg_attribute WHERE attrelid = 'tickets'::regclass AND attnum > 0
                       AND NOT attisdropped AND attgenerated = '' ORDER BY attnum""")
        columns = [c for (c,) in cur.fetchall()]
        changed = {"id": "id + 100000", "number": "number + 100000", "assignee_id": "%s"}
        cur.execute(f"INSERT INTO tickets ({', '.join(columns)}) SELECT {', '.join(changed.get(c, c) for c in columns)} "
                    "FROM tickets WHERE id = (SELECT min(id) FROM tickets WHERE assignee_id IS NOT NULL)", (analyst,))
        with pytest.raises(psycopg.errors.CheckViolation, match="may not be the assignee"):
            triggers.restore(cur, dropped)
        conn.rollback()


def test_a_load_stopped_after_its_rows_committed_is_finished_by_the_next(database_url, migrated, monkeypatch):
    with scratch_database(database_url, "okno_demo_stopped") as url:
        engine = create_engine(url)
        try:
            finish = build.finish
            monkeypatch.setattr(build, "finish", lambda engine: None)  # stopped right after the commit
            load(engine, tickets=50, seed=7, today=TODAY)
            with engine.connect() as c:
                assert c.execute(text(f"SELECT count(*) FROM {build.JOURNAL}")).scalar() > 0
            monkeypatch.setattr(build, "finish", finish)
            with pytest.raises(NotEmptyError, match="interrupted"):
                load(engine, tickets=50, seed=7, today=TODAY)
            assert schema(engine) == migrated
        finally:
            engine.dispose()

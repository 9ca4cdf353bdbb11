"""The read replica (DATABASE_REPLICA_URL): analytics figures and exports are read there when it is set,
from the primary when it is not, and nothing can be written through it.

The replica is a second database made by the test: migrated, then every table's rows copied from the
primary (COPY out, COPY in — what a replica holds), after which it falls behind: tickets created on the primary afterwards are missing from it, as with replication lag.
What the user sees therefore tells which database answered."""
from __future__ import annotations

import csv
import dataclasses
import io
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from data import db
from data.db import replica_session, session_scope
from data.exports import jobs as exports
from data.identity import tokens
from data.models import User
from data.ops.scratch import scratch_database
from data.tickets import actions as tickets
from tests import factories as f

DAY = datetime(2026, 3, 3, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# Tables (partitioned ones whole, not their partitions) and their stored, non-generated columns.
TABLES = """
SELECT c.relname, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'alembic_version'
 GROUP BY c.relname"""


def snapshot(source_url: str, target_url: str) -> None:
    """Every row of the primary's tables into the (migrated, empty) replica; foreign-key triggers off meanwhile,
    as a replica applies the primary's changes without checking them again."""
    with psycopg.connect(_libpq(source_url)) as src, psycopg.connect(_libpq(target_url)) as dst:
        dst.execute("SET session_replication_role = replica")
        tables = src.execute(TABLES).fetchall()
        dst.execute("TRUNCATE " + ", ".join(t for t, _c in tables))  # the rows the migrations seed
        for table, columns in tables:
            with src.cursor().copy(f"COPY (SELECT {columns} FROM {table}) TO STDOUT (FORMAT binary)") as out, \
                    dst.cursor().copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT binary)") as into:
                for chunk in out:
                    into.write(chunk)


@pytest.fixture(scope="module")
def world(app, database_url):
    tag = uuid.uuid4().hex[:8]
    with session_scope() as s:
        team = f.team(s, name=f"Replica team {tag}")
        analyst = f.user(s, "analyst")
        board = f.board(s, team)

        def arrive(n):
            for i in range(n):
                tickets.create(s, None, title=f"Реплика {tag} {i}", board_id=board.id, at=DAY, team_id=team.id,
                               channel="email")
        arrive(3)
        secret = tokens.create(s, analyst, analyst, "replica test")[1]
        s.flush()
        ids = dict(analyst=analyst.id, board=board.id, team=team.id)
    with scratch_database(database_url, "okno_replica") as replica_url:
        snapshot(database_url, replica_url)
        with session_scope() as s:  # the primary moves on; the replica has not caught up
            for i in range(2):
                tickets.create(s, None, title=f"Реплика {tag} new {i}", board_id=ids["board"], at=DAY,
                               team_id=ids["team"], channel="email")
        yield dict(tag=tag, secret=secret, replica=replica_url, **ids)
        db.configure(dataclasses.replace(db.current_config(), database_replica_url=None))


@pytest.fixture
def use_replica(world):
    """DATABASE_REPLICA_URL set, as the app factory's configuration would have it."""
    before = db.current_config()
    db.configure(dataclasses.replace(before, database_replica_url=world["replica"]))
    yield
    db.configure(dataclasses.replace(before, database_replica_url=None))


def created_that_day(client, world) -> int:
    day = DAY.date().isoformat()
    response = client.get(f"/api/v1/metrics/created?from={day}&to={day}&board={world['board']}&grain=day",
                          headers={"Authorization": f"Bearer {world['secret']}"})
    assert response.status_code == 200, response.get_json()
    return sum(r["value"] for r in response.get_json()["rows"])


def exported_rows(world) -> list[list[str]]:
    with session_scope() as s:
        analyst = s.get(User, world["analyst"])
        s.expunge(analyst)
        job_id = exports.start(s, analyst, query={"q": world["tag"]}, columns=["number", "title"], fmt="csv").id
    body = b"".join(exports.stream(analyst, exports.open_job(analyst, job_id)))
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]


def test_without_a_replica_figures_and_exports_come_from_the_primary(client, world):
    assert created_that_day(client, world) == 5
    assert len(exported_rows(world)) == 5


def test_with_a_replica_figures_and_exports_are_read_there(client, world, use_replica):
    assert created_that_day(client, world) == 3  # the replica's snapshot, not the primary's 5
    rows = exported_rows(world)
    assert len(rows) == 3 and not any(" new " in title for _n, title in rows)


def test_the_replica_session_is_read_only(world, use_replica):
    with replica_session() as s:
        assert s.scalar(text("SELECT current_database()")) == make_url(world["replica"]).database
        with pytest.raises(Exception, match="read-only"):
            s.execute(text("CREATE TABLE okno_should_not_exist (id int)"))


def test_okno_connections_compile_no_jit(world, use_replica):
    """JIT compiling costs more than Okno's short statements gain (data/db.py): off on the primary's and the
    replica's connections, and still off after a transaction on them was rolled back."""
    for scope in (session_scope, replica_session, session_scope):
        with scope() as s:
            assert s.scalar(text("SHOW jit")) == "off"
        with pytest.raises(ZeroDivisionError), scope() as s:
            s.execute(text("SELECT 1"))
            raise ZeroDivisionError  # rolled back: the connection goes back to the pool as it was

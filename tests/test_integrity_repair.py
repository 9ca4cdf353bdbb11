"""Migration integrity_0001 on a database built at the revision before it, holding every kind of bad row the
old schema let in: each is repaired (and logged, and written to the ticket's history where the analytics read
it), then the constraints hold."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from data import db
from data.migrate import upgrade
from data.ops.scratch import scratch_database

BEFORE = "signin_0001"  # the revision integrity_0001 revises


@pytest.fixture
def old_db():
    with scratch_database(db.database_url(), "okno_integrity", migrate=False) as url:
        upgrade(url, BEFORE)
        engine = create_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


def insert(conn, sql: str, **params) -> int:
    return conn.execute(text(sql + " RETURNING id"), params).scalar_one()


def bad_rows(c) -> dict:
    """Two teams' boards, and tickets that break each rule the old schema did not hold."""
    ids = {}
    it, hr = (insert(c, "INSERT INTO teams (name) VALUES (:n)", n=n) for n in ("IT", "HR"))
    agent = insert(c, "INSERT INTO users (email, name, password_hash, role, team_id) "
                      "VALUES ('a@x', 'Agent', '', 'agent', :t)", t=it)
    analyst = insert(c, "INSERT INTO users (email, name, password_hash, role, team_id) "
                        "VALUES ('an@x', 'Analyst', '', 'analyst', :t)", t=it)
    hr_agent = insert(c, "INSERT INTO users (email, name, password_hash, role, team_id) "
                         "VALUES ('hr@x', 'HR agent', '', 'agent', :t)", t=hr)
    c.execute(text("UPDATE teams SET lead_id = 999999 WHERE id = :t"), {"t": hr})  # no such user: no FK yet
    boards, columns, lanes = {}, {}, {}
    for key, team in (("it", it), ("hr", hr)):
        boards[key] = insert(c, "INSERT INTO boards (name, team_id) VALUES (:n, :t)", n=key, t=team)
        for pos, kind in enumerate(("queue", "in_progress", "done")):
            columns[key, kind] = insert(c, "INSERT INTO board_columns (board_id, name, kind, position) "
                                           "VALUES (:b, :k, :k, :p)", b=boards[key], k=kind, p=pos)
        lanes[key] = insert(c, "INSERT INTO lanes (board_id, name, position, wip_limit) VALUES (:b, 'L', 0, 0)",
                            b=boards[key])

    def ticket(title, board="it", kind="queue", status=None, **extra) -> int:
        cols = ", ".join(["title", "board_id", "column_id", "status", "channel", *extra])
        vals = ", ".join([":title", ":b", ":col", ":s", "'agent'", *(f":{k}" for k in extra)])
        return insert(c, f"INSERT INTO tickets ({cols}) VALUES ({vals})", title=title, b=boards[board],
                      col=columns[board, kind], s=status or kind, **extra)

    ids["fine"] = ticket("fine", assignee_id=agent)
    ids["foreign_column"] = ticket("foreign column", status="in_progress")
    c.execute(text("UPDATE tickets SET column_id = :c WHERE id = :t"),
              {"c": columns["hr", "in_progress"], "t": ids["foreign_column"]})
    ids["stale_status"] = ticket("stale status", kind="done", status="in_progress")
    ids["foreign_lane"] = ticket("foreign lane", lane_id=lanes["hr"])
    ids["analyst"] = ticket("assigned to an analyst", assignee_id=analyst)
    ids["outsider"] = ticket("assigned to HR", assignee_id=hr_agent)
    ids["long"] = ticket("long", description="x" * 1_000_005)
    a, b, cc = (ticket(f"cycle {n}") for n in "abc")
    for child, parent in ((a, b), (b, cc), (cc, a)):
        c.execute(text("UPDATE tickets SET parent_id = :p WHERE id = :t"), {"p": parent, "t": child})
    ids["cycle"] = (a, b, cc)
    c.execute(text("INSERT INTO comments (ticket_id, is_public, is_system, body) VALUES (:t, false, true, :b)"),
              {"t": ids["long"], "b": "y" * 1_000_010})
    c.execute(text("INSERT INTO checklist_items (ticket_id, text, position) VALUES (:t, :x, 0)"),
              {"t": ids["long"], "x": "z" * 5000})
    return dict(ids, boards=boards, columns=columns, lanes=lanes, agent=agent, it=it, hr=hr)


def test_the_migration_repairs_bad_rows_logs_each_repair_then_holds(old_db, caplog):
    url, engine = old_db
    with engine.begin() as c:
        bad = bad_rows(c)

    with caplog.at_level(logging.WARNING, logger="okno.migrations.integrity"):
        upgrade(url)

    logged = "\n".join(r.getMessage() for r in caplog.records)
    for what in ("card moved to a column of its own board", "status reset to its column's kind",
                 "card taken out of a lane of another board", "parent cleared to break a parent cycle",
                 "assignee cleared", "team lead cleared", "tickets.description truncated", "comments.body truncated",
                 "checklist_items.text truncated", "lanes: out of range"):
        assert what in logged, what
    with engine.connect() as c:
        def row(ticket_id):
            return c.execute(text("SELECT * FROM tickets WHERE id = :t"), {"t": ticket_id}).mappings().one()

        def events(ticket_id):
            return c.execute(text("SELECT kind, from_status, to_status, from_column_id, to_column_id, from_user_id, "
                                  "data FROM ticket_events WHERE ticket_id = :t ORDER BY id"),
                             {"t": ticket_id}).mappings().all()

        moved = row(bad["foreign_column"])  # to its own board's column of the same kind
        assert (moved.column_id, moved.status) == (bad["columns"]["it", "in_progress"], "in_progress")
        assert events(bad["foreign_column"])[-1]["data"] == {"repair": "integrity_0001", "why": "column_on_another_board"}
        stale = row(bad["stale_status"])
        assert (stale.status, stale.resolved_at is not None) == ("done", True)  # resolved now, as a move would
        assert [(e["kind"], e["from_status"], e["to_status"]) for e in events(bad["stale_status"])] == \
            [("moved", "in_progress", "done")]
        assert row(bad["foreign_lane"]).lane_id is None
        assert row(bad["analyst"]).assignee_id is None and row(bad["outsider"]).assignee_id is None
        assert events(bad["analyst"])[-1]["kind"] == "assigned"
        assert row(bad["fine"]).assignee_id == bad["agent"] and events(bad["fine"]) == []
        parents = [row(t).parent_id for t in bad["cycle"]]
        assert parents.count(None) == 1 and row(max(bad["cycle"])).parent_id is None  # broken at the newest
        assert len(row(bad["long"]).description) == 1_000_000
        assert c.scalar(text("SELECT char_length(body) FROM comments WHERE ticket_id = :t"), {"t": bad["long"]}) \
            == 1_000_000
        assert c.scalar(text("SELECT char_length(text) FROM checklist_items WHERE ticket_id = :t"),
                        {"t": bad["long"]}) == 4000
        assert c.scalar(text("SELECT lead_id FROM teams WHERE id = :t"), {"t": bad["hr"]}) is None
        assert c.scalar(text("SELECT count(*) FROM lanes WHERE wip_limit IS NOT NULL")) == 0

    # And now the schema refuses what it let in before.
    for sql in ("UPDATE tickets SET column_id = :hr_col WHERE id = :t",
                "UPDATE tickets SET status = 'done' WHERE id = :t",
                "UPDATE tickets SET lane_id = :hr_lane WHERE id = :t",
                "UPDATE teams SET lead_id = 999999 WHERE id = :it"):
        with pytest.raises(DBAPIError), engine.begin() as c:
            c.execute(text(sql), {"t": bad["fine"], "hr_col": bad["columns"]["hr", "queue"],
                                  "hr_lane": bad["lanes"]["hr"], "it": bad["it"]})


def test_a_clean_database_is_migrated_without_repairs(old_db, caplog):
    url, _engine = old_db
    with caplog.at_level(logging.WARNING, logger="okno.migrations.integrity"):
        upgrade(url)
    assert [r.getMessage() for r in caplog.records if r.name == "okno.migrations.integrity"] == []

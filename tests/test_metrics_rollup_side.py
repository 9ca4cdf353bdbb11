"""A full build that computes part of the rollup on a second connection in its snapshot (data/metrics/rollup_side.py)
writes exactly the rows of a build on one connection, in every table of the rollup — and a second connection that
fails fails the build."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.metrics import rollup, rollup_csat, rollup_flow, rollup_side
from tests.conftest import own_database
from tests.test_metrics_rollup_delta import TABLES, _same_rows
from tests.test_metrics_rollup_random import _history

EVERY_TABLE = [*TABLES, *rollup_flow.TABLES, *rollup_csat.TABLES]


@pytest.fixture
def committed():
    """A database of its own: the second connection sees only committed rows, which other tests must not see."""
    with own_database("okno_side") as (_url, engine):
        with Session(engine) as s:
            _history(s, 31, ZoneInfo("Europe/Moscow"), date(2025, 9, 20), 120, 60)
            s.commit()
        yield engine


def _build(engine, side: bool, monkeypatch) -> tuple[dict, bool]:
    monkeypatch.setattr(rollup, "SIDE", side)
    opened = []
    monkeypatch.setattr(rollup_side, "open_side", lambda s, real=rollup_side.open_side: opened.append(real(s)) or opened[-1])
    with Session(engine) as s:
        s.connection(execution_options={"isolation_level": rollup.ROLLUP_ISOLATION})
        rollup.rebuild(s)
        s.commit()
    with Session(engine) as s:
        rows = {}
        for table in EVERY_TABLE:
            columns = ", ".join(c for c in s.execute(text(f"SELECT * FROM {table} LIMIT 0")).keys() if c != "id")
            rows[table] = [tuple(r) for r in s.execute(text(f"SELECT {columns} FROM {table} ORDER BY {columns}"))]
    return rows, any(opened)


def test_a_build_on_two_connections_writes_what_a_build_on_one_writes(committed, monkeypatch):
    one, used = _build(committed, False, monkeypatch)
    assert not used and one["analytics_daily"] and one["analytics_sle"] and one["analytics_tickets"]
    two, used = _build(committed, True, monkeypatch)
    assert used  # the statements of the live tables ran on the second connection
    _same_rows(one, two)
    for table in EVERY_TABLE[len(TABLES):]:
        assert one[table] == two[table], table


def test_a_failing_second_connection_fails_the_build(committed, monkeypatch):
    def failing(self, sql, params=None, real=rollup_side.Side.execute):
        real(self, sql, params)
        self.queue.put("SELECT 1 / 0")
    monkeypatch.setattr(rollup_side.Side, "execute", failing)
    with Session(committed) as s:
        s.connection(execution_options={"isolation_level": rollup.ROLLUP_ISOLATION})
        with pytest.raises(Exception, match="division by zero"):
            rollup.rebuild(s)

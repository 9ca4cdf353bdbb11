"""The Compare page's story on the demo data (Core12): a first-line agent goes from ≈400 to ≈700
resolved a month and from ≈1.5 days to under a day of handling time after the go-live."""
from __future__ import annotations


import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from data import demo
from data.metrics import compare
from data.metrics.filters import parse
from data.ops.scratch import scratch_database
from data.models import Team, User


@pytest.fixture(scope="module")
def demo_engine(database_url):
    """A database of its own: the demo generator only loads into an empty one."""
    with scratch_database(database_url, "okno_story") as url:
        engine = create_engine(url)
        demo.load(engine, tickets=20000, seed=7)  # the size at which a first-line agent carries ~400 a month
        yield engine
        engine.dispose()


def test_first_line_agents_go_from_400_to_700_a_month_and_under_a_day(demo_engine):
    with Session(demo_engine) as s:
        analyst = s.scalar(select(User).where(User.email == "analyst@okno.demo"))
        l1 = s.scalar(select(Team).where(Team.line_level == 1))
        result = compare.compare(s, analyst, parse({"team": str(l1.id)})[0])
    assert result["pivot"] == compare.default_pivot()
    agents = [r for r in result["agent"] if r["months_before"] >= 3 and r["months_after"] >= 3]
    assert agents, "no first-line agent with months on both sides"
    for r in agents:
        resolved, handle = r["resolved"], r["handle_p50"]
        assert 330 <= resolved["before"] <= 470 and 600 <= resolved["after"] <= 800, resolved
        assert resolved["low"] > 0  # the rise is beyond doubt
        assert 1.2 <= handle["before"] <= 1.8 and handle["after"] < 1.0, handle
        assert handle["high"] < 0

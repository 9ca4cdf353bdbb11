"""The ticket list's SLA filter (at risk / breached / due today) and its "due" sort, on real PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta

from data.tickets import actions as tickets
from data.tickets import query as tq
from data.tickets.filters import local_midnight, today
from tests import factories as f


def test_sla_filters_and_due_sort(session):
    team = f.team(session)
    lead = f.user(session, "manager", team)
    board = f.board(session, team)
    now = datetime.now().astimezone()
    midnight = local_midnight(today() + timedelta(days=1))
    # title → (due, at risk from, resolution breached flag)
    plan = {
        # Overdue, and due earlier today in the company's time zone (just after midnight: minutes ago, not an hour).
        "late": (now - min(timedelta(hours=1), (now - local_midnight(today())) / 2), now - timedelta(hours=3), None),
        "missed, closed": (None, None, True),
        "warning": (min(now + timedelta(minutes=30), midnight - timedelta(minutes=1)), now - timedelta(minutes=5), None),
        "tomorrow": (midnight + timedelta(hours=5), midnight, None),
        "no sla": (None, None, None),
    }
    for title, (due, risk, missed) in plan.items():
        t = tickets.create(session, lead, title=title, board_id=board.id)
        t.sla_due_at, t.sla_at_risk_at, t.sla_resolution_breached = due, risk, missed
    session.flush()

    def shown(sla, sort=None):
        filt, problems = tq.parse_filter({"board": str(board.id), "sla": sla})
        assert not problems
        return [r["title"] for r in tq.page(session, lead, filt, sort=sort or [{"colId": "title", "sort": "asc"}])]

    assert shown("breached") == ["late", "missed, closed"]
    assert shown("at_risk") == ["warning"]
    assert shown("due_today") == ["late", "warning"] or midnight - now < timedelta(hours=1)  # just before midnight
    assert shown("at_risk,breached") == ["late", "missed, closed", "warning"]
    # Soonest due first; tickets without a running SLA last.
    by_due = shown("", sort=[{"colId": "sla_due_at", "sort": "asc"}])
    assert by_due[:3] == ["late", "warning", "tomorrow"] and set(by_due[3:]) == {"missed, closed", "no sla"}
    assert tq.parse_filter({"sla": "soon,breached"})[1] == ["sla=soon"]
    assert tq.parse_filter(tq.parse_filter({"sla": "due_today,at_risk"})[0].to_query())[0].sla == ["at_risk", "due_today"]

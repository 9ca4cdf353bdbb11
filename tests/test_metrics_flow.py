"""Flow metrics against a hand-built week of history (tests/metrics_history.py) with known answers."""
from __future__ import annotations

from datetime import date

import pytest

from data.errors import PermissionDenied
from data.metrics import flow, kpi
from tests import factories
from data.metrics import rollup
from tests.metrics_history import build, h  # noqa: F401  (the fixture: the history, live and rolled up)





def test_kpis_count_the_week(session, h):
    k = kpi.kpis(session, h.analyst, h.filter())
    assert k["created"]["value"] == 6
    assert k["resolved"]["value"] == 3  # T2, T1, T6 (T3 is done after the range)
    assert k["backlog"]["value"] == 3  # T3, T4, T5 open at the end of Sunday
    assert k["cycle_p50"]["value"] == pytest.approx(2.0)  # cycle times 1, 3, 2
    assert k["cycle_p85"]["value"] == pytest.approx(2.7)
    assert k["first_response_p50"]["value"] == pytest.approx(1.25)  # 0.5 h and 2 h
    assert k["sla_met"]["value"] == pytest.approx(50.0)  # T1 breached, T2 met, T6 has no SLA
    assert k["reopened"]["value"] == 1
    assert k["created"]["previous"] == 0 and k["created"]["change"] is None


def test_previous_period_has_the_same_length(session, h):
    k = kpi.kpis(session, h.analyst, h.filter(date_from=date(2026, 3, 9), date_to=date(2026, 3, 15)))
    assert k["resolved"]["value"] == 1 and k["resolved"]["previous"] == 3
    assert k["resolved"]["change"] == pytest.approx(-2 / 3)
    assert k["backlog"]["previous"] == 3 and k["backlog"]["value"] == 2


def test_throughput_includes_zero_days(session, h):
    days = flow.throughput(session, h.analyst, h.filter(), "day")
    assert [r["done"] for r in days] == [1, 0, 0, 1, 0, 0, 1]
    weeks = flow.throughput(session, h.analyst, h.filter(), "week")
    assert [(r["bucket"], r["done"]) for r in weeks] == [(date(2026, 3, 2), 3)]


def test_created_resolved_and_backlog_line(session, h):
    days = flow.created_resolved(session, h.analyst, h.filter(), "day")
    assert [r["created"] for r in days] == [3, 1, 1, 1, 0, 0, 0]
    assert [r["resolved"] for r in days] == [1, 0, 0, 1, 0, 0, 1]
    assert [r["backlog"] for r in days] == [2, 3, 4, 4, 4, 4, 3]


def test_cycle_scatter_has_one_dot_per_done_ticket_and_percentiles(session, h):
    s = flow.cycle_scatter(session, h.analyst, h.filter())
    assert s["total"] == 3
    assert sorted((p["number"], p["days"]) for p in s["points"]) == sorted(
        [(h.numbers["T1"], 3), (h.numbers["T2"], 1), (h.numbers["T6"], 2)])
    assert s["percentiles"][0.5] == pytest.approx(2.0)
    assert s["percentiles"][0.95] == pytest.approx(2.9)


def test_lead_histogram_counts_every_done_ticket(session, h):
    hist = flow.lead_histogram(session, h.analyst, h.filter())
    assert sum(b["count"] for b in hist["bins"]) == 3
    assert hist["percentiles"][0.5] == pytest.approx(3.0)  # leads: 1/6 d (T2), 3 d (T1), 6 d + 1 h (T6)


def test_cumulative_flow_from_events(session, h):
    found = flow.cumulative_flow(session, h.analyst, h.filter())
    cfd = found["days"]
    assert len(cfd) == 7 and found["before"]["queue"] == 0
    first, last = cfd[0], cfd[-1]
    assert (first["queue"], first["in_progress"], first["waiting"], first["done"]) == (3, 1, 1, 1)
    assert (last["queue"], last["in_progress"], last["waiting"], last["done"]) == (6, 5, 4, 3)
    for a, b in zip(cfd, cfd[1:]):  # bands never go down
        assert all(b[k] >= a[k] for k in ("queue", "in_progress", "waiting", "done"))


def test_aging_wip_lists_open_tickets_by_column(session, h):
    a = flow.aging_wip(session, h.analyst, h.filter())
    assert a["total"] == 2  # T3 is done by now (on the 9th); T4 queued, T5 in progress
    assert {c["name"]: c["n"] for c in a["columns"]} == {"Queue": 1, "In progress": 1}
    assert {p["number"] for p in a["points"]} == {h.numbers["T4"], h.numbers["T5"]}
    ages = {p["number"]: p["age_days"] for p in a["points"]}
    assert ages[h.numbers["T5"]] - ages[h.numbers["T4"]] == -1  # T4 ages from creation (4th), T5 from start (5th)
    assert a["bands"][0.5] == pytest.approx(2.0)


def test_agents_may_not_read_analytics(session, h):
    with pytest.raises(PermissionDenied):
        kpi.kpis(session, h.agent_a, h.filter())
    with pytest.raises(PermissionDenied):
        flow.throughput(session, factories.user(session, "agent"), h.filter(), "day")


def test_cumulative_flow_counts_tickets_done_before_the_range_in_every_band(session, h):
    later = h.filter(date_from=date(2026, 3, 9), date_to=date(2026, 3, 10))
    found = flow.cumulative_flow(session, h.analyst, later)
    before = found["before"]  # T1, T2, T6 done before the 9th; T3 waiting; T4 queued; T5 in progress
    assert (before["queue"], before["in_progress"], before["waiting"], before["done"]) == (6, 5, 4, 3)
    assert found["days"][0]["done"] == 4  # T3 done on the 9th


def test_rollup_refresh_follows_new_events(session):
    from data.tickets import actions as tickets
    from tests.metrics_history import at
    history = build(session)
    rollup.rebuild(session)
    t4 = tickets.get_by_number(session, None, history.numbers["T4"])
    board = history.board
    tickets.move(session, None, t4.id, factories.column(board, "in_progress").id, at=at(6))
    tickets.move(session, None, t4.id, factories.column(board, "done").id, at=at(7))
    assert rollup.refresh(session) >= 3  # the 4th (created), 6th and 7th (moves), plus today and yesterday
    assert [r["done"] for r in flow.throughput(session, history.analyst, history.filter(), "day")] == [1, 0, 0, 1, 0, 1, 1]
    assert kpi.kpis(session, history.analyst, history.filter())["backlog"]["value"] == 2
    assert flow.cumulative_flow(session, history.analyst, history.filter())["days"][-1]["done"] == 4


def test_the_list_a_chart_opens_shows_the_tickets_the_chart_counted(session, h):
    """One filter for charts and the ticket list: the click-through lists exactly what was counted."""
    from data.tickets import query as ticket_query
    f = h.filter()
    k = kpi.kpis(session, h.analyst, f)

    def listed(**dates):
        shown = ticket_query.parse_filter(f.ticket_list_query(**dates))[0]
        return sorted(r["number"] for r in ticket_query.page(session, h.analyst, shown))
    assert listed(resolved_from=f.date_from, resolved_to=f.date_to) == sorted(
        h.numbers[n] for n in ("T1", "T2", "T6"))
    assert len(listed(created_from=f.date_from, created_to=f.date_to)) == k["created"]["value"]

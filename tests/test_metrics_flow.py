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
    assert k["resolved"]["value"] == 4  # T2, T1, T6 twice (resolved, reopened, resolved); T3 after the range
    assert k["backlog"]["value"] == 3  # T3, T4, T5 open at the end of Sunday
    # Cycle times in days at hours precision: T2 3 h, T6 1 d (its second cycle), T1 2 d, T6 4 d 1 h (its first)
    assert k["cycle_p50"]["value"] == pytest.approx(1.5)
    assert k["cycle_p85"]["value"] == pytest.approx(2 + 0.55 * 97 / 24 - 0.55 * 2)
    assert k["first_response_p50"]["value"] == pytest.approx(1.25)  # 0.5 h and 2 h
    assert k["sla_met"]["value"] == pytest.approx(50.0)  # T1 breached, T2 met, T6 has no SLA
    assert k["reopened"]["value"] == 1
    assert k["created"]["previous"] == 0 and k["created"]["change"] is None


def test_previous_period_has_the_same_length(session, h):
    k = kpi.kpis(session, h.analyst, h.filter(date_from=date(2026, 3, 9), date_to=date(2026, 3, 15)))
    assert k["resolved"]["value"] == 1 and k["resolved"]["previous"] == 4
    assert k["resolved"]["change"] == pytest.approx(-3 / 4)
    assert k["backlog"]["previous"] == 3 and k["backlog"]["value"] == 2


def test_throughput_includes_zero_days(session, h):
    days = flow.throughput(session, h.analyst, h.filter(), "day")
    assert [r["done"] for r in days] == [1, 0, 0, 1, 1, 0, 1]
    weeks = flow.throughput(session, h.analyst, h.filter(), "week")
    assert [(r["bucket"], r["done"], r["partial"]) for r in weeks] == [(date(2026, 3, 2), 4, False)]


def test_created_resolved_and_backlog_line(session, h):
    days = flow.created_resolved(session, h.analyst, h.filter(), "day")
    assert [r["created"] for r in days] == [3, 1, 1, 1, 0, 0, 0]
    assert [r["resolved"] for r in days] == [1, 0, 0, 1, 1, 0, 1]
    assert [r["reopened"] for r in days] == [0, 0, 0, 0, 0, 1, 0]
    assert [r["backlog"] for r in days] == [2, 3, 4, 4, 3, 4, 3]


def test_cycle_scatter_has_one_dot_per_done_ticket_and_percentiles(session, h):
    s = flow.cycle_scatter(session, h.analyst, h.filter())
    assert s["total"] == 4
    assert sorted((p["number"], round(p["days"], 4)) for p in s["points"]) == sorted(
        [(h.numbers["T1"], 2.0), (h.numbers["T2"], 0.125), (h.numbers["T6"], 1.0), (h.numbers["T6"], round(97 / 24, 4))])
    assert s["percentiles"][0.5] == pytest.approx(1.5)
    assert s["percentiles"][0.95] == pytest.approx(2 + 0.85 * (97 / 24 - 2))


def test_lead_histogram_counts_every_done_ticket(session, h):
    hist = flow.lead_histogram(session, h.analyst, h.filter())
    assert sum(b["count"] for b in hist["bins"]) == 4
    # leads: 4 h (T2), 3 d (T1), 4 d 1 h and 6 d 1 h (T6's two resolutions)
    assert hist["percentiles"][0.5] == pytest.approx((72 + 97) / 2 / 24)


def test_cumulative_flow_from_events(session, h):
    found = flow.cumulative_flow(session, h.analyst, h.filter())
    cfd = found["days"]
    assert len(cfd) == 7 and found["before"] == {"day": date(2026, 3, 1), "queue": 0, "in_progress": 0,
                                                 "waiting": 0, "done": 0}
    # Tickets in each status at the end of each day; T6's reopen on the 7th takes it out of done and back.
    assert [(r["queue"], r["in_progress"], r["waiting"], r["done"]) for r in cfd] == [
        (2, 0, 0, 1), (2, 1, 0, 1), (2, 2, 0, 1), (2, 1, 1, 2), (1, 2, 0, 3), (1, 3, 0, 2), (1, 2, 0, 3)]


def test_aging_wip_lists_open_tickets_by_column(session, h):
    a = flow.aging_wip(session, h.analyst, h.filter())
    assert a["total"] == 2  # T3 is done by now (on the 9th); T4 queued, T5 in progress
    assert {c["name"]: c["n"] for c in a["columns"]} == {"Queue": 1, "In progress": 1}
    assert {p["number"] for p in a["points"]} == {h.numbers["T4"], h.numbers["T5"]}
    ages = {p["number"]: p["age_days"] for p in a["points"]}
    # T4 ages from creation (4th 10:00), T5 from start (5th 12:00): 26 hours apart
    assert ages[h.numbers["T5"]] - ages[h.numbers["T4"]] == pytest.approx(-26 / 24, abs=1 / 24)
    assert a["bands"][0.5] == pytest.approx(1.5)


def test_agents_may_not_read_analytics(session, h):
    with pytest.raises(PermissionDenied):
        kpi.kpis(session, h.agent_a, h.filter())
    with pytest.raises(PermissionDenied):
        flow.throughput(session, factories.user(session, "agent"), h.filter(), "day")


def test_cumulative_flow_counts_tickets_done_before_the_range_in_every_band(session, h):
    later = h.filter(date_from=date(2026, 3, 9), date_to=date(2026, 3, 10))
    found = flow.cumulative_flow(session, h.analyst, later)
    before = found["before"]  # T1, T2, T6 done before the 9th; T3, T5 in progress; T4 queued
    assert (before["queue"], before["in_progress"], before["waiting"], before["done"]) == (1, 2, 0, 3)
    assert (found["days"][0]["in_progress"], found["days"][0]["done"]) == (1, 4)  # T3 done on the 9th


def test_rollup_refresh_follows_new_events(session):
    from data.tickets import actions as tickets
    from tests.metrics_history import at
    history = build(session)
    rollup.rebuild(session)
    t4 = tickets.get_by_number(session, None, history.numbers["T4"])
    board = history.board
    tickets.move(session, None, t4.id, factories.column(board, "in_progress").id, at=at(6))
    tickets.move(session, None, t4.id, factories.column(board, "done").id, at=at(7))
    assert rollup.refresh(session) == 1  # T4, the one ticket with new events: its moves on the 6th and 7th
    assert [r["done"] for r in flow.throughput(session, history.analyst, history.filter(), "day")] == [1, 0, 0, 1, 1, 1, 1]
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


def test_cycle_scatter_samples_every_step_th_ticket_with_all_its_resolutions_in_range(session, h):
    """Over the dot limit, the dots are the resolutions in the range of every step-th ticket by id (here 4
    resolutions for a limit of 2: step 2), whichever cycle they close, and the percentiles stay those of all."""
    from sqlalchemy import text
    ids = dict(session.execute(text("SELECT number, id FROM tickets WHERE number = ANY(:n)"),
                               {"n": list(h.numbers.values())}).all())
    days = {"T1": [2.0], "T2": [0.125], "T6": [1.0, round(97 / 24, 4)]}  # the week's resolutions (test above)
    expected = sorted((h.numbers[k], d) for k, ds in days.items() for d in ds if ids[h.numbers[k]] % 2 == 0)
    assert 0 < len(expected) < 4  # T1 and T2 were made one after the other: one of them is left out
    s = flow.cycle_scatter(session, h.analyst, h.filter(), limit=2)
    assert s["total"] == 4 and s["percentiles"][0.5] == pytest.approx(1.5)
    assert sorted((p["number"], round(p["days"], 4)) for p in s["points"]) == expected

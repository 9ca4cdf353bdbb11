"""SLA, per-agent, per-lane and arrival metrics against the hand-built week (tests/metrics_history.py)."""
from __future__ import annotations

from datetime import date

import pytest

from data.metrics import sla, team
from tests.metrics_history import h  # noqa: F401  (the fixture: the history, live and rolled up)





def test_sla_by_week_counts_met_and_breached_and_skips_tickets_without_sla(session, h):
    weeks = sla.by_week(session, h.analyst, h.filter())
    assert [(r["bucket"], r["met"], r["breached"]) for r in weeks] == [(date(2026, 3, 2), 1, 1)]
    by_priority = sla.by_priority(session, h.analyst, h.filter())
    assert [(r["met"], r["breached"]) for r in by_priority] == [(1, 1)]


def test_first_response_distribution(session, h):
    fr = sla.first_response(session, h.analyst, h.filter())
    counts = {(b["from_hours"], b["to_hours"]): b["count"] for b in fr["bins"] if b["count"]}
    assert counts == {(0.5, 1): 1, (2, 4): 1}  # 30 min and 2 h
    assert fr["unanswered"] == 4
    assert fr["percentiles"][0.5] == pytest.approx(1.25)


def test_agents_table(session, h):
    rows = {r["name"]: r for r in team.agents(session, h.analyst, h.filter())}
    a, b = rows["Agent A"], rows["Agent B"]
    assert (a["open_now"], a["resolved"], a["cycle_p50"]) == (0, 4, pytest.approx(1.5))
    assert a["sla_met"] == pytest.approx(50.0)
    assert a["reopen_rate"] == pytest.approx(25.0)  # one reopen for four resolutions
    assert (b["open_now"], b["resolved"], b["cycle_p50"]) == (1, 0, None)


def test_load_per_lane(session, h):
    lanes = {r["lane"]: r for r in team.lanes(session, h.analyst, h.filter())}
    assert (lanes["Agent B"]["in_progress"], lanes["Agent B"]["open_now"]) == (1, 1)
    assert "Agent A" not in lanes  # nothing open in A's lane


def test_arrivals_heatmap_in_local_time(session, h):
    cells = {(r["weekday"], r["hour"]): r["n"] for r in team.arrivals(session, h.analyst, h.filter())}
    assert len(cells) == 7 * 24
    assert cells[(1, 10)] == 1 and cells[(1, 11)] == 1 and cells[(1, 9)] == 1  # Monday: T1, T2, T6
    assert cells[(2, 10)] == 1 and cells[(3, 10)] == 1 and cells[(4, 10)] == 1
    assert sum(cells.values()) == 6


def test_agents_table_links_open_each_agents_tickets_with_the_same_filter(app, session, h):
    """Each number in the per-agent table links to the ticket list of that agent, with the page's filter."""
    from components.chart_card import tickets_link
    from components.charts.team import agents_table
    from tests.dash_support import plain, signed_in
    f = h.filter(assignee=[h.agent_a.id, h.agent_b.id])  # an assignee filter of its own: the link's agent replaces it
    with signed_in(app, h.analyst):
        table, data = agents_table(session, h.analyst, f)
    links = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "A":
                links.append((node["props"]["children"], node["props"]["href"]))
            for v in node.get("props", {}).values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(plain(table))
    by_agent = {r["name"]: r for r in data}
    a = by_agent["Agent A"]
    assert (a["name"], tickets_link(f, assignee=a["agent_id"])) in links
    assert (a["open_now"], tickets_link(f, assignee=a["agent_id"], status="queue,in_progress,waiting")) in links
    assert (a["resolved"], tickets_link(f, assignee=a["agent_id"], resolved_from=f.date_from,
                                        resolved_to=f.date_to)) in links
    assert len(links) == 3 * len(data)

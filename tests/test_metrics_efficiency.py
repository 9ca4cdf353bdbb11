"""Flow efficiency, WIP run, throughput histogram, per-column SLEs and blocked time against a hand-built
week (tests/flow_history.py) with known answers, computed from the events as they were then."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from data.errors import PermissionDenied
from data.metrics import blocked, efficiency, sle, throughput, wip
from data.metrics.filters import TicketFilter, today, tz
from data.tickets import actions as tickets
from tests import factories
from tests.flow_history import build


@pytest.fixture
def fh(session):
    return build(session)


def test_flow_efficiency_splits_active_and_waiting_time(session, fh):
    found = efficiency.flow_efficiency(session, fh.analyst, fh.filter(), "day")
    overall = found["overall"]
    # F1 38/10, F2 9/48 (the backward move to the queue waits), F3 8/0 and 2/1 (reopened: two cycles)
    assert overall["active_h"] == pytest.approx(57)
    assert overall["waiting_h"] == pytest.approx(59)
    assert overall["blocked_h"] == pytest.approx(5)  # F1's 4 h across midnight, F3's 1 h
    assert overall["queued_h"] == pytest.approx(54)
    assert overall["efficiency"] == pytest.approx(57 / 116)
    assert (overall["n"], overall["skipped"]) == (4, 1)  # F6 went to done without a cycle
    by_day = {p["bucket"]: p for p in found["periods"]}
    assert len(by_day) == 7 and by_day[date(2026, 3, 2)]["efficiency"] is None
    assert by_day[date(2026, 3, 3)]["skipped"] == 1 and by_day[date(2026, 3, 3)]["n"] == 0
    assert (by_day[date(2026, 3, 4)]["active_h"], by_day[date(2026, 3, 4)]["waiting_h"]) == pytest.approx((46, 10))
    assert by_day[date(2026, 3, 5)]["efficiency"] == pytest.approx(9 / 57)
    assert by_day[date(2026, 3, 6)]["efficiency"] == pytest.approx(2 / 3)
    week = efficiency.flow_efficiency(session, fh.analyst, fh.filter(), "week")["periods"]
    assert [(p["bucket"], p["n"]) for p in week] == [(date(2026, 3, 2), 4)]


def test_flow_efficiency_of_a_past_period_ignores_later_events(session, fh):
    before = efficiency.flow_efficiency(session, fh.analyst, fh.filter(), "day")["overall"]
    # Today F1 is reopened and blocked again: last week's cycles don't change.
    tickets.move(session, None, _ticket(session, fh, "F1").id, fh.columns["in_progress"])
    tickets.set_blocked(session, fh.agent, _ticket(session, fh, "F1").id, True, "нет доступа")
    after = efficiency.flow_efficiency(session, fh.analyst, fh.filter(), "day")["overall"]
    assert after == before


def test_wip_run_counts_cards_at_the_end_of_each_day(session, fh):
    run = wip.wip_run(session, fh.analyst, fh.filter())
    assert [d["wip"] for d in run["days"]] == [1, 1, 0, 1, 1, 1, 0]
    assert run["average"] == pytest.approx(5 / 7)
    assert not any(d["partial"] for d in run["days"])
    with_waiting = wip.wip_run(session, fh.analyst, fh.filter(), with_waiting=True)
    assert [d["wip"] for d in with_waiting["days"]] == [1, 1, 0, 1, 1, 1, 1]  # F4 waits at the end of the 8th
    one_day = wip.wip_run(session, fh.analyst, fh.filter(date_from=date(2026, 3, 3), date_to=date(2026, 3, 3)))
    assert [d["wip"] for d in one_day["days"]] == [1]  # F1, back in progress at 16:00 (F2 went back to the queue)


def test_throughput_histogram_counts_days_by_items_done(session, fh):
    hist = throughput.daily_histogram(session, fh.analyst, fh.filter())
    # Resolutions per day 02..08: 0, 1 (F6), 2 (F1, F3), 1 (F2), 1 (F3 again), 0, 0
    assert hist["days"] == 7
    assert hist["bins"] == [{"done": 0, "days": 3}, {"done": 1, "days": 3}, {"done": 2, "days": 1}]
    assert hist["mean"] == pytest.approx(5 / 7)
    assert hist["at_least"] == {0.5: 1, 0.85: 0, 0.95: 0}
    assert not hist["partial_left_out"]


def test_column_sle_from_the_age_cards_left_each_column(session, fh):
    found = sle.column_sle(session, fh.analyst, fh.filter())
    q, ip, w = (found["columns"][fh.columns[k]] for k in ("queue", "in_progress", "waiting"))
    day = 24.0
    # Ages on the cycle-time clock, one sample per resolution (F3 twice). Queue: F1, F3 and F6 left after
    # 1 h (since creation: not started yet); F2 last left 51 h after it first started (the backward move).
    assert q["n"] == 4 and q[0.5] == pytest.approx(1 / day) and q[0.85] == pytest.approx(28.5 / day)
    # In progress: F3's second cycle 3 h (from its reopen's start), F3 8 h, F1 48 h, F2 57 h.
    assert ip["n"] == 4 and ip[0.5] == pytest.approx(28 / day) and ip[0.95] == pytest.approx(55.65 / day)
    # Waiting: F3 left after 2 h of its second cycle (not started: since the reopen), F1 after 30 h.
    assert w["n"] == 2 and w[0.5] == pytest.approx(16 / day) and w[0.85] == pytest.approx(25.8 / day)
    assert fh.columns["done"] not in found["columns"]
    assert found["statuses"]["queue"][0.85] == pytest.approx(28.5 / day)


def test_blocked_time_total_per_card_and_by_reason(session, fh):
    found = blocked.blocked_time(session, fh.analyst, fh.filter())
    # F1 4 h, F3 1 h, F4 28 h (from Saturday 20:00 to the period's end, still blocked)
    assert found["total_h"] == pytest.approx(33)
    assert (found["cards"], found["blocks"]) == (3, 3)
    assert found["per_card_h"] == pytest.approx(11)
    reasons = [(r["reason"], r["hours"], r["blocks"], r["cards"], r["spellings"]) for r in found["reasons"]]
    assert reasons[0] == ("Нет доступа", pytest.approx(28), 1, 1, 1)
    label, hours, blocks, cards, spellings = reasons[1]
    assert label.lower().replace("ё", "е").startswith("ждем")  # two spellings of one reason, grouped
    assert (hours, blocks, cards, spellings) == (pytest.approx(5), 2, 2, 2)
    assert [(c["number"], c["hours"]) for c in found["top_cards"]] == [
        (fh.numbers["F4"], pytest.approx(28)), (fh.numbers["F1"], pytest.approx(4)), (fh.numbers["F3"], pytest.approx(1))]


def test_a_block_across_midnight_is_split_between_the_days(session, fh):
    monday = blocked.blocked_time(session, fh.analyst, fh.filter(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)))
    tuesday = blocked.blocked_time(session, fh.analyst, fh.filter(date_from=date(2026, 3, 3), date_to=date(2026, 3, 3)))
    assert monday["total_h"] == pytest.approx(2) and tuesday["total_h"] == pytest.approx(2)  # 22:00 → 02:00 MSK


def test_reason_grouping_ignores_case_spaces_and_punctuation(session, fh):
    ticket = _ticket(session, fh, "F5")
    for hour, reason in ((10, "НЕТ ДОСТУПА."), (11, "  нет   доступа "), (12, "Нет доступа к VPN")):
        tickets.set_blocked(session, fh.agent, ticket.id, True, reason, at=datetime(2026, 3, 8, hour, tzinfo=tz()))
    groups = {r["reason"].lower().rstrip("."): r for r in blocked.blocked_time(session, fh.analyst, fh.filter())["reasons"]}
    access = groups["нет доступа"]  # F4's "Нет доступа" and F5's two other spellings
    assert (access["spellings"], access["blocks"], access["cards"]) == (3, 3, 2)
    assert access["hours"] == pytest.approx(28 + 2)
    assert groups["нет доступа к vpn"]["hours"] == pytest.approx(12)  # a different reason stays apart


def test_the_partial_day_is_marked_and_left_out(session):
    team = factories.team(session)
    agent, analyst = factories.user(session, "agent", team), factories.user(session, "analyst")
    board = factories.board(session, team, agents=[agent])
    col = {k: factories.column(board, k).id for k in ("in_progress", "done")}
    lane = factories.lane_of(board, agent).id
    midnight = datetime.combine(today(), datetime.min.time(), tzinfo=tz())
    now = datetime.now(tz())
    for name, done_at in (("yesterday", midnight - timedelta(hours=12)), ("today", midnight + (now - midnight) / 2),
                          ("open", None)):
        t = tickets.create(session, None, title=name, board_id=board.id, lane_id=lane,
                           at=midnight - timedelta(days=2), channel="email", team_id=team.id)
        tickets.move(session, None, t.id, col["in_progress"], lane, at=midnight - timedelta(days=2, hours=-1))
        if done_at:
            tickets.move(session, None, t.id, col["done"], lane, at=done_at)
    f = TicketFilter(date_from=today() - timedelta(days=2), date_to=today(), board=(board.id,))
    run = wip.wip_run(session, analyst, f)
    assert [(d["wip"], d["partial"]) for d in run["days"]] == [(3, False), (2, False), (1, True)]
    assert run["average"] == pytest.approx(2.5)  # today is not a whole day yet
    hist = throughput.daily_histogram(session, analyst, f)
    assert hist["partial_left_out"] and hist["days"] == 2  # today's resolution waits for the day to end
    assert hist["bins"] == [{"done": 0, "days": 1}, {"done": 1, "days": 1}]


def test_only_analytics_roles_see_these_figures(session, fh):
    for fn in (lambda u: efficiency.flow_efficiency(session, u, fh.filter(), "day"),
               lambda u: wip.wip_run(session, u, fh.filter()), lambda u: throughput.daily_histogram(session, u, fh.filter()),
               lambda u: sle.column_sle(session, u, fh.filter()), lambda u: blocked.blocked_time(session, u, fh.filter())):
        with pytest.raises(PermissionDenied):
            fn(fh.agent)


def _ticket(session, fh, name):
    return tickets.get_by_number(session, None, fh.numbers[name])


def test_the_dst_night_has_23_hours_in_the_company_zone(session, monkeypatch):
    """Berlin moves its clocks forward on Sunday 2026-03-29 (02:00 → 03:00): that local day has 23 hours."""
    monkeypatch.setenv("OKNO_TIMEZONE", "Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    team = factories.team(session)
    agent, analyst = factories.user(session, "agent", team), factories.user(session, "analyst")
    board = factories.board(session, team, agents=[agent])
    col = {k: factories.column(board, k).id for k in ("in_progress", "done")}
    lane = factories.lane_of(board, agent).id
    t = tickets.create(session, None, title="DST", board_id=board.id, lane_id=lane, channel="email", team_id=team.id,
                       at=datetime(2026, 3, 28, 9, tzinfo=berlin))
    tickets.move(session, None, t.id, col["in_progress"], lane, at=datetime(2026, 3, 28, 22, tzinfo=berlin))
    tickets.set_blocked(session, agent, t.id, True, "нет доступа", at=datetime(2026, 3, 29, 0, tzinfo=berlin))
    tickets.set_blocked(session, agent, t.id, False, at=datetime(2026, 3, 30, 0, tzinfo=berlin))
    tickets.move(session, None, t.id, col["done"], lane, at=datetime(2026, 3, 30, 1, tzinfo=berlin))

    def period(first, last):
        return TicketFilter(date_from=date(2026, 3, first), date_to=date(2026, 3, last), board=(board.id,))

    assert blocked.blocked_time(session, analyst, period(29, 29))["total_h"] == pytest.approx(23)
    found = efficiency.flow_efficiency(session, analyst, period(28, 30), "day")["overall"]
    # 22:00 → 01:00 two days later is 26 h of wall-clock time: 3 h active, the 23-hour Sunday blocked.
    assert (found["active_h"], found["blocked_h"]) == pytest.approx((3, 23))
    assert [d["wip"] for d in wip.wip_run(session, analyst, period(27, 30))["days"]] == [0, 1, 1, 0]


def test_a_manager_sees_only_their_teams_tickets(session, fh):
    from data.metrics.filters import scoped
    from data.models import Team
    outsider = factories.user(session, "manager", factories.team(session))
    own = factories.user(session, "manager", session.get(Team, fh.board.team_id))
    mine, theirs = (scoped(session, u, fh.filter()) for u in (own, outsider))
    assert blocked.blocked_time(session, own, mine)["total_h"] == pytest.approx(33)
    assert blocked.blocked_time(session, outsider, theirs)["blocks"] == 0
    assert efficiency.flow_efficiency(session, outsider, theirs, "week")["overall"]["n"] == 0
    assert [d["wip"] for d in wip.wip_run(session, outsider, theirs)["days"]] == [0] * 7
    assert sle.column_sle(session, outsider, theirs) == {"columns": {}, "statuses": {}}
    assert throughput.daily_histogram(session, outsider, theirs)["bins"] == [{"done": 0, "days": 7}]


def test_the_rollup_gives_the_hand_built_weeks_answers(session, fh):
    """Flow efficiency, WIP, done per day and the SLEs read the rollup when it is built: the same figures."""
    from data.metrics import rollup

    def figures():
        f = fh.filter()
        return {"eff": [efficiency.flow_efficiency(session, fh.analyst, f, g) for g in ("day", "week", "month")],
                "wip": wip.wip_run(session, fh.analyst, f), "wip_w": wip.wip_run(session, fh.analyst, f, with_waiting=True),
                "hist": throughput.daily_histogram(session, fh.analyst, f), "sle": sle.column_sle(session, fh.analyst, f),
                "agent": efficiency.flow_efficiency(session, fh.analyst, fh.filter(assignee=(fh.agent.id,)), "day")}

    rollup.drop(session)
    live = figures()
    rollup.rebuild(session)
    assert rollup.usable(session, fh.filter())
    cached = figures()
    assert cached["eff"][0]["overall"] == live["eff"][0]["overall"]  # exact: the seconds are summed as numeric
    assert cached["eff"][0]["overall"]["active_h"] == pytest.approx(57)
    _same(cached, live)
    # A new block and move today reach the rollup with its next refresh; last week's figures stay.
    tickets.set_blocked(session, fh.agent, _ticket(session, fh, "F2").id, True, "нет доступа")
    rollup.refresh(session)
    _same(figures(), live)


def _same(a, b):
    if isinstance(a, dict):
        assert set(a) == set(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12)
    else:
        assert a == b

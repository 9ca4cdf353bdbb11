"""Before/after comparison (bootstrap intervals) and Monte Carlo forecasts, with known answers."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pytest

from data.tickets import actions as tickets
from data.metrics import compare, forecast
from data.metrics.filters import today, tz
from data.tickets.filters import TicketFilter
from tests import factories
from tests.metrics_history import sla_outcome


def _done_ticket(session, board, lane, created: datetime, lead: timedelta, breached: bool):
    t = tickets.create(session, None, title="x", board_id=board.id, lane_id=lane, at=created, team_id=board.team_id)
    tickets.move(session, None, t.id, factories.column(board, "in_progress").id, lane, at=created)
    tickets.move(session, None, t.id, factories.column(board, "done").id, lane, at=created + lead)
    sla_outcome(session, t, first_response=False, resolution=breached)


def test_compare_before_after_with_intervals(session):
    team = factories.team(session, name="Compare team")
    agent, analyst = factories.user(session, "agent", team, name="Compare agent"), factories.user(session, "analyst")
    board = factories.board(session, team, agents=[agent])
    lane = factories.lane_of(board, agent).id
    month0 = today().replace(day=1)
    pivot = compare.add_months(month0, -2)
    # Months −4, −3: 2 and 4 tickets of 2 days (half breach SLA); months −2, −1: 4 and 6 tickets of half a day.
    for offset, count, lead, breach_every in ((-4, 2, 2.0, 2), (-3, 4, 2.0, 2), (-2, 4, 0.5, 0), (-1, 6, 0.5, 0)):
        start = datetime.combine(compare.add_months(month0, offset) + timedelta(days=4), time(10), tzinfo=tz())
        for i in range(count):
            _done_ticket(session, board, lane, start + timedelta(hours=i), timedelta(days=lead),
                         bool(breach_every) and i % breach_every == 0)
    # The history starts well before the window (the month it starts in is partial and left out).
    tickets.create(session, None, title="old", board_id=board.id, at=datetime.combine(
        compare.add_months(month0, -6) + timedelta(days=9), time(10), tzinfo=tz()))
    session.flush()
    f = TicketFilter(date_from=month0, date_to=month0, board=(board.id,))
    result = compare.compare(session, analyst, f, pivot=pivot, months_before=2)
    (row,) = result["agent"]
    assert row["name"] == "Compare agent" and (row["months_before"], row["months_after"]) == (2, 2)
    r = row["resolved"]
    assert (r["before"], r["after"], r["diff"]) == (3.0, 5.0, 2.0)
    assert r["low"] <= 2.0 <= r["high"] and r["low"] >= 0.0 and r["high"] <= 4.0
    h = row["handle_p50"]
    assert h["before"] == pytest.approx(2.0) and h["after"] == pytest.approx(0.5)
    assert h["low"] == pytest.approx(-1.5) and h["high"] == pytest.approx(-1.5)
    s = row["sla_met"]
    assert s["before"] == pytest.approx(50.0) and s["after"] == pytest.approx(100.0)
    (team_row,) = result["team"]
    assert team_row["name"] == "Compare team" and team_row["resolved"]["diff"] == 2.0
    again = compare.compare(session, analyst, f, pivot=pivot, months_before=2)
    assert again["agent"][0]["resolved"]["low"] == r["low"]  # fixed seed: the same page every time


def test_forecast_when_with_a_steady_history():
    start = date(2026, 1, 1)
    result = forecast.when_done(np.array([2, 2, 2]), 10, start)
    assert result["dates"] == {0.5: date(2026, 1, 5), 0.85: date(2026, 1, 5), 0.95: date(2026, 1, 5)}
    assert result["trials"] >= 10_000


def test_forecast_percentiles_are_ordered_and_zero_days_count():
    start = date(2026, 1, 1)
    history = np.array([0, 0, 0, 4])  # one ticket a day on average, in bursts
    when = forecast.when_done(history, 20, start)["dates"]
    assert when[0.5] <= when[0.85] <= when[0.95]
    assert date(2026, 1, 14) <= when[0.5] <= date(2026, 1, 26)  # about 20 days on average
    many = forecast.how_many(history, date(2026, 1, 30), start)["at_least"]
    assert many[0.5] >= many[0.85] >= many[0.95]
    assert 20 <= many[0.5] <= 40


def test_forecast_without_any_done_day_says_so():
    assert forecast.when_done(np.array([0, 0, 0]), 5, date(2026, 1, 1)) is None


def test_compare_leaves_out_the_partial_month_the_history_starts_in(session):
    agent, analyst = factories.user(session, "agent"), factories.user(session, "analyst")
    board = factories.board(session, agents=[agent])
    lane = factories.lane_of(board, agent).id
    month0 = today().replace(day=1)
    for offset in (-3, -2, -1):  # history starts on the 5th of month −3
        start = datetime.combine(compare.add_months(month0, offset) + timedelta(days=4), time(10), tzinfo=tz())
        _done_ticket(session, board, lane, start, timedelta(hours=5), False)
    session.flush()
    f = TicketFilter(date_from=month0, date_to=month0, board=(board.id,))
    result = compare.compare(session, analyst, f, pivot=compare.add_months(month0, -1), months_before=3)
    assert result["since"] == compare.add_months(month0, -2)
    assert (result["agent"][0]["months_before"], result["agent"][0]["months_after"]) == (1, 1)

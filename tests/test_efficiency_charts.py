"""The new flow charts as a viewer gets them (figure and CSV rows), in Russian and English, from the
hand-built week (tests/flow_history.py); the aging chart carries each column's SLE."""
from __future__ import annotations

from datetime import date

import pytest

from components.charts import blocked as blocked_charts
from components.charts import efficiency as efficiency_charts
from components.charts import flow as flow_charts
from tests.dash_support import signed_in
from tests.flow_history import build


@pytest.fixture
def fh(session):
    return build(session)


def _annotations(fig) -> str:
    return " | ".join(a.text for a in fig.layout.annotations)


def test_flow_efficiency_chart_in_russian(app, session, fh):
    fh.analyst.locale = "ru"
    with signed_in(app, fh.analyst):
        fig, rows = efficiency_charts.flow_efficiency(session, fh.analyst, fh.filter(), "day")
    assert [t.name for t in fig.data] == ["Активная работа", "Ожидание в колонках", "Блокировка", "Эффективность"]
    assert "49\u00a0%" in _annotations(fig)  # 57 of 116 hours, written the Russian way
    assert fig.layout.separators == ",\u00a0" and fig.layout.xaxis.tickformat == "%d.%m"
    assert rows[2] == {"period": rows[2]["period"], "partial": False, "resolved": 2, "active_h": 46.0, "waiting_h": 10.0,
                       "blocked_h": 4.0, "efficiency_pct": 82.1}
    with signed_in(app, fh.analyst):
        whole = efficiency_charts.flow_efficiency(session, fh.analyst, fh.filter(), "week")[1]
        cut = efficiency_charts.flow_efficiency(session, fh.analyst, fh.filter(date_from=date(2026, 3, 4)), "week")
    assert [r["partial"] for r in whole] == [False]  # Monday to Sunday
    assert [r["partial"] for r in cut[1]] == [True] and cut[0].data[0].marker.pattern.shape == ("/",)


def test_wip_histogram_and_blocked_charts_in_english(app, session, fh):
    fh.analyst.locale = "en"
    with signed_in(app, fh.analyst):
        wip_fig, wip_rows = efficiency_charts.wip_run(session, fh.analyst, fh.filter(), ["waiting"])
        hist_fig, bins = efficiency_charts.throughput_histogram(session, fh.analyst, fh.filter())
        reasons_fig, reasons = blocked_charts.blocked_reasons(session, fh.analyst, fh.filter())
        cards_fig, cards = blocked_charts.blocked_cards(session, fh.analyst, fh.filter())
    assert [r["wip"] for r in wip_rows] == [1, 1, 0, 1, 1, 1, 1]
    assert "average 0.9" in _annotations(wip_fig)  # 6 tickets over 7 whole days
    assert [b["days"] for b in bins] == [3, 3, 1] and "days: 7" in _annotations(hist_fig)
    assert [r["reason"] for r in reasons][0] == "Нет доступа" and reasons[0]["hours"] == 28
    assert "Total 33 h" in _annotations(reasons_fig)
    assert cards[0]["number"] == fh.numbers["F4"]
    assert cards_fig.data[0].customdata[-1][0] == f"/ticket/{fh.numbers['F4']}"  # the top bar opens the ticket


def test_aging_chart_draws_each_columns_sle_and_rings_late_cards(app, session, fh):
    fh.analyst.locale = "ru"
    with signed_in(app, fh.analyst):
        fig, rows = flow_charts.aging_wip(session, fh.analyst, fh.filter())
    sle_traces = [t for t in fig.data[1:] if t.marker.symbol == "line-ew"]
    assert [t.name for t in sle_traces] == ["50% ушли из колонки", "85% ушли из колонки", "95% ушли из колонки"]
    p85 = dict(zip(sle_traces[1].x, sle_traces[1].y))
    assert p85["Queue"] == pytest.approx(28.5 / 24) and p85["Waiting"] == pytest.approx(25.8 / 24)
    # F4 (waiting) and F5 (queue) are open today, months older than any SLE: both ringed red.
    assert sorted(r["number"] for r in rows) == sorted([fh.numbers["F4"], fh.numbers["F5"]])
    assert list(fig.data[0].marker.line.width) == [2, 2]
    assert {r["column"]: r["sle_p85"] for r in rows}["Queue"] == pytest.approx(28.5 / 24)

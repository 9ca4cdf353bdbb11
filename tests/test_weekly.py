"""The weekly summary: ISO weeks, numbers equal to data/metrics' for the same week, plain sentences."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from data.weekly import summary as weekly
from data.weekly import text as weekly_text
from data.errors import PermissionDenied, ValidationError
from tests import factories as f
from tests.weekly_data import EXPECTED, WEEK, build


def test_iso_weeks_and_the_last_full_week():
    assert weekly.Week.parse("2026-W46").start == date(2026, 11, 9)
    assert weekly.Week.parse("2026w1").label == "2026-W01"
    assert weekly.Week(2027, 1).previous().label == "2026-W53"
    for bad in ("2026-46", "2026-W60", ""):
        with pytest.raises(ValidationError):
            weekly.Week.parse(bad)
    msk = ZoneInfo("Europe/Moscow")
    # Monday 00:30 in Moscow is still Sunday in UTC: the week that just ended is the last full one.
    assert weekly.last_full_week(datetime(2026, 11, 16, 0, 30, tzinfo=msk)).label == "2026-W46"
    assert weekly.last_full_week(datetime(2026, 11, 15, 23, 0, tzinfo=msk)).label == "2026-W45"


@pytest.fixture
def week_data(session):
    return build(session, "wk")


def _figure_values(block):
    return {k: (v["value"], v["previous"]) for k, v in block["figures"].items()}


def test_summary_numbers_are_the_known_answers(session, week_data):
    summary = weekly.summary(session, week_data["director"], WEEK, team_ids=[week_data["l1"], week_data["l2"]])
    company = summary["company"]["figures"]
    for key, expected in EXPECTED.items():
        got = company[key]["value"] if not isinstance(expected, tuple) else (company[key]["value"], company[key]["previous"])
        assert got == pytest.approx(expected), key
    by_team = {t["id"]: t for t in summary["teams"]}
    l1 = by_team[week_data["l1"]]
    assert l1["figures"]["resolved"]["value"] == 5 and l1["median_resolved"] == 1
    anna = next(a for a in l1["agents"] if a["name"].startswith("Anna"))
    assert anna["resolved"] == 3 and anna["vs_median"] == pytest.approx(2.0)
    assert summary["company"]["breaches_by_weekday"] == {4: 3}
    assert [o["number"] for o in summary["overdue"]] == week_data["overdue"]
    assert sum(d["created"] for d in summary["daily"]) == 10 and len(summary["daily"]) == 7


def test_summary_numbers_equal_the_analytics_metrics(session, week_data):
    """Scope by scope, the summary shows what data/metrics computes for the same week and filter."""
    from data.metrics import kpi
    from data.tickets.filters import TicketFilter
    teams = [week_data["l1"], week_data["l2"]]
    director = week_data["director"]
    summary = weekly.summary(session, director, WEEK, team_ids=teams)
    base = TicketFilter(date_from=WEEK.start, date_to=WEEK.end)

    def expected(**scope):
        m = kpi.kpis(session, director, replace(base, **scope))
        return {k: (m[k]["value"], m[k]["previous"]) for k in weekly.FIGURES}
    assert _figure_values(summary["company"]) == expected(team=tuple(sorted(teams)))
    for team in summary["teams"]:
        assert _figure_values(team) == expected(team=(team["id"],))
    for svc in summary["services"]:
        assert _figure_values(svc) == expected(service=(svc["id"],), team=tuple(sorted(teams)))
    assert len(summary["teams"]) == 2 and len(summary["services"]) == 2


def test_sentences_in_both_languages(session, week_data):
    summary = weekly.summary(session, week_data["director"], WEEK, team_ids=[week_data["l1"], week_data["l2"]])
    en = " ".join(weekly_text.sentences(summary, "en"))
    ru = " ".join(weekly_text.sentences(summary, "ru"))
    assert "received 10 requests, 100% more than last week" in en
    assert "SLA met fell to 40% (from 100%) because of 3 breaches on Thursday" in en
    assert f"L1 wk resolved 5, 25% more than last week" in en
    assert "The backlog grew by 4 to 5 open requests." in en
    assert "Anna wk (L1 wk) resolved 3, 200% above the team median." in en
    # Russian reads as a person would write it: no "неделей ранее", plural forms agree with the count.
    assert ("в срок по SLA закрыто 40% заявок, а на прошлой неделе — 100%: больше всего просрочек в четверг "
            "(3 просрочки)") in ru
    assert "новых заявок — 10, на 100% больше, чем на прошлой неделе." in ru
    assert "Открытых заявок стало больше на 4: теперь их 5." in ru
    assert "неделей ранее" not in ru and "примерно как" not in ru


def test_agents_may_not_read_the_summary(session, week_data):
    with pytest.raises(PermissionDenied):
        weekly.summary(session, week_data["agents"][0], WEEK)


def test_plural_forms():
    assert weekly_text.plural(1, "weekly.word.request", "ru") == "1 заявка"
    assert weekly_text.plural(3, "weekly.word.request", "ru") == "3 заявки"
    assert weekly_text.plural(11, "weekly.word.request", "ru") == "11 заявок"
    assert weekly_text.plural(1, "weekly.word.request", "en") == "1 request"


def test_chart_data_downloads_as_csv_and_xlsx(session, week_data):
    import csv
    import io

    import openpyxl

    from data.exports import jobs as exports
    params = {"week": WEEK.label, "teams": f"{week_data['l1']},{week_data['l2']}"}
    body = b"".join(exports.chart_file(session, week_data["director"], "weekly-daily", params, "csv"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["day", "created", "resolved", "backlog"] and rows[1][0] == "2024-05-13" and len(rows) == 8
    body = b"".join(exports.chart_file(session, week_data["director"], "weekly-teams", params, "xlsx"))
    sheet = list(openpyxl.load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    assert sheet[0][:4] == ("week", "team", "created", "created_previous")
    assert sheet[1][:4] == ("2024-W20", "*", 10, 5)
    with pytest.raises(PermissionDenied):
        exports.chart_file(session, week_data["agents"][0], "weekly-daily", params, "csv")
    with pytest.raises(ValidationError):
        exports.chart_file(session, week_data["director"], "weekly-daily", {"teams": "x"}, "csv")

"""The metrics API over real HTTP (the factory-built app on a loopback port): each metric's rows are the
numbers the analytics charts draw for the same filter and person, a token acts as its owner (role and
teams), and bad input is a JSON 4xx naming the parameter."""
from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from datetime import date, timedelta

import pytest
from plotly.utils import PlotlyJSONEncoder

from components.chart_card import CALLBACKS
from data.catalog import integrations
from data.db import read_session, session_scope
from data.identity import tokens
from data.metrics import PERCENTILES, api as metrics_api, filters, flow, sla
from data.models import PersonalToken, User
from data.tickets import actions as tickets
from tests import factories as f
from tests.dash_support import load_user, signed_in
from tests.metrics_history import FIRST, LAST, at, build

WEEK = {"from": FIRST.isoformat(), "to": LAST.isoformat()}  # Monday 2026-03-02 .. Sunday 2026-03-08


@pytest.fixture(scope="module")
def world(app, live_server):
    with session_scope() as s:
        h = build(s)
        manager = f.user(s, "manager")
        manager.team_id = h.board.team_id  # leads the history's team
        agent = h.agent_a
        other_team = f.team(s)
        other_board = f.board(s, other_team)
        tickets.create(s, None, title="Elsewhere", board_id=other_board.id, at=at(3), team_id=other_team.id)
        admin = f.user(s, "admin")
        secrets = {who: tokens.create(s, user, user, f"{who} token")[1]
                   for who, user in (("analyst", h.analyst), ("manager", manager), ("agent", agent))}
        revoked, secrets["revoked"] = tokens.create(s, h.analyst, h.analyst, "old")
        tokens.revoke(s, h.analyst, revoked.id)
        secrets["integration"] = integrations.create_token(s, admin, "Intranet")[1]
        ids = dict(board=h.board.id, other_board=other_board.id, analyst=h.analyst.id, manager=manager.id,
                   agent_a=h.agent_a.id)
    return dict(base=live_server, secrets=secrets, **ids)


def call(world, path: str, who: str | None = "analyst", **params):
    """(status, content type, body: parsed JSON or text) of one GET over HTTP."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    request = urllib.request.Request(f"{world['base']}/api/v1/metrics/{path}" + (f"?{query}" if query else ""))
    if who:
        request.add_header("Authorization", f"Bearer {world['secrets'][who]}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, kind, raw = response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as err:
        status, kind, raw = err.code, err.headers["Content-Type"], err.read()
    body = json.loads(raw) if kind.startswith("application/json") else raw.decode("utf-8-sig")
    return status, kind, body


def rows(world, metric: str, who="analyst", **params):
    status, _kind, body = call(world, metric, who, **params)
    assert status == 200, body
    return body["rows"]


def _json(value):
    return json.loads(json.dumps(value, cls=PlotlyJSONEncoder))


def chart(world, name: str, query: dict, *args, who="analyst"):
    """What a chart's callback draws (its data rows) for this URL filter, as the person sees it."""
    with signed_in(world["app"], load_user(world[who])):
        _figure, data = CALLBACKS[name](query, *args)
    return _json(data)


def percentiles_of(world, days: list[tuple[date, date]], figure):
    """The chart's own data/metrics call for each bucket's part of the range (as the chart draws it)."""
    out = []
    with read_session() as s:
        user = s.get(User, world["analyst"])
        for first, last in days:
            f_ = filters.scoped(s, user, filters.parse({"from": first.isoformat(), "to": last.isoformat(),
                                                        "board": str(world["board"])})[0])
            out.append({"period": first.isoformat(), **figure(s, user, f_)})
    return _json(out)


@pytest.fixture(scope="module", autouse=True)
def _app_in_world(world, app):
    world["app"] = app


def test_created_throughput_backlog_and_cfd_are_the_charts_rows(world):
    query = {**WEEK, "board": str(world["board"])}
    drawn = chart(world, "created-resolved", query)  # a week: the chart picks days
    created = rows(world, "created", grain="day", **query)
    assert created == [{"period": r["bucket"], "value": r["created"]} for r in drawn]
    assert [r["value"] for r in created] == [3, 1, 1, 1, 0, 0, 0]  # T1 T2 T6 on Monday, then one a day
    assert rows(world, "backlog", grain="day", **query) == [{"period": r["bucket"], "value": r["backlog"]} for r in drawn]
    for grain in ("day", "week"):
        assert rows(world, "throughput", grain=grain, **query) == [
            {"period": r["bucket"], "value": r["done"]} for r in chart(world, "throughput", query, grain)]
    cfd = chart(world, "cfd", query)
    assert rows(world, "cfd", grain="day", **query) == [{"period": r.pop("day"), **r} for r in cfd]
    assert rows(world, "cfd", grain="week", **query) == [{"period": "2026-03-02", **cfd[-1]}]  # the bucket's end


def test_sla_and_agents_are_the_charts_rows(world):
    query = {**WEEK, "board": str(world["board"])}
    week = chart(world, "sla-week", query)
    assert rows(world, "sla", grain="week", **query) == [{"period": r["bucket"], "met": r["met"], "breached": r["breached"]}
                                                         for r in week]
    assert rows(world, "agents", grain="week", **query) == [{"period": "2026-03-02", **r}
                                                            for r in chart(world, "agents-table", query)]
    by_day = rows(world, "agents", grain="day", **query)
    assert {r["period"] for r in by_day} == {(FIRST + timedelta(days=i)).isoformat() for i in range(7)}


def _pcts(count, percentiles, scale=1.0):
    return {"count": count, **{f"p{round(p * 100)}": None if percentiles.get(p) is None else percentiles[p] / scale
                               for p in PERCENTILES}}


def scatter_lines(s, user, f_):  # the cycle-time scatterplot's percentile lines
    drawn = flow.cycle_scatter(s, user, f_)
    return _pcts(drawn["total"], drawn["percentiles"])


def histogram_lines(s, user, f_):  # the lead-time histogram's bars and percentile lines
    drawn = flow.lead_histogram(s, user, f_)
    return _pcts(sum(b["count"] for b in drawn["bins"]), drawn["percentiles"])


def response_bars(s, user, f_):  # the first-response histogram (hours there, days in the API)
    drawn = sla.first_response(s, user, f_)
    return {**_pcts(sum(b["count"] for b in drawn["bins"]), drawn["percentiles"], 24.0), "unanswered": drawn["unanswered"]}


def test_percentile_metrics_are_the_charts_percentiles_per_bucket(world):
    query = {**WEEK, "board": str(world["board"])}
    days = [(FIRST + timedelta(days=i),) * 2 for i in range(7)]
    for metric, figure in (("cycle-time", scatter_lines), ("lead-time", histogram_lines),
                           ("first-response", response_bars)):
        assert rows(world, metric, grain="day", **query) == percentiles_of(world, days, figure), metric
        assert rows(world, metric, grain="week", **query) == percentiles_of(world, [(FIRST, LAST)], figure), metric
    # Month buckets are cut to the range, as the charts cut theirs.
    month = rows(world, "cycle-time", grain="month", **{**query, "from": "2026-02-20"})
    expected = percentiles_of(world, [(date(2026, 2, 20), date(2026, 2, 28)), (date(2026, 3, 1), LAST)], scatter_lines)
    assert month == [{**expected[0], "period": "2026-02-01"}, {**expected[1], "period": "2026-03-01"}]
    week = rows(world, "first-response", grain="week", **query)[0]
    assert week["count"] == 2 and week["p50"] == pytest.approx((0.5 + 2) / 2 / 24)  # T1 in 30 min, T2 in 2 h


def test_csv_has_a_column_per_field(world):
    status, kind, text = call(world, "throughput", grain="day", format="csv", **WEEK, board=world["board"])
    assert status == 200 and kind.startswith("text/csv")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["period", "value"] and table[1][0] == "2026-03-02" and len(table) == 8


def test_a_token_acts_as_its_owner(world):
    both = f"{world['board']},{world['other_board']}"
    everyone = rows(world, "created", grain="week", **WEEK, board=both)
    mine = rows(world, "created", "manager", grain="week", **WEEK, board=both)
    assert everyone[0]["value"] == mine[0]["value"] + 1  # the other team's ticket is not the manager's to count
    assert rows(world, "created", "manager", grain="week", **WEEK, board=world["other_board"])[0]["value"] == 0
    assert call(world, "created", "agent", **WEEK)[0] == 403  # agents don't read analytics, by token or not
    for who in ("revoked", "integration", None):
        status, _kind, body = call(world, "created", who, **WEEK)
        assert status == 401 and "error" in body
    with read_session() as s:
        used = s.query(PersonalToken).filter_by(user_id=world["manager"]).one()
        assert used.last_used_at is not None


@pytest.mark.parametrize("params, field", [
    ({"grain": "year"}, "grain"), ({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"),
    ({"from": "2026-03-09", "to": "2026-03-01"}, "from"), ({"from": "1999-12-31"}, "from"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "from"), ({"team": "1,x"}, "team"), ({"board": "-1"}, "board"),
    ({"agent": "99999999999"}, "agent"), ({"channel": "fax"}, "channel"), ({"format": "xml"}, "format"),
    ({"servce": "1"}, "servce"), ({"from": "2023-01-01", "to": "2025-12-31", "grain": "day"}, "grain"),
])
def test_bad_queries_are_json_400_naming_the_parameter(world, params, field):
    status, kind, body = call(world, "cycle-time", **params)
    assert status == 400 and kind.startswith("application/json"), body
    assert isinstance(body["error"], str) and field in body["fields"], body


def test_repeated_parameters_and_unknown_metrics(world):
    status, _kind, body = call(world, "created?team=1&team=2", **{})
    assert status == 400 and "team" in body["fields"]
    status, _kind, body = call(world, "velocity", **WEEK)
    assert status == 404 and "throughput" in body["error"]


def test_the_openapi_document_describes_the_metrics(world):
    with urllib.request.urlopen(world["base"] + "/api/v1/openapi.json") as response:
        doc = json.loads(response.read())
    op = doc["paths"]["/metrics/{metric}"]["get"]
    assert op["security"] == [{"personal": []}]
    names = {p["name"] for p in op["parameters"]}
    assert {"metric", "from", "to", "grain", "format", "service", "team", "board", "agent", "priority", "channel",
            "type"} <= names
    assert next(p for p in op["parameters"] if p["name"] == "metric")["schema"]["enum"] == list(metrics_api.METRICS)

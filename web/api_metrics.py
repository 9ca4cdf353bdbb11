"""GET /api/v1/metrics/<metric>: the analytics figures for BI tools, with a personal access token.

    curl -H "Authorization: Bearer okno_pat_..." \
         "https://okno.example/api/v1/metrics/throughput?from=2026-01-01&to=2026-03-31&grain=month&team=3"

The query is checked here (unknown or repeated parameters, malformed ids and dates are a 400 naming the
parameter) before any service runs; then the filter is the analytics pages' own (data/metrics/filters.py),
scoped to the token's owner, and the rows come from data/metrics/api.py. Docs: docs/api.md.
"""
from __future__ import annotations

import logging
import re
from datetime import date

from flask import Response, g, jsonify, request

from data.db import read_session, replica_session, session_scope
from data.exports.files import CSV_TYPE, rows_file
from data.identity import accounts, tokens
from data.metrics import api as metrics_api
from data.metrics import filters
from data.metrics.sql import GRAINS, auto_grain
from data.models import CHANNELS

from web.api_input import error
from web.api_spec import MAX_ID

log = logging.getLogger("okno.api")
PREFIX = "/api/v1/metrics/"
# URL parameter → the analytics filter's key (data.tickets.filters); "agent" is the pages' word for assignee.
ID_PARAMS = {"service": "service", "team": "team", "board": "board", "agent": "assignee", "priority": "priority",
             "type": "type"}
ALLOWED = {"from", "to", "grain", "format", *ID_PARAMS, "channel"}
IDS = re.compile(r"[0-9]{1,10}(,[0-9]{1,10}){0,99}")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_YEAR, LAST_YEAR = 2000, 2999  # a period outside these is a typo, and date arithmetic must not overflow


def admit(secret: str | None) -> bool:
    """web.api's access hook for metrics paths: a live personal token; its owner is remembered for the call."""
    with session_scope() as s:
        owner = tokens.authenticate(s, secret)
        if owner is None:
            log.warning("metrics API call %s with a missing or revoked personal token from %s", request.path,
                        request.remote_addr)
            return False
        g.token_owner = owner.id
    return True


def _day(value: str) -> str | None:
    if not DAY.fullmatch(value):
        return "must be a date YYYY-MM-DD"
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return "must be a date YYYY-MM-DD"
    return None if FIRST_YEAR <= day.year <= LAST_YEAR else f"must be between {FIRST_YEAR} and {LAST_YEAR}"


def _problems(args) -> dict[str, str]:
    """{parameter: reason} for everything wrong with the query string (empty when it is fine)."""
    out: dict[str, str] = {}
    for key in args:
        values = args.getlist(key)
        name = key[:60] if key.isprintable() else "?"
        if key not in ALLOWED:
            out[name] = "unknown parameter"
        elif len(values) > 1:
            out[name] = "give it once (a list is comma-separated)"
        elif key in ID_PARAMS and not (IDS.fullmatch(values[0]) and all(int(v) <= MAX_ID for v in values[0].split(","))):
            out[name] = "must be ids separated by commas"
        elif key == "channel" and not all(v in CHANNELS for v in values[0].split(",")):
            out[name] = "must be one or more of " + ", ".join(CHANNELS)
        elif key in ("from", "to") and (reason := _day(values[0])):
            out[name] = reason
        elif key == "grain" and values[0] not in GRAINS:
            out[name] = "must be one of " + ", ".join(GRAINS)
        elif key == "format" and values[0] not in ("json", "csv"):
            out[name] = "must be json or csv"
    return out


def _filter(args) -> tuple[filters.TicketFilter | None, dict[str, str]]:
    query = {ID_PARAMS.get(k, k): v for k, v in args.items() if k not in ("grain", "format")}
    f, problems = filters.parse(query)
    if problems:  # what the checks above let through: a reversed or too long period
        return None, {"from": f"the period must run forward and be at most {filters.MAX_DAYS} days"}
    return f, {}


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def metric_rows(metric: str):
    if metric not in metrics_api.METRICS:
        return error(404, f"Unknown metric {metric[:40]!r}; known: {', '.join(metrics_api.METRICS)}")
    problems = _problems(request.args)
    f, more = (None, {}) if problems else _filter(request.args)
    problems |= more
    if problems:
        return error(400, "Correct the query parameters", problems)
    grain = request.args.get("grain") or auto_grain(f.days)
    with read_session() as s:  # who may ask: the primary's word (a revocation takes effect at once)
        owner = accounts.active_user(s, g.get("token_owner"))
        if owner is None:
            return error(401, "The token's owner is no longer an active user")
        s.expunge(owner)
    with replica_session() as s:  # the figures: the read replica when there is one (data/db.py)
        found = metrics_api.rows(s, owner, metric, filters.scoped(s, owner, f), grain)
    rows = [{k: _plain(v) for k, v in r.items()} for r in found]
    if request.args.get("format") == "csv":
        header = list(dict.fromkeys(k for r in rows for k in r))
        body = b"".join(rows_file("csv", header, ([r.get(k) for k in header] for r in rows)))
        return Response(body, content_type=CSV_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="okno-{metric}.csv"'})
    return jsonify(metric=metric, grain=grain, **{"from": f.date_from.isoformat(), "to": f.date_to.isoformat()},
                   rows=rows)

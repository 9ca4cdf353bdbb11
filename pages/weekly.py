"""`/weekly`: the weekly load summary for directors — any ISO week, the company or chosen teams,
printable on A4, downloadable as an offline HTML file or PDF."""
from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html
from flask_login import current_user

from components import weekly_view
from components.guard import allowed, denied
from components.i18n import _, current_locale
from data.catalog import lookups
from data.weekly import summary as weekly
from data.weekly import format as weekly_format
from data.db import read_session
from data.errors import OknoError
from data.permissions import can_open

dash.register_page(__name__, path="/weekly", title="Okno · Weekly summary")

P = "weekly"
WEEKS_IN_PICKER = 156  # three years back; any other week works through the URL (?week=2021-W07)


def _week_options(current: weekly.Week) -> list[dict]:
    latest = weekly.last_full_week().next()  # the running week too, for a look mid-week
    weeks, w = [], latest
    for _i in range(WEEKS_IN_PICKER):
        weeks.append(w)
        w = w.previous()
    if current not in weeks:
        weeks.append(current)
    return [{"value": w.label, "label": f"{w.label} · {w.start:%d.%m} – {w.end:%d.%m.%Y}"} for w in sorted(weeks, reverse=True)]


def _team_ids(raw: str | None) -> tuple[list[int], list[str]]:
    ids, bad = [], []
    for part in filter(None, (p.strip() for p in (raw or "").split(","))):
        (ids.append(int(part)) if part.isdigit() else bad.append(part))
    return ids, bad


def _href(kind: str, week: str, teams: list[int]) -> str:
    query = urlencode({"teams": ",".join(map(str, teams))}) if teams else ""
    return f"/weekly/summary-{week}.{kind}" + (f"?{query}" if query else "")


def layout(week: str | None = None, teams: str | None = None, **_kw):
    if not allowed("weekly"):
        return denied()
    locale, notes = current_locale(), []
    try:
        chosen = weekly.Week.parse(week) if week else weekly.last_full_week()
    except OknoError:
        notes.append(_("weekly.bad_week", value=week))
        chosen = weekly.last_full_week()
    team_ids, bad = _team_ids(teams)
    if bad:
        notes.append(_("tickets.ignored", values=", ".join(f"teams={b}" for b in bad)))
    user = current_user._get_current_object()
    with read_session() as s:
        summary = weekly.summary(s, user, chosen, team_ids)
        team_options = lookups.teams(s)
    label = f"{_('weekly.title')} · {', '.join(summary['scope']) or _('weekly.company')}"
    controls = html.Div([
        dbc.Button("‹", href=f"/weekly?week={chosen.previous().label}", external_link=True, color="light",
                   size="sm", id=f"{P}-prev", title=_("weekly.prev")),
        dcc.Dropdown(id=f"{P}-week", options=_week_options(chosen), value=chosen.label, clearable=False,
                     style={"width": "310px"}),
        dbc.Button("›", href=f"/weekly?week={chosen.next().label}", external_link=True, color="light",
                   size="sm", id=f"{P}-next", title=_("weekly.next")),
        dcc.Dropdown(id=f"{P}-teams", options=team_options, value=team_ids, multi=True,
                     placeholder=_("weekly.company"), style={"minWidth": "240px"}),
        dbc.Button([html.I(className="bi bi-printer me-1"), _("weekly.print")], id=f"{P}-print", color="outline-secondary",
                   size="sm", className="ms-auto"),
        html.A([html.I(className="bi bi-filetype-html me-1"), _("weekly.html")], href=_href("html", chosen.label, team_ids),
               className="btn btn-outline-primary btn-sm", id=f"{P}-html"),
        html.A([html.I(className="bi bi-filetype-pdf me-1"), _("weekly.pdf")], href=_href("pdf", chosen.label, team_ids),
               className="btn btn-outline-primary btn-sm", id=f"{P}-pdf"),
    ] + ([dcc.Link([html.I(className="bi bi-envelope me-1"), _("weekly.subscriptions")], href="/weekly/subscriptions",
                   className="btn btn-outline-secondary btn-sm", id=f"{P}-subs")]
         if can_open(user, "weekly_subscriptions") else []),
        className="okno-weekly-controls d-flex d-print-none flex-wrap align-items-center gap-2 mb-3")
    return html.Div([
        controls,
        html.Div([dbc.Alert(n, color="warning", className="py-1") for n in notes], id=f"{P}-note"),
        html.Header([html.H1(label), html.Div(weekly_format.title(summary, locale), className="text-muted mb-2")]),
        weekly_view.render(summary, locale) if _has_data(summary) else dbc.Alert(_("weekly.no_data"), color="light"),
        dcc.Location(id=f"{P}-go", refresh=True), dcc.Store(id=f"{P}-printed"),
    ], className="okno-weekly")


def _has_data(summary: dict) -> bool:
    fig = summary["company"]["figures"]
    return any(fig[k]["value"] or fig[k]["previous"] for k in ("created", "resolved", "backlog"))


@callback(Output(f"{P}-go", "href"), Input(f"{P}-week", "value"), Input(f"{P}-teams", "value"),
          prevent_initial_call=True)
def choose(week, teams):
    query = {"week": week} | ({"teams": ",".join(map(str, teams))} if teams else {})
    return "/weekly?" + urlencode(query)


clientside_callback(ClientsideFunction("okno_weekly", "print"), Output(f"{P}-printed", "data"),
                    Input(f"{P}-print", "n_clicks"), prevent_initial_call=True)

"""`/admin/production-calendar`: the Russian production calendar a year at a time — days off, working weekend
days, shortened days and where they come from (built in, or an official file an admin imported)."""
from __future__ import annotations

import base64
from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from components import sla_admin as ui
from components.guard import allowed, denied
from components.i18n import N_, _, error_message
from data.db import read_session, session_scope
from data.errors import OknoError
from data.sla import admin as sla_admin
from data.sla import production
from data.sla.calendars import WEEKDAYS

dash.register_page(__name__, path="/admin/production-calendar", title="Okno · Production calendar")

P = "prod"
COUNTRY = "RU"  # the only built-in production calendar; calendars of other countries are typed in by hand
KINDS = (("off", N_("production.off")), ("work", N_("production.work")), ("short", N_("production.short")))
MAX_FILE_BYTES = 2_000_000


def _year_view(year: int):
    with read_session() as s:
        days, source = production.year_days(s, COUNTRY, year)
    groups = {"off": days.off, "work": days.work, "short": days.short}
    where = _("production.source.builtin") if source == "builtin" else _("production.source.file", name=source)
    cards = [dbc.Col(dbc.Card(dbc.CardBody([
        html.H6(f"{_(label)} · {len(groups[kind])}"),
        html.Ul([html.Li(_day(d)) for d in sorted(groups[kind])] or [html.Li("—")], className="small mb-0",
                id=f"{P}-{kind}")])), md=4) for kind, label in KINDS]
    forget = (dbc.Button(_("production.forget"), id=f"{P}-forget", color="link", className="text-danger p-0")
              if source != "builtin" else html.Span(id=f"{P}-forget"))
    return html.Div([html.P([html.Span(where, id=f"{P}-source"), " ", forget], className="text-muted"),
                     dbc.Row(cards)])


def _day(d: date) -> str:
    return f"{d.strftime('%d.%m.%Y')}, {_(f'slaadmin.day.{WEEKDAYS[d.weekday()]}')}"


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    year = date.today().year
    return html.Div([
        ui.page_head("/admin/production-calendar", N_("production.title")),
        html.P(_("production.intro"), className="text-muted"),
        dbc.Row([dbc.Col([dbc.Label(_("production.year"), html_for=f"{P}-year"),
                          dbc.Input(id=f"{P}-year", type="number", min=1990, max=2200, step=1, value=year)], md=2)],
                className="mb-3"),
        html.Div(id=f"{P}-message"),
        dcc.Loading(html.Div(_year_view(year), id=f"{P}-view")),
        html.H5(_("production.import"), className="mt-4"),
        html.P(_("production.import_help"), className="small text-muted"),
        dcc.Upload(id=f"{P}-upload", children=html.Div(_("production.drop")), max_size=MAX_FILE_BYTES,
                   className="border border-2 border-secondary-subtle rounded p-3 text-center",
                   accept=".xml,.csv,text/xml,text/csv"),
    ])


def _year(value) -> int | None:
    year = ui.as_int(value)
    return year if year is not None and 1990 <= year <= 2200 else None


@callback(Output(f"{P}-view", "children"), Input(f"{P}-year", "value"), prevent_initial_call=True)
def show_year(value):
    year = _year(value)
    if year is None or not allowed("admin"):
        return no_update
    return _year_view(year)


@callback(Output(f"{P}-message", "children"), Output(f"{P}-view", "children", allow_duplicate=True),
          Output(f"{P}-year", "value"),
          Input(f"{P}-upload", "contents"), State(f"{P}-upload", "filename"), prevent_initial_call=True)
def upload(contents, filename):
    if not contents or not isinstance(contents, str) or "," not in contents:
        return no_update, no_update, no_update
    try:
        content = base64.b64decode(contents.split(",", 1)[1], validate=False)
        with session_scope() as s:
            years = sla_admin.import_production_calendar(s, ui.acting_user(s), COUNTRY, content,
                                                         str(filename or "")[:200])
    except OknoError as err:
        return dbc.Alert(error_message(err), color="danger", id=f"{P}-result"), no_update, no_update
    text = _("production.imported", years=", ".join(str(y) for y in years))
    return dbc.Alert(text, color="success", id=f"{P}-result"), _year_view(years[0]), years[0]


@callback(Output(f"{P}-message", "children", allow_duplicate=True),
          Output(f"{P}-view", "children", allow_duplicate=True),
          Input(f"{P}-forget", "n_clicks"), State(f"{P}-year", "value"), prevent_initial_call=True)
def forget(clicks, value):
    year = _year(value)
    if not clicks or year is None:
        return no_update, no_update
    try:
        with session_scope() as s:
            sla_admin.forget_production_year(s, ui.acting_user(s), COUNTRY, year)
    except OknoError as err:
        return dbc.Alert(error_message(err), color="danger", id=f"{P}-result"), no_update
    return dbc.Alert(_("production.forgotten", year=year), color="success", id=f"{P}-result"), _year_view(year)

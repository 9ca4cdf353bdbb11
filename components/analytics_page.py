"""The frame every analytics page shares: the section tabs, the filter bar, how fresh the data is,
and the KPI cards (value, previous period of the same length, change)."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from flask_login import current_user

from data.db import replica_session
from data.errors import PermissionDenied
from data.metrics import filters, freshness, kpi

from components.filter_bar import FILTER, filter_bar
from components.i18n import N_, _, current_locale

SECTIONS = [("overview", "/"), ("flow", "/analytics/flow"), ("efficiency", "/analytics/efficiency"),
            ("sla", "/analytics/sla"), ("team", "/analytics/team"), ("compare", "/analytics/compare"),
            ("forecast", "/analytics/forecast")]
# Shown as _(f"an.section.{key}") and _(f"an.kpi.{key}"): the message ids, for extraction.
SECTION_LABELS = {"overview": N_("an.section.overview"), "flow": N_("an.section.flow"),
                  "efficiency": N_("an.section.efficiency"), "sla": N_("an.section.sla"),
                  "team": N_("an.section.team"), "compare": N_("an.section.compare"),
                  "forecast": N_("an.section.forecast")}
KPI_LABELS = {"created": N_("an.kpi.created"), "resolved": N_("an.kpi.resolved"), "backlog": N_("an.kpi.backlog"),
              "reopened": N_("an.kpi.reopened"), "cycle_p50": N_("an.kpi.cycle_p50"),
              "cycle_p85": N_("an.kpi.cycle_p85"), "first_response_p50": N_("an.kpi.first_response_p50"),
              "sla_met": N_("an.kpi.sla_met")}
# More requests arriving is neither good nor bad for the desk: their change is shown in grey, not red or green.
NEUTRAL_KPIS = {"created"}
KPI_FORMAT = {"created": "{:.0f}", "resolved": "{:.0f}", "backlog": "{:.0f}", "reopened": "{:.0f}",
              "cycle_p50": "{:.1f} d", "cycle_p85": "{:.1f} d", "first_response_p50": "{:.1f} h", "sla_met": "{:.0f}%"}


def _nav(active: str, query: dict):
    qs = "?" + urlencode(query) if query else ""
    return [dbc.NavItem(dbc.NavLink(_(f"an.section.{key}"), href=href + qs, active=key == active,
                                    id=f"an-nav-{key}")) for key, href in SECTIONS]


def page_shell(active: str, query: dict, *content, dates: bool = True):
    f, problems = filters.parse(query)
    return html.Div([
        html.Div([html.H4(_(f"an.section.{active}"), className="me-3 mb-0"),
                  dbc.Nav(_nav(active, f.to_query()), pills=True, className="me-auto", id="an-nav"),
                  html.Small(id="an-fresh", className="text-muted")],
                 className="d-flex align-items-center flex-wrap gap-2 mb-2"),
        filter_bar(f, problems, dates=dates), dcc.Store(id="an-section", data=active),
        # Live: every 15 s the page asks whether the rollup was refreshed, and re-reads its figures if so.
        dcc.Interval(id="an-tick", interval=15_000), dcc.Store(id="an-version", data=_version()),
        *content,
    ], id=f"an-page-{active}")


@callback(Output("an-nav", "children"), Input(FILTER, "data"), State("an-section", "data"),
          prevent_initial_call=True)
def nav_follows_filter(query, active):
    """The section tabs carry the current filter, so switching pages keeps the view."""
    return _nav(active, query or {})


def _version() -> str | None:
    with replica_session() as s:
        at = freshness.describe(s)
    return at.isoformat() if at else None


@callback(Output(FILTER, "data", allow_duplicate=True), Output("an-version", "data"), Input("an-tick", "n_intervals"),
          State(FILTER, "data"), State("an-version", "data"), prevent_initial_call=True)
def follow_refresh(_n, query, seen):
    """When the rollup has been refreshed since the page drew its figures, hand the same filter to every
    chart again (their callbacks listen to it), so an open page shows new figures within a minute."""
    now = _version()
    if now == seen:
        return no_update, no_update
    return query, now


@callback(Output("an-fresh", "children"), Input(FILTER, "data"))
def show_freshness(query):
    f, _problems = filters.parse(query)
    with replica_session() as s:
        info = freshness.describe(s, f)
    return _("an.fresh_live", at=datetime.now(filters.tz()).strftime("%H:%M")) if info is None else \
        _("an.fresh_rollup", at=info.astimezone(filters.tz()).strftime("%Y-%m-%d %H:%M"))


def kpi_row():
    return html.Div(dbc.Row(id="an-kpis", className="g-2 mb-3"))


def _format(key: str, value) -> str:
    if value is None:
        return "—"
    if key == "first_response_p50" and value < 1:  # minutes read better than "0.1 h"
        return f"{value * 60:.0f} " + _("an.min")
    text = KPI_FORMAT[key].format(value)
    if current_locale() == "ru":  # 2,5 дн., as the charts write it
        text = text.replace(".", ",")
    return text.replace(" d", " " + _("an.d")).replace(" h", " " + _("an.h"))


def _card(key: str, item: dict):
    value, change = item["value"], item["change"]
    shown = _format(key, value)
    badge = None
    if change is not None:
        worse = (change > 0) == (key in kpi.LOWER_IS_BETTER)
        tone = "text-secondary" if key in NEUTRAL_KPIS else "text-danger" if worse and change else "text-success"
        badge = html.Span(f"{'▲' if change > 0 else '▼' if change < 0 else '='} {abs(change) * 100:.0f}%",
                          className=f"small ms-2 {tone}", id=f"an-kpi-{key}-change")
    prev = item["previous"]
    prev_text = _format(key, prev)
    return dbc.Col(dbc.Card(dbc.CardBody([
        html.Div(_(f"an.kpi.{key}"), className="small text-muted text-truncate"),
        html.Div([html.Span(shown, className="fs-4 fw-semibold"), badge], className="d-flex align-items-baseline"),
        html.Div(_("an.previous", value=prev_text), className="small text-muted"),
    ], className="py-2 px-3"), className="shadow-sm h-100", id=f"an-kpi-{key}"), xs=6, md=3, xl=True)


@callback(Output("an-kpis", "children"), Input(FILTER, "data"))
def render_kpis(query):
    f, _problems = filters.parse(query)
    try:
        with replica_session() as s:
            user = current_user._get_current_object()
            values = kpi.kpis(s, user, filters.scoped(s, user, f))
    except PermissionDenied:
        return [dbc.Col(dbc.Alert(_("denied"), color="warning"))]
    return [_card(key, values[key]) for key in kpi.KPIS]

"""Satisfaction tables on the Team page: per agent and per service, average score, ratings, response rate."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Output, html

from data.metrics import csat

from components.chart_card import register, tickets_link
from components.i18n import N_, _

LABELS = (N_("an.csat_avg"), N_("an.csat_rated"), N_("an.csat_response"))


def _fmt(value, digits=1, suffix=""):
    return "—" if value is None else f"{value:.{digits}f}{suffix}"


def _table(data, first: str, link, table_id: str):
    if not data:
        return html.Div(_("an.nodata"), className="text-muted p-3"), []
    head = html.Thead(html.Tr([html.Th(_(first))] + [html.Th(_(k)) for k in LABELS]))
    body = html.Tbody([html.Tr([
        html.Td(html.A(r["name"], href=link(r)) if link(r) else r["name"]),
        html.Td(_fmt(r["avg_score"])), html.Td(r["rated"]), html.Td(_fmt(r["response_rate"], 0, "%")),
    ]) for r in data])
    return dbc.Table([head, body], size="sm", hover=True, striped=True, className="mb-0 okno-an-table",
                     id=table_id), data


def by_agent(session, user, f):
    return _table(csat.by_agent(session, user, f), N_("an.agent"),
                  lambda r: tickets_link(f, assignee=r["agent_id"], resolved_from=f.date_from, resolved_to=f.date_to),
                  "an-csat-agents-table")


def by_service(session, user, f):
    return _table(csat.by_service(session, user, f), N_("an.csat_name"),
                  lambda r: r["service_id"] and tickets_link(f, service=r["service_id"], resolved_from=f.date_from,
                                                             resolved_to=f.date_to),
                  "an-csat-services-table")


register("csat-agents", by_agent, output=Output("an-csat-agents-body", "children"))
register("csat-services", by_service, output=Output("an-csat-services-body", "children"))

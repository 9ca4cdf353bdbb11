"""`/portal`: the requester's own requests from every channel, with the status they should see."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import html

from components import portal_ui
from components.i18n import N_, _, current_locale
from data.intake import portal
from data.config import get_config
from data.db import read_session
from web.portal import requester_or_none

dash.register_page(__name__, path="/portal", title="Okno · Portal")


def layout(**_kw):
    locale, tz = current_locale(), ZoneInfo(get_config().timezone)
    with read_session() as s:
        requester = requester_or_none(s)
        if requester is None:
            return portal_ui.need_login()
        rows = portal.my_requests(s, requester, locale)
        name = requester.name
    if not rows:
        body = dbc.Alert([_("portal.none_yet"), " ", html.A(_("portal.new_request"), href="/portal/new")],
                         color="light", id="portal-empty")
    else:
        head = html.Thead(html.Tr([html.Th(_(k)) for k in
                                   (N_("portal.col.number"), N_("portal.col.title"), N_("portal.col.service"),
                                    N_("portal.col.status"), N_("portal.col.channel"), N_("portal.col.created"))]))
        body = dbc.Table([head, html.Tbody([html.Tr([
            html.Td(html.A(f"#{r['number']}", href=f"/portal/request/{r['number']}")),
            html.Td(html.A(r["title"], href=f"/portal/request/{r['number']}")),
            html.Td(" · ".join(x for x in (r["service"], r["type"]) if x)),
            html.Td(dbc.Badge(r["status_label"], color="success" if r["status"] == "done" else "primary",
                              className="okno-status")),
            html.Td(_(f"channel.{r['channel']}")),
            html.Td(r["created_at"].astimezone(tz).strftime("%d.%m.%Y %H:%M"))],
            className="portal-request-row") for r in rows])], hover=True, responsive=True, id="portal-requests")
    return portal_ui.page(name, html.Div([
        html.Div([html.H4(_("portal.my_requests"), className="me-auto mb-0"),
                  dbc.Button([html.I(className="bi bi-plus-circle me-1"), _("portal.new_request")], href="/portal/new",
                             color="primary", id="portal-new-button")], className="d-flex align-items-center mb-3"),
        body]))

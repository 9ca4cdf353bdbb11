"""`/portal/kb`: published articles for requesters, searched as they type; each opens at /portal/kb/<id>."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html
from dash.exceptions import PreventUpdate

from components import kb_article, portal_ui
from components.i18n import _
from data import kb
from data.db import read_session
from web.portal import requester_or_none

dash.register_page(__name__, path="/portal/kb", title="Okno · Knowledge base")
P = "portal-kb"


def _articles(query: str | None):
    with read_session() as s:
        requester = requester_or_none(s)
        if requester is None:
            raise PreventUpdate
        if (query or "").strip():
            rows = kb.search(s, query, "requesters", limit=30)
        else:
            rows = [{"id": a.id, "title": a.title, "snippet": None} for a in kb.listing(s, requester)]
    if not rows:
        return html.P(_("portal.kb.none"), className="text-muted", id=f"{P}-empty")
    return dbc.ListGroup([dbc.ListGroupItem([html.A(r["title"], href=f"/portal/kb/{r['id']}", className="fw-semibold"),
                                             html.Div(kb_article.snippet(r["snippet"])) if r["snippet"] else None],
                                            className="portal-kb-item") for r in rows], id=f"{P}-list-items")


def layout(**_kw):
    with read_session() as s:
        requester = requester_or_none(s)
        if requester is None:
            return portal_ui.need_login()
        name = requester.name
    return portal_ui.page(name, dbc.Row(dbc.Col([
        html.H4(_("portal.kb"), className="mb-2"),
        html.P(_("portal.kb.intro"), className="text-muted"),
        dbc.Input(id=f"{P}-search", type="search", placeholder=_("portal.kb.search"), debounce=300, maxLength=200,
                  className="mb-3"),
        html.Div(_articles(None), id=f"{P}-list"),
    ], lg=8)))


@callback(Output(f"{P}-list", "children"), Input(f"{P}-search", "value"), prevent_initial_call=True)
def searched(query):
    return _articles(query)

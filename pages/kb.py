"""`/kb`: the knowledge base for staff — every article (drafts too) with its views and how often it answered
a requester's question ("this solved it"), searched as you type; "New article" opens the editor."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html
from dash.exceptions import PreventUpdate

from components import kb_article
from components.guard import allowed, denied
from components.i18n import N_, _
from components.sla_admin import acting_user
from data import kb
from data.config import company_tz
from data.db import read_session

dash.register_page(__name__, path="/kb", title="Okno · Knowledge base")
P = "kb"


def _state(state: str, visibility: str):
    badges = [kb_article.state_badge(state, className="me-1")]
    if visibility == "staff":
        badges.append(dbc.Badge(_("kb.visibility.staff"), color="warning", text_color="dark"))
    return badges


def _table(query: str | None):
    with read_session() as s:
        user = acting_user(s)
        if (query or "").strip():
            rows = kb.search(s, query, "staff", limit=100, viewer=user)
        else:
            rows = [{"id": a.id, "title": a.title, "state": a.state, "visibility": a.visibility, "views": a.views,
                     "updated_at": a.updated_at, "snippet": None} for a in kb.listing(s, user)]
        solved = kb.deflection_counts(s, [r["id"] for r in rows])
    if not rows:
        return html.P(_("kb.none_found") if query else _("kb.none"), className="text-muted", id=f"{P}-empty")
    head = html.Thead(html.Tr([html.Th(_(k)) for k in (N_("kb.col.title"), N_("kb.col.state"), N_("kb.col.views"),
                                                        N_("kb.col.solved"), N_("kb.col.updated"))]))
    tz = company_tz()
    body = [html.Tr([
        html.Td([html.A(r["title"], href=f"/kb/edit?id={r['id']}", className="kb-title"),
                 html.Div(kb_article.snippet(r["snippet"])) if r.get("snippet") else None]),
        html.Td(_state(r["state"], r["visibility"])), html.Td(r["views"]), html.Td(solved.get(r["id"], 0)),
        html.Td(r["updated_at"].astimezone(tz).strftime("%d.%m.%Y") if r.get("updated_at") else "")],
        className="kb-row") for r in rows]
    return dbc.Table([head, html.Tbody(body)], size="sm", hover=True, id=f"{P}-table")


def layout(**_kw):
    if not allowed("kb"):
        return denied()
    return html.Div([
        html.Div([html.H3(_("kb.page"), className="me-auto mb-0"),
                  dbc.Button([html.I(className="bi bi-plus-circle me-1"), _("kb.new")], href="/kb/edit",
                             color="primary", id=f"{P}-new")], className="d-flex align-items-center mb-2"),
        html.P(_("kb.intro"), className="text-muted"),
        dbc.Input(id=f"{P}-search", type="search", placeholder=_("kb.search_placeholder"), debounce=300,
                  className="mb-3", maxLength=200),
        html.Div(_table(None), id=f"{P}-list"),
    ])


@callback(Output(f"{P}-list", "children"), Input(f"{P}-search", "value"), prevent_initial_call=True)
def searched(query):
    if not allowed("kb"):
        raise PreventUpdate
    return _table(query)

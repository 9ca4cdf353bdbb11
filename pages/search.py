"""`/search?q=…`: global search over the tickets the viewer may read (data/tickets/search.py), best first,
the matching words marked. Staff only: the portal's requesters never reach it."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from components.guard import allowed, denied
from components.i18n import N_, _
from data.config import get_config
from data.db import read_session
from data.tickets import search as ticket_search

dash.register_page(__name__, path="/search", title="Okno · Search")

P = "search"
WHERE = {"ticket": N_("search.in_ticket"), "message": N_("search.in_message")}


def _marked(text: str | None):
    """A headline with its matches as <mark>; the text itself is never read as HTML."""
    return [html.Mark(piece) if match else piece for piece, match in ticket_search.marked(text)]


def _result(r: dict, tz):
    return html.Li([
        html.Div([dcc.Link(f"#{r['number']}", href=f"/ticket/{r['number']}", className="me-2 fw-semibold"),
                  html.Span(_marked(r["title"]), className="fw-semibold"),
                  html.Span(_(f"status.{r['status']}"), className="badge text-bg-light ms-2"),
                  html.Span(r["column"] or "", className="text-muted small ms-1")]),
        html.Div(_marked(r["snippet"]), className="small okno-search-snippet") if r["snippet"] else None,
        html.Div([_(WHERE[r["in"]]), " · ", r["created_at"].astimezone(tz).strftime("%Y-%m-%d")],
                 className="small text-muted"),
    ], className="list-group-item okno-search-hit", **{"data-number": str(r["number"])})


def layout(q=None, **_kw):
    if not allowed("tickets"):
        return denied()
    text = q if isinstance(q, str) else ""
    form = html.Form(dbc.InputGroup([
        dbc.Input(id=f"{P}-q", type="search", name="q", value=text, placeholder=_("search.placeholder"),
                  autofocus=not text),
        dbc.Button([html.I(className="bi bi-search me-1"), _("search.go")], type="submit", color="primary")]),
        action="/search", method="GET", role="search", className="mb-3")
    if not text.strip():
        return html.Div([html.H4(_("search.title")), form, html.P(_("search.help"), className="text-muted")],
                        id=f"{P}-page", className="mx-auto", style={"maxWidth": "960px"})
    with read_session() as s:
        found = ticket_search.search(s, current_user._get_current_object(), text)
    tz = ZoneInfo(get_config().timezone)
    if not found["results"]:
        summary = dbc.Alert(_("search.nothing", query=found["query"]), color="secondary", id=f"{P}-nothing")
    else:
        summary = html.P(_("search.similar") if found["mode"] == "similar" else
                         _("search.found", count=len(found["results"])), className="text-muted", id=f"{P}-summary")
    return html.Div([
        html.H4(_("search.title")), form, summary,
        html.Ul([_result(r, tz) for r in found["results"]], className="list-group", id=f"{P}-results"),
    ], id=f"{P}-page", className="mx-auto", style={"maxWidth": "960px"})

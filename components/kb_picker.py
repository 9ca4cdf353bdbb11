"""The knowledge base on the card's reply box (issue #16): a picker that searches published articles and puts one
into the reply (a link to its portal page, or its text), and the "→ article" link on an agent's reply that opens
the article editor prefilled from it (pages/kb_edit.py, `?from_comment=<id>`).

Ids start with "tk-kb-"; the callbacks live here and write into the card's `tk-reply` box (pages/ticket.py also
fills it from a reply template, hence allow_duplicate)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate

from components.i18n import _
from components.sla_admin import acting_user
from data import kb
from data.db import read_session
from data.errors import OknoError

K = "tk-kb"


def picker():
    """Search box, the matching articles, and the two ways to insert the chosen one."""
    return html.Div([
        html.Label(_("kb.picker.search"), htmlFor=f"{K}-q", className="visually-hidden"),
        html.Label(_("kb.picker.choose"), htmlFor=f"{K}-pick", className="visually-hidden"),
        dbc.InputGroup([
            dbc.InputGroupText(html.I(className="bi bi-journal-text", **{"aria-hidden": "true"})),
            dbc.Input(id=f"{K}-q", type="search", debounce=True, placeholder=_("kb.picker.search"), size="sm"),
            dbc.Select(id=f"{K}-pick", options=[], placeholder=_("kb.picker.choose"), size="sm"),
            dbc.Button(_("kb.picker.link"), id=f"{K}-link", color="outline-secondary", size="sm"),
            dbc.Button(_("kb.picker.text"), id=f"{K}-text", color="outline-secondary", size="sm"),
        ], size="sm"),
    ], id=f"{K}-picker", className="mb-1")


def to_article(comment: dict):
    """"→ article" on an agent's reply (not the requester's, not an automatic one)."""
    if comment["from_requester"] or comment["system"]:
        return None
    return html.A(["→ ", _("kb.from_reply")], href=f"/kb/edit?from_comment={comment['id']}",
                  className="small ms-2 okno-to-article", title=_("kb.from_reply_help"))


@callback(Output(f"{K}-pick", "options"), Output(f"{K}-pick", "value"), Input(f"{K}-q", "value"),
          prevent_initial_call=True)
def found(query):
    with read_session() as s:
        try:
            rows = kb.pickable(s, acting_user(s), query)
        except OknoError:
            raise PreventUpdate from None
    options = [{"value": r["id"], "label": r["title"]} for r in rows]
    return options, (options[0]["value"] if options else None)


@callback(Output("tk-reply", "value", allow_duplicate=True), Input(f"{K}-link", "n_clicks"),
          Input(f"{K}-text", "n_clicks"), State(f"{K}-pick", "value"), State("tk-reply", "value"),
          prevent_initial_call=True)
def insert(_link, _text, article_id, reply):
    """The chosen article at the end of the reply, on a line of its own."""
    if not ctx.triggered_id or not ctx.triggered[0].get("value") or not str(article_id or "").isdigit():
        raise PreventUpdate
    with read_session() as s:
        try:
            piece = kb.for_reply(s, acting_user(s), int(article_id), as_text=ctx.triggered_id == f"{K}-text")
        except OknoError:
            raise PreventUpdate from None
    reply = (reply or "").rstrip()
    return f"{reply}\n\n{piece}" if reply else piece

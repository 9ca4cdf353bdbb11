"""Suggestions on `/portal/new`: as the requester types the subject, up to 5 published articles that may
answer it; "This solved it" counts a deflection and ends the attempt with a thank-you, no request filed.

The callbacks (imported by pages/portal/new.py) for the new-request page's `portal-new-kb` slot and its
`portal-new-body`."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, html
from dash.exceptions import PreventUpdate

from components.i18n import _
from data import kb
from data.db import read_session, session_scope
from data.errors import NotFound
from web.portal import requester_or_none

P = "portal-new"

# The subject reaches the store once the requester pauses (`portal-new-kb-wait` ms), not on every key.
clientside_callback(ClientsideFunction("okno_portal", "debounced"), Output(f"{P}-kb-query", "data"),
                    Input(f"{P}-title", "value"), State(f"{P}-kb-wait", "data"), State(f"{P}-kb-query", "id"),
                    prevent_initial_call=True)


@callback(Output(f"{P}-kb", "children"), Input(f"{P}-kb-query", "data"), prevent_initial_call=True)
def suggested(title):
    with read_session() as s:
        if requester_or_none(s) is None:
            raise PreventUpdate
        rows = kb.suggest(s, title)
    if not rows:
        return None
    return dbc.Card(dbc.CardBody([
        html.Div(_("portal.kb.suggested"), className="fw-semibold mb-2"),
        html.Ul([html.Li([
            html.A(r["title"], href=f"/portal/kb/{r['id']}", target="_blank", className="me-2"),
            dbc.Button(_("portal.kb.solved"), id={"type": "portal-kb-solved", "article": r["id"]}, size="sm",
                       color="success", outline=True, className="ms-auto text-nowrap"),
        ], className="d-flex align-items-center mb-2 portal-kb-suggestion") for r in rows],
            className="list-unstyled mb-0"),
    ]), className="mt-2 mb-2 border-success-subtle", id=f"{P}-kb-card")


@callback(Output(f"{P}-body", "children"), Input({"type": "portal-kb-solved", "article": ALL}, "n_clicks"),
          prevent_initial_call=True)
def solved(clicks):
    if not ctx.triggered_id or not any(clicks or []):
        raise PreventUpdate  # the buttons appearing, not a click
    try:
        with session_scope() as s:
            requester = requester_or_none(s)
            if requester is None:
                raise PreventUpdate
            kb.record_deflection(s, requester, int(ctx.triggered_id["article"]), channel="portal")
    except NotFound:
        raise PreventUpdate from None
    return dbc.Alert([html.H5(_("portal.kb.thanks"), className="alert-heading"), html.P(_("portal.kb.thanks_text")),
                      html.A(_("portal.my_requests"), href="/portal", className="me-3"),
                      html.A(_("portal.kb"), href="/portal/kb")], color="success", id=f"{P}-kb-thanks")

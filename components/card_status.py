"""The card's status control: the columns of the ticket's board (named as on the board) and a Resolve button.

Ids start with "tk-"; the callbacks are pages/ticket.py's `set_status` and `resolve`, which call
data/tickets/resolve.py — the same tickets.move a drag on the board ends in. `tk-version` is the
version the card was drawn with: a card changed meanwhile is refused, as a stale board is.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import _
from data.tickets import resolve
from data.tickets.status import DONE

T = "tk"


def status_control(session, ticket, can_edit: bool):
    columns = resolve.columns(session, ticket)
    options = [{"value": c.id, "label": c.name} for c in columns]
    can_resolve = can_edit and ticket.status != DONE and any(c.kind == DONE for c in columns)
    return html.Div([
        dcc.Store(id=f"{T}-version", data=ticket.version),
        html.Label(_("card.status"), htmlFor=f"{T}-status", className="visually-hidden"),
        dbc.Select(id=f"{T}-status", options=options, value=ticket.column_id, size="sm", disabled=not can_edit,
                   className="me-2", style={"maxWidth": "18rem"}),
        dbc.Button([html.I(className="bi bi-check2-circle me-1"), _("card.resolve")], id=f"{T}-resolve",
                   color="success", size="sm", style={} if can_resolve else {"display": "none"}),
    ], className="d-flex align-items-center", id=f"{T}-status-control", **{"data-status": ticket.status})

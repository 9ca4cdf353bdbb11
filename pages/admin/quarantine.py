"""`/admin/quarantine`: mail held back (oversized, blocked sender, unparsable, spam), kept raw — view,
release as a ticket, delete — and the block list of senders."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from flask_login import current_user

from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _, error_message
from components.ingest_reason import reason_text
from data.config import company_tz
from data.db import read_session, session_scope
from data.errors import OknoError
from data.intake import blocklist
from data.models import Ticket
from ingest.email import charset, quarantine

dash.register_page(__name__, path="/admin/quarantine", title="Okno · Quarantine")

P = "quar"  # component id prefix for this page
SHOWN_BYTES = 200_000  # the raw view shows this much of a message; the rest stays in the database


def _me():
    return current_user._get_current_object()


def _when(value) -> str:
    return value.astimezone(company_tz()).strftime("%Y-%m-%d %H:%M")


def _table():
    with read_session() as s:
        rows = quarantine.listing(s, _me())
    if not rows:
        return html.P(_("quarantine.none"), className="text-muted", id=f"{P}-empty")
    labels = (N_("failures.received"), N_("failures.source"), N_("quarantine.reason"))
    head = html.Thead(html.Tr([html.Th(_(k)) for k in labels] + [html.Th()]))

    def buttons(ident):
        return html.Td(dbc.ButtonGroup([
            dbc.Button(_("quarantine.view"), id={"type": f"{P}-view", "id": ident}, size="sm", color="outline-secondary"),
            dbc.Button(_("quarantine.release"), id={"type": f"{P}-release", "id": ident}, size="sm",
                       color="outline-primary"),
            dbc.Button(_("quarantine.delete"), id={"type": f"{P}-delete", "id": ident}, size="sm",
                       color="outline-danger")]), className="text-nowrap")

    body = html.Tbody([html.Tr([
        html.Td(_when(r["received_at"])), html.Td(r["source"]),
        html.Td([html.Div(reason_text(r), className="text-danger small"),
                 html.Div(f"{r['external_id']} · {r['size']:,} B", className="text-muted small")]),
        buttons(r["id"])], id=f"{P}-row-{r['id']}") for r in rows])
    return dbc.Table([head, body], hover=True, size="sm", responsive=True, className="okno-table", id=f"{P}-table")


def _blocked():
    with read_session() as s:
        rows = [(r.id, r.pattern, r.note) for r in blocklist.listing(s, _me())]
    items = [dbc.ListGroupItem([html.Span(pattern, className="fw-semibold me-2"),
                                html.Span(note or "", className="text-muted small"),
                                dbc.Button(_("quarantine.unblock"), id={"type": f"{P}-unblock", "id": ident},
                                           size="sm", color="link", className="float-end p-0")])
             for ident, pattern, note in rows]
    return dbc.ListGroup(items, id=f"{P}-blocked-list") if items else \
        html.P(_("quarantine.blocklist_empty"), className="text-muted", id=f"{P}-blocked-empty")


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    return html.Div([
        breadcrumb("admin.quarantine"), html.H4(_("admin.quarantine")),
        html.P(_("quarantine.intro"), className="text-muted"),
        html.Div(id=f"{P}-message"), html.Div(_table(), id=f"{P}-list"),
        html.H5(_("quarantine.blocklist"), className="mt-4"),
        html.P(_("quarantine.blocklist_help"), className="text-muted small"),
        dbc.Row([dbc.Col(dbc.Input(id=f"{P}-pattern", placeholder="spam@example.com / @example.com"), md=4),
                 dbc.Col(dbc.Input(id=f"{P}-note", placeholder=_("quarantine.note")), md=5),
                 dbc.Col(dbc.Button(_("quarantine.block"), id=f"{P}-block", color="primary"), md=3)],
                className="g-2 mb-2"),
        html.Div(id=f"{P}-blocked-message"), html.Div(_blocked(), id=f"{P}-blocked"),
        dbc.Modal([dbc.ModalHeader(dbc.ModalTitle(_("quarantine.raw"))),
                   dbc.ModalBody(html.Pre(id=f"{P}-raw", className="small", style={"whiteSpace": "pre-wrap"}))],
                  id=f"{P}-modal", size="xl", scrollable=True),
    ])


@callback(Output(f"{P}-raw", "children"), Output(f"{P}-modal", "is_open"),
          Input({"type": f"{P}-view", "id": ALL}, "n_clicks"), prevent_initial_call=True)
def view(clicks):
    if not ctx.triggered_id or not any(clicks or []):
        return no_update, no_update
    try:
        with read_session() as s:
            raw = quarantine.raw_message(s, _me(), ctx.triggered_id["id"])
    except OknoError as err:
        return error_message(err), True
    more = f"\n\n… ({len(raw) - SHOWN_BYTES:,} B)" if len(raw) > SHOWN_BYTES else ""
    return charset.decode(raw[:SHOWN_BYTES]) + more, True


@callback(Output(f"{P}-message", "children"), Output(f"{P}-list", "children"),
          Input({"type": f"{P}-release", "id": ALL}, "n_clicks"), Input({"type": f"{P}-delete", "id": ALL}, "n_clicks"),
          prevent_initial_call=True)
def act(releases, deletes):
    if not ctx.triggered_id or not any((releases or []) + (deletes or [])):
        return no_update, no_update
    inbound_id, kind = ctx.triggered_id["id"], ctx.triggered_id["type"]
    try:
        with session_scope() as s:
            if kind == f"{P}-delete":
                quarantine.remove(s, _me(), inbound_id)
                color, text = "success", _("quarantine.deleted", id=inbound_id)
            else:
                outcome = quarantine.release(s, _me(), inbound_id)
                number = s.get(Ticket, outcome.ticket_id).number if outcome.ticket_id else None
                color = "danger" if outcome.state == "failed" else "success"
                text = _("quarantine.released", id=inbound_id, number=number) if number else \
                    _("failures.retried", id=inbound_id, state=outcome.state + (f" — {outcome.reason}"
                                                                              if outcome.reason else ""))
    except OknoError as err:
        color, text = "danger", error_message(err)
    return dbc.Alert(text, color=color, id=f"{P}-result"), _table()


@callback(Output(f"{P}-blocked-message", "children"), Output(f"{P}-blocked", "children"),
          Output(f"{P}-pattern", "value"),
          Input(f"{P}-block", "n_clicks"), Input({"type": f"{P}-unblock", "id": ALL}, "n_clicks"),
          State(f"{P}-pattern", "value"), State(f"{P}-note", "value"), prevent_initial_call=True)
def block(_add, unblocks, pattern, note):
    if not ctx.triggered_id or (ctx.triggered_id != f"{P}-block" and not any(unblocks or [])):
        return no_update, no_update, no_update
    try:
        with session_scope() as s:
            if ctx.triggered_id == f"{P}-block":
                added = blocklist.add(s, _me(), pattern or "", note).pattern
                text, cleared = _("quarantine.blocked", pattern=added), ""
            else:
                blocklist.remove(s, _me(), ctx.triggered_id["id"])
                text, cleared = _("quarantine.unblocked"), no_update
    except OknoError as err:
        return dbc.Alert(error_message(err), color="danger", id=f"{P}-block-result"), no_update, no_update
    return dbc.Alert(text, color="success", id=f"{P}-block-result"), _blocked(), cleared

"""`/admin/sign-in`: accounts and client addresses locked after failed sign-ins, with an unlock button."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, callback, ctx, html, no_update
from flask_login import current_user

from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _, error_message
from data.db import read_session, session_scope
from data.config import company_tz
from data.errors import OknoError
from data.identity import throttle

dash.register_page(__name__, path="/admin/sign-in", title="Okno · Sign-in locks")

P = "locks"  # component id prefix for this page
SCOPES = {"account": N_("locks.scope.account"), "address": N_("locks.scope.address")}


def _table():
    with read_session() as s:
        rows = throttle.locks(s, current_user._get_current_object())
    if not rows:
        return html.P(_("locks.none"), className="text-muted", id=f"{P}-empty")
    labels = (N_("locks.scope"), N_("locks.key"), N_("locks.failures"), N_("locks.until"))
    head = html.Thead(html.Tr([html.Th(_(k)) for k in labels] + [html.Th()]))
    body = html.Tbody([html.Tr([
        html.Td(_(SCOPES[r.scope])), html.Td(r.key), html.Td(r.failures),
        html.Td(r.locked_until.astimezone(company_tz()).strftime("%Y-%m-%d %H:%M")),
        html.Td(dbc.Button(_("locks.unlock"), id={"type": f"{P}-unlock", "id": f"{r.scope}:{r.key}"}, size="sm",
                           color="outline-primary")),
    ]) for r in rows])
    return dbc.Table([head, body], hover=True, size="sm", responsive=True, className="okno-table", id=f"{P}-table")


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    return html.Div([breadcrumb("locks.title"), html.H4(_("locks.title")),
                     html.P(_("locks.intro"), className="text-muted"),
                     html.Div(id=f"{P}-message"), html.Div(_table(), id=f"{P}-list")])


@callback(Output(f"{P}-message", "children"), Output(f"{P}-list", "children"),
          Input({"type": f"{P}-unlock", "id": ALL}, "n_clicks"), prevent_initial_call=True)
def unlock(clicks):
    if not ctx.triggered_id or not any(clicks or []):
        return no_update, no_update
    scope, _sep, key = ctx.triggered_id["id"].partition(":")
    try:
        with session_scope() as s:
            throttle.unlock(s, current_user._get_current_object(), scope, key)
        alert = dbc.Alert(_("locks.unlocked", key=key), color="success", id=f"{P}-result")
    except OknoError as err:  # e.g. a forged call by someone who is not an admin: nothing to list either
        return dbc.Alert(error_message(err), color="danger", id=f"{P}-result"), no_update
    return alert, _table()

"""`/admin/integrations`: tokens for the web-form API. A new token's secret is shown once; revoking stops it."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate

from components import admin_form as af
from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _
from data.catalog import integrations
from data.catalog import lookups
from data.db import read_session, session_scope
from data.errors import OknoError

dash.register_page(__name__, path="/admin/integrations", title="Okno · Integrations")
P = "admin-int"


def _table(s):
    services = {o["value"]: o["label"] for o in lookups.services(s)}
    rows = [html.Tr([
        html.Td(t.name), html.Td(html.Code(t.prefix + "…")), html.Td(services.get(t.service_id, _("admin.any"))),
        html.Td(t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "—"),
        html.Td(dbc.Badge(_("admin.revoked"), color="secondary") if t.revoked_at else
                dbc.Button(_("admin.revoke"), id={"type": "admin-int-revoke", "i": t.id}, size="sm", color="danger",
                           outline=True))]) for t in integrations.tokens(s, af.user())]
    head = html.Thead(html.Tr([html.Th(_(k)) for k in (N_("admin.name"), N_("admin.code"), N_("admin.service"),
                                                       N_("admin.last_used"))] + [html.Th("")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, hover=True, id=f"{P}-table")


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    with read_session() as s:
        table, services = _table(s), af.select_options(lookups.services(s), _("admin.any"))
    return html.Div([
        breadcrumb("admin.integrations"), html.H3(_("admin.integrations")),
        html.P([_("admin.integrations_help"), " ", html.A(_("admin.api_docs"), href="/api/v1/openapi.json",
                                                        target="_blank")], className="text-muted"),
        dbc.Row([af.row(N_("admin.token_name"), dbc.Input(id=f"{P}-name"), md=5),
                 af.row(N_("admin.token_service"), dbc.Select(id=f"{P}-service", options=services, value=""), md=4),
                 dbc.Col(dbc.Button(_("admin.create_token"), id=f"{P}-create", color="primary", className="mt-4"), md=3)]),
        html.Div(id=f"{P}-result", className="my-2"),
        html.Div(table, id=f"{P}-list"),
    ])


@callback(Output(f"{P}-result", "children"), Output(f"{P}-list", "children"), Input(f"{P}-create", "n_clicks"),
          Input({"type": "admin-int-revoke", "i": ALL}, "n_clicks"), State(f"{P}-name", "value"),
          State(f"{P}-service", "value"), prevent_initial_call=True)
def change(_create, _revokes, name, service_id):
    if not (ctx.triggered and ctx.triggered[0].get("value")):
        raise PreventUpdate
    try:
        with session_scope() as s:
            if ctx.triggered_id == f"{P}-create":
                _row, secret = integrations.create_token(s, af.user(), name, af.as_int(service_id))
                message = dbc.Alert([_("admin.token_created"), html.Br(), html.Code(secret, id=f"{P}-secret")],
                                    color="warning")
            else:
                integrations.revoke(s, af.user(), ctx.triggered_id["i"])
                message = af.result(None)
            return message, _table(s)
    except OknoError as err:
        return af.result(err, alert_id=f"{P}-error"), dash.no_update

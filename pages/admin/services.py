"""`/admin/services`: services — name, description, board/column/lane for new requests, team,
allowed domains, notifications, auto-reply. `?id=N` edits one, `?id=new` creates one."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from components import admin_form as af
from components.admin_form import choice
from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _
from data.catalog import admin as catalog_admin
from data.catalog import lookups
from data.db import read_session, session_scope
from data.errors import OknoError
from data.models import Service

dash.register_page(__name__, path="/admin/services", title="Okno · Services")
P = "admin-svc"


def _board_parts(s, board_id):
    return af.select_options(lookups.board_columns(s, board_id)), af.select_options(lookups.board_lanes(s, board_id))


def layout(id=None, **_kw):  # noqa: A002 - the URL parameter
    if not allowed("admin"):
        return denied()
    with read_session() as s:  # render inside the session: the rows expire when it ends
        services = catalog_admin.services(s, af.user())
        svc = next((x for x in services if x.id == af.as_int(id)), None)
        items = [dbc.ListGroupItem(x.name + ("" if x.is_active else " (off)"), href=f"/admin/services?id={x.id}",
                                   active=svc is not None and x.id == svc.id) for x in services]
        items.append(dbc.ListGroupItem([html.I(className="bi bi-plus me-1"), _("admin.new")],
                                       href="/admin/services?id=new", active=id == "new", id=f"{P}-new"))
        form = _form(s, svc) if svc is not None or id == "new" else \
            html.P(_("admin.services_help"), className="text-muted")
    return html.Div([breadcrumb("admin.services"), html.H3(_("admin.services")),
                     dbc.Row([dbc.Col(dbc.ListGroup(items, id=f"{P}-list"), md=3), dbc.Col(form, md=9)])])


def _form(s, svc: Service | None):
    """The editor for one service (empty for a new one)."""
    boards, teams = af.select_options(lookups.boards(s)), af.select_options(lookups.teams(s))
    columns, lanes = _board_parts(s, svc.board_id if svc else None)
    v = (lambda attr, default="": getattr(svc, attr) if svc is not None and getattr(svc, attr) is not None else default)
    notify = v("notify", {}) or {}
    return html.Div([
        dcc.Store(id=f"{P}-id", data=svc.id if svc else None),
        dbc.Row([af.row(N_("admin.name"), dbc.Input(id=f"{P}-name", value=v("name")), md=8),
                 af.row(N_("admin.code"), dbc.Input(id=f"{P}-code", value=v("code")), md=4)]),
        dbc.Row([af.row(N_("admin.description"), dbc.Textarea(id=f"{P}-description", value=v("description"),
                                                              rows=2))]),
        dbc.Row([af.row(N_("admin.board"), dbc.Select(id=f"{P}-board", options=boards, value=choice(v("board_id"))),
                        md=4),
                 af.row(N_("admin.column"), dbc.Select(id=f"{P}-column", options=columns,
                                                       value=choice(v("column_id"))), md=4),
                 af.row(N_("admin.lane"), dbc.Select(id=f"{P}-lane", options=lanes, value=choice(v("lane_id"))),
                        md=4)]),
        dbc.Row([af.row(N_("admin.team"), dbc.Select(id=f"{P}-team", options=teams, value=choice(v("team_id"))), md=4),
                 af.row(N_("admin.domains"), dbc.Input(id=f"{P}-domains", value=", ".join(v("allowed_domains", [])),
                                                       placeholder="company.ru, branch.company.ru"), md=8)]),
        dbc.Row([af.row(N_("admin.auto_reply"), dbc.Textarea(id=f"{P}-auto-reply", value=v("auto_reply_template"),
                                                             rows=2, placeholder="Ваша заявка #{number} принята"))]),
        dbc.Checkbox(id=f"{P}-notify-status", value=bool(notify.get("on_status_change")), label=_("admin.notify_status")),
        dbc.Row([af.row(N_("admin.status_window"), dbc.Input(id=f"{P}-status-window", type="number", min=0, max=1440,
                                                              step=1, value=notify.get("status_window_minutes", 2)))]),
        dbc.Checkbox(id=f"{P}-notify-reply", value=bool(notify.get("on_public_reply", True)), label=_("admin.notify_reply")),
        dbc.Checkbox(id=f"{P}-active", value=bool(v("is_active", True)), label=_("admin.active")),
        html.Div(id=f"{P}-result", className="mt-2"),
        dbc.Button(_("admin.save"), id=f"{P}-save", color="primary", className="mt-2"),
    ])


@callback(Output(f"{P}-column", "options"), Output(f"{P}-lane", "options"), Input(f"{P}-board", "value"),
          prevent_initial_call=True)
def board_changed(board_id):
    with read_session() as s:
        return _board_parts(s, af.as_int(board_id))


@callback(Output(f"{P}-result", "children"), Output(f"{P}-id", "data"), Input(f"{P}-save", "n_clicks"),
          State(f"{P}-id", "data"), State(f"{P}-name", "value"), State(f"{P}-code", "value"),
          State(f"{P}-description", "value"), State(f"{P}-board", "value"), State(f"{P}-column", "value"),
          State(f"{P}-lane", "value"), State(f"{P}-team", "value"), State(f"{P}-domains", "value"),
          State(f"{P}-auto-reply", "value"), State(f"{P}-notify-status", "value"), State(f"{P}-notify-reply", "value"),
          State(f"{P}-active", "value"), State(f"{P}-status-window", "value"), prevent_initial_call=True)
def save(_n, service_id, name, code, description, board, column, lane, team, domains, auto_reply, on_status,
         on_reply, active, status_window):
    data = dict(name=name, code=code, description=description, board_id=board, column_id=column, lane_id=lane,
                team_id=team, allowed_domains=domains, auto_reply_template=auto_reply, on_status_change=on_status,
                on_public_reply=on_reply, is_active=active, status_window_minutes=status_window)
    try:
        with session_scope() as s:
            service = catalog_admin.save_service(s, af.user(), service_id, data)
            new_id = service.id
    except OknoError as err:
        return af.result(err, alert_id=f"{P}-error"), dash.no_update
    return af.result(None), new_id

"""`/weekly/subscriptions`: who receives the weekly summary, how, in which language — and what was sent."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from flask_login import current_user

from components.guard import allowed, denied
from components.i18n import _, error_message, field_messages
from data.catalog import lookups
from data.weekly import summary as weekly
from data.weekly import delivery as weekly_delivery
from data.weekly import subscriptions as subs
from data.config import get_config
from data.db import read_session, session_scope
from data.errors import OknoError, ValidationError

dash.register_page(__name__, path="/weekly/subscriptions", title="Okno · Weekly summary subscriptions")

P = "wsub"
STATE_COLORS = {"sent": "success", "queued": "secondary", "failed": "danger", "not queued": "warning"}


def _subscription_rows() -> list:
    with read_session() as s:
        rows = subs.listing(s, current_user._get_current_object())
    if not rows:
        return [html.P(_("weekly.sub.none"), className="text-muted")]
    head = html.Thead(html.Tr([html.Th(_("weekly.sub.who")), html.Th(_("weekly.teams")), html.Th(_("weekly.sub.email")),
                               html.Th(_("weekly.sub.telegram")), html.Th(_("weekly.sub.language")), html.Th("")]))
    body = [html.Tr([html.Td(r["user"]), html.Td(", ".join(r["teams"]) or _("weekly.company")),
                     html.Td(r["email"] or "—"), html.Td(r["telegram"] or "—"), html.Td(r["locale"].upper()),
                     html.Td(dbc.Button(_("weekly.sub.remove"), id={"type": f"{P}-remove", "id": r["id"]}, n_clicks=0,
                                        size="sm", color="link", className="p-0 text-danger"))]) for r in rows]
    return [dbc.Table([head, html.Tbody(body)], size="sm", responsive=True, bordered=True, id=f"{P}-table")]


def _delivery_rows() -> list:
    with read_session() as s:
        rows = subs.deliveries(s, current_user._get_current_object())
    if not rows:
        return [html.P(_("weekly.del.none"), className="text-muted")]
    head = html.Thead(html.Tr([html.Th(_("weekly.week")), html.Th(_("weekly.sub.who")), html.Th(_("tickets.channel")),
                               html.Th(_("weekly.del.when")), html.Th(_("weekly.del.state")),
                               html.Th(_("weekly.del.error"))]))
    tz = weekly.local_now().tzinfo
    body = [html.Tr([html.Td(r["week"]), html.Td(r["user"]), html.Td(f"{r['channel']} · {r['recipient'] or '—'}"),
                     html.Td(r["created_at"].astimezone(tz).strftime("%Y-%m-%d %H:%M")),
                     html.Td(dbc.Badge(r["state"], color=STATE_COLORS.get(r["state"], "secondary"))),
                     html.Td(r["error"] or "", className="small text-danger")]) for r in rows]
    return [dbc.Table([head, html.Tbody(body)], size="sm", responsive=True, bordered=True, id=f"{P}-deliveries-table")]


def layout(**_kw):
    if not allowed("weekly_subscriptions"):
        return denied()
    user = current_user._get_current_object()
    with read_session() as s:
        people, teams = subs.people(s, user), lookups.teams(s)
    cfg = get_config()
    form = dbc.Card(dbc.CardBody(dbc.Row([
        dbc.Col([dbc.Label(_("weekly.sub.who")), dcc.Dropdown(id=f"{P}-user", options=people, value=user.id,
                                                              clearable=False, disabled=len(people) == 1)], md=3),
        dbc.Col([dbc.Label(_("weekly.sub.teams")), dcc.Dropdown(id=f"{P}-teams", options=teams, multi=True)], md=3),
        dbc.Col([dbc.Checkbox(id=f"{P}-by-email", label=_("weekly.sub.email"), value=True),
                 dbc.Input(id=f"{P}-email", size="sm", type="email", placeholder=_("weekly.sub.own_address"))], md=2),
        dbc.Col([dbc.Checkbox(id=f"{P}-by-telegram", label=_("weekly.sub.telegram"), value=False),
                 dbc.Input(id=f"{P}-chat", size="sm", placeholder=_("weekly.sub.own_chat"))], md=2),
        dbc.Col([dbc.Label(_("weekly.sub.language")),
                 dbc.RadioItems(id=f"{P}-locale", value=user.locale or "ru", inline=True,
                                options=[{"value": "ru", "label": "RU"}, {"value": "en", "label": "EN"}])], md=1),
        dbc.Col(dbc.Button(_("weekly.sub.add"), id=f"{P}-save", color="primary", size="sm", className="mt-4"), md=1),
    ], className="g-2")), className="mb-2")
    return html.Div([
        html.Div([html.H4(_("weekly.sub.title"), className="me-auto mb-0"),
                  dcc.Link(_("weekly.title"), href="/weekly", className="btn btn-outline-secondary btn-sm me-2"),
                  dbc.Button(_("weekly.sub.send_now"), id=f"{P}-send", color="outline-primary", size="sm")],
                 className="d-flex align-items-center mb-2"),
        html.P(_("weekly.sub.schedule", hour=cfg.weekly_send_hour, tz=cfg.timezone), className="text-muted small"),
        form,
        html.Div(id=f"{P}-message"),
        dcc.Loading(html.Div(_subscription_rows(), id=f"{P}-list")),
        html.H5(_("weekly.del.title"), className="mt-3"),
        html.Div(_delivery_rows(), id=f"{P}-deliveries"),
    ])


def _alert(text: str, color: str):
    return dbc.Alert(text, color=color, className="py-1", id=f"{P}-alert")


@callback(Output(f"{P}-list", "children"), Output(f"{P}-message", "children"), Output(f"{P}-deliveries", "children"),
          Input(f"{P}-save", "n_clicks"), Input({"type": f"{P}-remove", "id": ALL}, "n_clicks"),
          Input(f"{P}-send", "n_clicks"),
          State(f"{P}-user", "value"), State(f"{P}-teams", "value"), State(f"{P}-by-email", "value"),
          State(f"{P}-email", "value"), State(f"{P}-by-telegram", "value"), State(f"{P}-chat", "value"),
          State(f"{P}-locale", "value"), prevent_initial_call=True)
def act(_save, _removes, _send, user_id, team_ids, by_email, email, by_telegram, chat, locale):
    """Save, remove or send now; the lists are redrawn from the database afterwards.
    One callback on purpose: the remove buttons are drawn by its own output, and Dash does not re-run a
    callback for what it drew itself, so a redrawn list does not fire a stray "remove" (the list's
    spinner would flash)."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and not (ctx.triggered and ctx.triggered[0].get("value")):
        return dash.no_update, dash.no_update, dash.no_update
    user = current_user._get_current_object()
    try:
        with session_scope() as s:
            if trigger == f"{P}-save":
                subs.save(s, user, user_id=int(user_id), team_ids=team_ids or [], by_email=bool(by_email),
                          by_telegram=bool(by_telegram), email=email, telegram_chat_id=chat, locale=locale or "ru")
                message = _alert(_("weekly.sub.added"), "success")
            elif trigger == f"{P}-send":
                result = weekly_delivery.send_now(s, user)
                message = _alert(_("weekly.sub.sent", n=result["queued"]), "info")
            else:
                subs.delete(s, user, int(trigger["id"]))
                message = _alert(_("weekly.sub.removed"), "secondary")
    except ValidationError as err:
        names = {"email": _("weekly.sub.email"), "telegram": _("weekly.sub.telegram")}
        items = [html.Li(f"{names.get(k, k)}: {v}") for k, v in field_messages(err).items()]
        return dash.no_update, dbc.Alert(html.Ul(items, className="mb-0"), color="danger", className="py-1",
                                         id=f"{P}-alert"), dash.no_update
    except OknoError as err:
        return dash.no_update, _alert(error_message(err), "danger"), dash.no_update
    return _subscription_rows(), message, _delivery_rows()

"""`/profile`: a staff member's own settings — language, notification channel, password, personal access
tokens for the metrics API (docs/api.md). Every change goes through data/identity; tokens are shown once."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from flask import session as cookie
from flask_login import current_user

from components.guard import allowed, denied
from components.i18n import N_, _, error_message
from data.config import get_config
from data.db import read_session, session_scope
from data.errors import OknoError
from data.identity import accounts, profile, tokens
from data.tickets.filters import tz
from data.models import User
from web.auth import SESSION_VERSION

dash.register_page(__name__, path="/profile", title="Okno · Profile")

P = "profile"
# Shown as _(f"profile.notify.{channel}"): the message ids, for extraction.
NOTIFY_LABELS = {"app": N_("profile.notify.app"), "email": N_("profile.notify.email"),
                 "telegram": N_("profile.notify.telegram")}


def _me(s) -> User:
    return s.get(User, current_user.id)


def _when(moment) -> str:
    return moment.astimezone(tz()).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _alert(text: str, color: str, ident: str):
    return dbc.Alert(text, color=color, className="py-1 mb-0 mt-2", id=f"{P}-{ident}-alert")


def _section(title: str, *body, ident: str):
    return dbc.Card([dbc.CardHeader(html.H2(title, className="h6 mb-0")), dbc.CardBody(list(body))],
                    className="mb-3 shadow-sm", id=f"{P}-{ident}")


def _token_rows() -> list:
    with read_session() as s:
        return _token_table(tokens.listing(s, _me(s)))


def _token_table(rows) -> list:
    if not rows:
        return [html.P(_("profile.tokens.none"), className="text-muted mb-0")]
    head = html.Thead(html.Tr([html.Th(_("profile.tokens.name")), html.Th(_("profile.tokens.prefix")),
                               html.Th(_("profile.tokens.created")), html.Th(_("profile.tokens.last_used")),
                               html.Th(_("profile.tokens.state")), html.Th("")]))
    body = [html.Tr([
        html.Td(t.name), html.Td(html.Code(t.prefix + "…")), html.Td(_when(t.created_at)), html.Td(_when(t.last_used_at)),
        html.Td(dbc.Badge(_("profile.tokens.revoked", when=_when(t.revoked_at)), color="secondary") if t.revoked_at
                else dbc.Badge(_("profile.tokens.live"), color="success")),
        html.Td(None if t.revoked_at else html.Button(  # html.Button: dbc's takes no aria-label
            _("profile.tokens.revoke"), id={"type": f"{P}-revoke", "id": t.id}, n_clicks=0, type="button",
            className="btn btn-sm btn-outline-danger", **{"aria-label": _("profile.tokens.revoke_named", name=t.name)})),
    ]) for t in rows]
    return [dbc.Table([head, html.Tbody(body)], size="sm", bordered=True, responsive=True, id=f"{P}-tokens-table",
                      className="mb-0")]


def _about(me: dict):
    team = me["team"] or "—"
    return html.Dl([
        html.Dt(_("profile.name"), className="col-sm-3"), html.Dd(me["name"], className="col-sm-9"),
        html.Dt(_("profile.email"), className="col-sm-3"), html.Dd(me["email"], className="col-sm-9"),
        html.Dt(_("profile.role"), className="col-sm-3"),
        html.Dd(_(f"directory.role.{me['role']}"), className="col-sm-9", id=f"{P}-role"),
        html.Dt(_("profile.team"), className="col-sm-3"), html.Dd(team, className="col-sm-9"),
    ], className="row mb-0")


def _password(me: dict):
    if me["directory"]:
        return [dbc.Alert(_("profile.password.directory"), color="info", className="mb-0", id=f"{P}-password-directory")]
    return [
        dbc.Row([
            dbc.Col([dbc.Label(_("password.current"), html_for=f"{P}-current"),
                     dbc.Input(id=f"{P}-current", type="password", autoComplete="current-password")], md=4),
            dbc.Col([dbc.Label(_("password.new"), html_for=f"{P}-new"),
                     dbc.Input(id=f"{P}-new", type="password", autoComplete="new-password", minLength=10)], md=4),
            dbc.Col(dbc.Button(_("password.submit"), id=f"{P}-password-save", color="primary"), md="auto",
                    className="d-flex align-items-end"),
        ], className="g-2"),
        html.P(_("password.rules"), className="small text-muted mb-0 mt-1"),
        html.Div(id=f"{P}-password-message", role="status"),
    ]


def layout(**_kw):
    if not allowed("profile"):
        return denied()
    with read_session() as s:
        me = profile.view(s, _me(s))
    language = [
        dbc.RadioItems(id=f"{P}-locale", value=me["locale"] or "ru", inline=True,
                       options=[{"value": "ru", "label": "Русский"}, {"value": "en", "label": "English"}]),
        dbc.Button(_("profile.save"), id=f"{P}-locale-save", color="primary", size="sm", className="mt-2"),
        dcc.Location(id=f"{P}-reload", refresh=True),
    ]
    notify = [
        html.P(_("profile.notify.intro"), className="small text-muted"),
        dbc.RadioItems(id=f"{P}-notify", value=me["notify_channel"],
                       options=[{"value": c, "label": _(label)} for c, label in NOTIFY_LABELS.items()]),
        dbc.Row(dbc.Col([dbc.Label(_("profile.notify.chat"), html_for=f"{P}-chat", className="mt-2"),
                         dbc.Input(id=f"{P}-chat", value=me["telegram_chat_id"] or "", inputMode="numeric"),
                         dbc.FormText(_("profile.notify.chat_help"))], md=4)),
        dbc.Button(_("profile.save"), id=f"{P}-notify-save", color="primary", size="sm", className="mt-2"),
        html.Div(id=f"{P}-notify-message", role="status"),
    ]
    token_form = [
        html.P(_("profile.tokens.intro"), className="small text-muted"),
        dbc.Row([
            dbc.Col([dbc.Label(_("profile.tokens.name"), html_for=f"{P}-token-name"),
                     dbc.Input(id=f"{P}-token-name", maxLength=tokens.MAX_NAME,
                               placeholder=_("profile.tokens.name_hint"))], md=5),
            dbc.Col(dbc.Button(_("profile.tokens.create"), id=f"{P}-token-create", color="primary"), md="auto",
                    className="d-flex align-items-end"),
        ], className="g-2 mb-2"),
        html.Div(id=f"{P}-token-message", role="status"),
        html.Div(_token_rows(), id=f"{P}-token-list", className="mt-2"),
    ]
    return html.Div([
        html.H1(_("profile.title"), className="h4 mb-3"),
        _section(_("profile.about"), _about(me), ident="about"),
        _section(_("profile.language"), *language, ident="language"),
        _section(_("profile.notify"), *notify, ident="notify"),
        _section(_("password.title"), *_password(me), ident="password"),
        _section(_("profile.tokens"), *token_form, ident="tokens"),
    ], className="okno-profile", style={"maxWidth": "960px"})


@callback(Output(f"{P}-reload", "href"), Input(f"{P}-locale-save", "n_clicks"), State(f"{P}-locale", "value"),
          prevent_initial_call=True)
def save_language(_clicks, locale):
    with session_scope() as s:
        accounts.set_locale(s, _me(s), locale if locale in ("ru", "en") else None)
    return "/profile"  # drawn again in the new language


@callback(Output(f"{P}-notify-message", "children"), Input(f"{P}-notify-save", "n_clicks"),
          State(f"{P}-notify", "value"), State(f"{P}-chat", "value"), prevent_initial_call=True)
def save_notifications(_clicks, channel, chat):
    try:
        with session_scope() as s:
            profile.set_notifications(s, _me(s), channel, chat)
    except OknoError as err:
        return _alert(error_message(err), "danger", "notify")
    return _alert(_("profile.saved"), "success", "notify")


@callback(Output(f"{P}-password-message", "children"), Output(f"{P}-current", "value"), Output(f"{P}-new", "value"),
          Input(f"{P}-password-save", "n_clicks"), State(f"{P}-current", "value"), State(f"{P}-new", "value"),
          prevent_initial_call=True)
def change_password(_clicks, current, new):
    """Other sessions end (the session version goes up); this browser's cookie follows the new version."""
    try:
        with session_scope() as s:
            me = _me(s)
            accounts.change_own_password(s, me, current or "", new or "")
            version = me.session_version
    except OknoError as err:
        return _alert(error_message(err), "danger", "password"), dash.no_update, dash.no_update
    cookie[SESSION_VERSION] = version
    return _alert(_("profile.password.changed"), "success", "password"), "", ""


@callback(Output(f"{P}-token-list", "children"), Output(f"{P}-token-message", "children"),
          Output(f"{P}-token-name", "value"),
          Input(f"{P}-token-create", "n_clicks"), Input({"type": f"{P}-revoke", "id": ALL}, "n_clicks"),
          State(f"{P}-token-name", "value"), prevent_initial_call=True)
def tokens_changed(_create, _revokes, name):
    """Create or revoke; the list is drawn again. One callback: the revoke buttons are its own output, so a
    redrawn list does not fire a stray revoke (see pages/weekly_subscriptions.py)."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and not (ctx.triggered and ctx.triggered[0].get("value")):
        return dash.no_update, dash.no_update, dash.no_update
    try:
        with session_scope() as s:
            me = _me(s)
            if trigger == f"{P}-token-create":
                row, secret = tokens.create(s, me, me, name)
                label = row.name
            else:
                tokens.revoke(s, me, int(trigger["id"]))
    except OknoError as err:
        return dash.no_update, _alert(error_message(err), "danger", "token"), dash.no_update
    if trigger != f"{P}-token-create":
        return _token_rows(), _alert(_("profile.tokens.revoked_now"), "secondary", "token"), dash.no_update
    shown = dbc.Alert([
        html.Div(_("profile.tokens.created_once", name=label), className="fw-semibold"),
        html.Div([html.Code(secret, id=f"{P}-token-secret", className="user-select-all me-2"),
                  dcc.Clipboard(target_id=f"{P}-token-secret", title=_("profile.tokens.copy"),
                                style={"display": "inline-block", "cursor": "pointer"})],
                 className="d-flex align-items-center mt-1"),
        html.Div(_("profile.tokens.example"), className="small mt-2"),
        html.Pre(f'curl -H "Authorization: Bearer {secret}" "{_api_base()}/metrics/throughput?grain=week"',
                 className="small mb-0 text-wrap"),
    ], color="warning", className="py-2 mb-0", id=f"{P}-token-alert")
    return _token_rows(), shown, ""


def _api_base() -> str:
    return get_config().public_url.rstrip("/") + "/api/v1"

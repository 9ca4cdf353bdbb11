"""`/kb/edit?id=N`: write or edit an article — title, service, tags, who may read it, the Markdown body with
a preview of exactly what readers will see — then save, publish (or take back to draft) or delete.
Without `id`, a new draft; saving it opens its own address. `?from_comment=<id>` starts the draft from an agent's
reply on a ticket (the "→ article" link on the card): the ticket's title, the reply's text, the ticket's service."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from components import kb_article
from components.guard import allowed, denied
from components.i18n import _, error_message, field_messages
from components.sla_admin import acting_user
from data import kb
from data.catalog import lookups
from data.db import read_session, session_scope
from data.errors import NotFound, OknoError

dash.register_page(__name__, path="/kb/edit", title="Okno · Article")
P = "kb-edit"
FIELDS = ("title", "service", "tags", "visibility", "body")


def _article_id(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _field(key: str, label: str, component, help_text: str | None = None):
    return html.Div([dbc.Label(label, html_for=f"{P}-{key}", className="fw-semibold"), component,
                     dbc.FormText(help_text) if help_text else None,
                     html.Div(id=f"{P}-{key}-error", className="text-danger small")], className="mb-3")


def _buttons(state: str | None) -> list:
    """Every button is on the page (hidden when not offered), so one callback can name them all."""
    def shown(offered: bool):
        return None if offered else {"display": "none"}
    return [dbc.Button(_("kb.save"), id=f"{P}-save", color="primary", className="me-2"),
            dbc.Button(_("kb.publish"), id=f"{P}-publish", color="success", className="me-2",
                       style=shown(state != "published")),
            dbc.Button(_("kb.unpublish"), id=f"{P}-unpublish", color="secondary", outline=True, className="me-2",
                       style=shown(state == "published")),
            dbc.Button(_("kb.delete"), id=f"{P}-delete", color="danger", outline=True, className="ms-auto",
                       style=shown(state is not None))]


def layout(id=None, from_comment=None, **_kw):  # noqa: A002 — the query parameter's name
    if not allowed("kb"):
        return denied()
    article_id = _article_id(id)
    with read_session() as s:
        services = lookups.services(s)
        try:
            article = kb.get(s, acting_user(s), article_id) if article_id else None
            reply = kb.draft_from_comment(s, acting_user(s), _article_id(from_comment)) \
                if article is None and _article_id(from_comment) else None
        except NotFound:
            return dbc.Alert(_("kb.error.not_found"), color="warning", className="mt-4", id=f"{P}-missing")
        except OknoError as err:
            return dbc.Alert(error_message(err), color="warning", className="mt-4", id=f"{P}-missing")
        state = article.state if article else None
        values = ({"title": article.title, "service": article.service_id, "tags": ", ".join(article.tags or []),
                   "visibility": article.visibility, "body": article.body} if article else
                  {"title": reply["title"] if reply else "", "service": reply["service_id"] if reply else None,
                   "tags": "", "visibility": "requesters", "body": reply["body"] if reply else ""})
    return html.Div([
        dcc.Location(id=f"{P}-go", refresh=True), dcc.Store(id=f"{P}-id", data=article_id),
        html.Div([html.A([html.I(className="bi bi-arrow-left me-1"), _("kb.back")], href="/kb", className="me-3"),
                  html.H3(values["title"] or _("kb.new"), className="mb-0 me-3"),
                  kb_article.state_badge(state, id=f"{P}-state") if state else None],
                 className="d-flex align-items-center mb-3"),
        dbc.Row([
            dbc.Col([
                _field("title", _("kb.field.title"), dbc.Input(id=f"{P}-title", value=values["title"], maxLength=300)),
                dbc.Row([
                    dbc.Col(_field("service", _("kb.field.service"),
                                   dcc.Dropdown(id=f"{P}-service", options=services, value=values["service"],
                                                placeholder=_("kb.any_service"))), md=6),
                    dbc.Col(_field("visibility", _("kb.field.visibility"), dbc.RadioItems(
                        id=f"{P}-visibility", value=values["visibility"], inline=True,
                        options=[{"value": "requesters", "label": _("kb.visibility.requesters")},
                                 {"value": "staff", "label": _("kb.visibility.staff")}])), md=6)]),
                _field("tags", _("kb.field.tags"), dbc.Input(id=f"{P}-tags", value=values["tags"]),
                       _("kb.tags_help")),
                _field("body", _("kb.field.body"), dbc.Textarea(id=f"{P}-body", value=values["body"], rows=16,
                                                                className="font-monospace"), _("kb.body_help")),
                html.Div(id=f"{P}-alert"),
                html.Div(_buttons(state), className="d-flex mb-5"),
            ], lg=6),
            dbc.Col([html.H6(_("kb.preview"), className="text-muted"),
                     dbc.Card(dbc.CardBody(kb_article.body(values["body"]), id=f"{P}-preview"))], lg=6),
        ]),
    ])


@callback(Output(f"{P}-preview", "children"), Input(f"{P}-body", "value"), prevent_initial_call=True)
def preview(body):
    if not allowed("kb"):
        raise PreventUpdate
    return kb_article.body(body)


@callback(Output(f"{P}-alert", "children"), Output(f"{P}-go", "href"),
          [Output(f"{P}-{k}-error", "children") for k in FIELDS],
          Input(f"{P}-save", "n_clicks"), Input(f"{P}-publish", "n_clicks"), Input(f"{P}-unpublish", "n_clicks"),
          Input(f"{P}-delete", "n_clicks"), State(f"{P}-id", "data"),
          [State(f"{P}-{k}", "value") for k in FIELDS], prevent_initial_call=True)
def act(_save, _publish, _unpublish, _delete, article_id, *values):
    action = ctx.triggered_id.rsplit("-", 1)[1] if ctx.triggered_id else None
    if action is None or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    v = dict(zip(FIELDS, values))
    try:
        with session_scope() as s:
            user = acting_user(s)
            if action == "delete":
                kb.delete(s, user, article_id)
                return dash.no_update, "/kb", *[""] * len(FIELDS)
            article = kb.save(s, user, article_id, title=v["title"] or "", body=v["body"] or "",
                              service_id=v["service"] or None, tags=v["tags"] or "", visibility=v["visibility"])
            if action in ("publish", "unpublish"):
                kb.publish(s, user, article.id, published=action == "publish")
            new_id = article.id
    except OknoError as err:
        messages = field_messages(err)
        shown = [messages.get(k, "") for k in FIELDS]
        return dbc.Alert(error_message(err), color="danger", id=f"{P}-error"), dash.no_update, *shown
    # Reload the page: the address, the state badge and the buttons follow the saved article.
    return dbc.Alert(_("kb.saved"), color="success"), f"/kb/edit?id={new_id}", *[""] * len(FIELDS)

"""`/portal/request/<number>`: one of the requester's requests: status, details, child-task progress,
the public conversation, and a reply with files. Another requester's number shows "not found"."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from components import portal_rating, portal_ui
from components.approval_view import portal_line
from data.approvals import view as approval_view
from components.i18n import _, current_locale, error_message
from data.intake import portal
from data.config import get_config
from data.db import read_session, session_scope
from data.errors import NotFound, ValidationError
from web.portal import requester_or_none

dash.register_page(__name__, path_template="/portal/request/<number>", title="Okno · Request")
P = "portal-request"


def _files(items):
    return [html.A([html.I(className="bi bi-paperclip me-1"), f["filename"]], href=f"/portal/file/{f['id']}",
                   className="me-3 small portal-file", target="_blank") for f in items]


def conversation(view: dict):
    tz = ZoneInfo(get_config().timezone)
    if not view["conversation"]:
        return html.P(_("portal.no_messages"), className="text-muted")
    return [dbc.Card(dbc.CardBody([
        html.Div([html.Strong(_("portal.you") if c["mine"] else c["author"]),
                  html.Small(c["at"].astimezone(tz).strftime(" · %d.%m.%Y %H:%M"), className="text-muted")]),
        html.Div(c["body"], style={"whiteSpace": "pre-wrap"}, className="portal-message-body"),
        html.Div(_files(c["files"]))]),
        className=f"mb-2 {'ms-5 border-primary' if c['mine'] else 'me-5'} portal-message") for c in view["conversation"]]


def _rollup(r: dict):
    if not r["total"]:
        return None
    return html.Div([
        html.Div(_("portal.rollup", done=r["done"], total=r["total"]), className="fw-semibold"),
        dbc.Progress(value=100 * r["done"] / r["total"], className="my-1", style={"height": "6px"}),
        html.Ul([html.Li(f"{c['title']} — {c['requester_status']}") for c in r["children"]], className="small mb-0"),
    ], className="mb-3", id=f"{P}-rollup")


def layout(number=None, **_kw):
    locale = current_locale()
    with read_session() as s:
        requester = requester_or_none(s)
        if requester is None:
            return portal_ui.need_login()
        name = requester.name
        try:
            view = portal.request_view(s, requester, int(number))
            rating = portal_rating.widget(s, requester.id, view["id"])
            approval = portal_line(approval_view.for_requester(s, view["id"]), f"{P}-approval")
        except (NotFound, TypeError, ValueError):
            return portal_ui.page(name, dbc.Alert(_("portal.not_found"), color="warning", id=f"{P}-missing"))
    details = [html.Tr([html.Th(label, className="fw-normal text-muted"), html.Td(value)])
               for label, value in view["fields"]]
    return portal_ui.page(name, dbc.Row(dbc.Col([
        html.Div([html.H4(f"#{view['number']} {view['title']}", className="me-auto mb-0", id=f"{P}-title"),
                  portal_ui.status_badge(view["status_label"], view["outcome"], className="fs-6", id=f"{P}-status")], className="d-flex align-items-center mb-1"),
        html.Div(" · ".join(x for x in (view["service"], view["type"]) if x), className="text-muted mb-3"),
        approval,
        rating,
        _rollup(view["rollup"]),
        html.Div(view["description"], style={"whiteSpace": "pre-wrap"}, className="mb-2"),
        html.H6(_("portal.fields")) if details else None,
        dbc.Table(html.Tbody(details), size="sm", responsive=True, className="mb-2", id=f"{P}-fields") if details else None,
        html.Div(_files(view["files"]), className="mb-3"),
        html.H5(_("portal.conversation"), className="mt-3"),
        html.Div(conversation(view), id=f"{P}-conversation"),
        dcc.Store(id=f"{P}-number", data=view["number"]),
        dbc.Label(_("portal.reply"), html_for=f"{P}-body", className="mt-3"),
        dbc.Textarea(id=f"{P}-body", rows=3),
        portal_ui.upload_box(f"{P}-upload", _("portal.attach")),
        html.Div(id=f"{P}-upload-names", className="small text-muted"),
        html.Div(id=f"{P}-feedback", className="mt-2"),
        dbc.Button(_("portal.send"), id=f"{P}-send", color="primary", className="mt-2 mb-5"),
    ], lg=8)))


clientside_callback(ClientsideFunction("okno_portal", "fileNames"), Output(f"{P}-upload-names", "children"),
                    Input(f"{P}-upload", "filename"))


@callback(Output(f"{P}-conversation", "children"), Output(f"{P}-feedback", "children"), Output(f"{P}-body", "value"),
          Output(f"{P}-upload", "contents"),
          Input(f"{P}-send", "n_clicks"), State(f"{P}-number", "data"), State(f"{P}-body", "value"),
          State(f"{P}-upload", "contents"), State(f"{P}-upload", "filename"), prevent_initial_call=True)
def send_reply(n_clicks, number, body, contents, names):
    """The number comes from the browser: portal.reply checks it belongs to this requester."""
    if not n_clicks:
        raise PreventUpdate
    locale = current_locale()
    try:
        with session_scope() as s:
            requester = requester_or_none(s)
            if requester is None:
                return dash.no_update, dbc.Alert(_("portal.need_login"), color="warning"), dash.no_update, dash.no_update
            portal.reply(s, requester, int(number), body or "", portal_ui.decode_uploads(contents, names))
            view = portal.request_view(s, requester, int(number), locale)
    except (NotFound, TypeError, ValueError):
        return dash.no_update, dbc.Alert(_("portal.not_found"), color="danger"), dash.no_update, dash.no_update
    except ValidationError as err:  # says which file or that the message is empty
        message = error_message(err)
        return dash.no_update, dbc.Alert(message, color="danger", id=f"{P}-error"), dash.no_update, dash.no_update
    return conversation(view), dbc.Alert(_("portal.sent"), color="success", duration=3000), "", None

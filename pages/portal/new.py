"""`/portal/new`: service → request type → the type's form (fields appear and hide as you fill it),
required checklist, attachments. Submitting calls data.intake.submit.submit; errors show next to fields."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from components import kb_suggest, portal_ui  # noqa: F401 — kb_suggest: the subject's article suggestions
from components.i18n import _, error_message, field_messages
from components.request_form import error_slot, form
from data.intake import portal
from data.intake import submit as requests
from data.db import read_session, session_scope
from data.errors import Text, ValidationError
from web.portal import requester_or_none

dash.register_page(__name__, path="/portal/new", title="Okno · New request")
P = "portal-new"
SLOTS = ("service", "request_type", "title", "attachments", "values")  # error slots outside the form


def layout(service=None, **_kw):
    with read_session() as s:
        requester = requester_or_none(s)
        if requester is None:
            return portal_ui.need_login()
        name = requester.name
        options = [{"label": x.name, "value": x.id} for x in portal.services(s)]
    chosen = int(service) if str(service or "").isdigit() else None
    return portal_ui.page(name, dbc.Row(dbc.Col(html.Div(id=f"{P}-body", children=[
        html.H4(_("portal.new_request"), className="mb-3"),
        dcc.Location(id=f"{P}-go", refresh=True),
        dbc.Label(_("portal.choose_service"), className="fw-semibold"),
        dcc.Dropdown(id=f"{P}-service", options=options, value=chosen, clearable=False, placeholder="—"),
        html.Div(id=f"{P}-service-help", className="form-text mb-3"), error_slot("service"),
        dbc.Label(_("portal.choose_type"), className="fw-semibold mt-2"),
        dcc.Dropdown(id=f"{P}-type", options=[], value=None, clearable=False, placeholder="—"),
        html.Div(id=f"{P}-type-help", className="form-text mb-3"), error_slot("request_type"),
        html.Div(id=f"{P}-details", style={"display": "none"}, children=[
            html.H5(_("portal.form"), className="mt-3"),
            dbc.Label(_("portal.subject")), dbc.Input(id=f"{P}-title", maxLength=300),
            dbc.FormText(_("portal.subject_help")), error_slot("title"),
            # Articles that may answer it, as the subject is typed (components/kb_suggest.py).
            dcc.Store(id=f"{P}-kb-query"), dcc.Store(id=f"{P}-kb-wait", data=400),
            html.Div(id=f"{P}-kb", **{"aria-live": "polite"}),
            html.Div(id=f"{P}-form", className="mt-3"),
            html.Div([dbc.Label(_("portal.description")), dbc.Textarea(id=f"{P}-description", rows=4, className="mb-3")],
                     id=f"{P}-description-wrap"),
            portal_ui.upload_box(f"{P}-upload", _("portal.attach")),
            html.Div(id=f"{P}-upload-names", className="small text-muted mb-2"),
            error_slot("attachments"), error_slot("values"),
            html.Div(id=f"{P}-alert"),
            dbc.Button(_("portal.submit"), id=f"{P}-submit", color="primary", className="mt-2 mb-5"),
        ]),
        dcc.Store(id=f"{P}-schema"),
    ]), lg=8)))


@callback(Output(f"{P}-type", "options"), Output(f"{P}-type", "value"), Output(f"{P}-service-help", "children"),
          Input(f"{P}-service", "value"))
def service_chosen(service_id):
    if not service_id:
        return [], None, ""
    with read_session() as s:
        if requester_or_none(s) is None:
            raise PreventUpdate
        service = portal.service(s, service_id)
        if service is None:
            raise PreventUpdate
        types = portal.request_types(s, service.id)
        return ([{"label": t.name, "value": t.id} for t in types], types[0].id if len(types) == 1 else None,
                service.description)


@callback(Output(f"{P}-form", "children"), Output(f"{P}-schema", "data"), Output(f"{P}-type-help", "children"),
          Output(f"{P}-details", "style"), Output(f"{P}-description-wrap", "style"),
          Input(f"{P}-type", "value"), Input(f"{P}-service", "value"))
def type_chosen(type_id, service_id):
    """Build the type's form; its own "description" field replaces the generic one. A service without
    request types gets just the subject, description and files."""
    with read_session() as s:
        if requester_or_none(s) is None:
            raise PreventUpdate
        rt = portal.request_type(s, service_id, type_id)
        if rt is None:
            plain = bool(service_id) and not portal.request_types(s, service_id)
            return [], [], "", None if plain else {"display": "none"}, None
        schema = rt.field_schema or []
        own = any(f.get("key") == "description" for f in schema)
        return form(schema, rt.checklist or []), schema, rt.description, None, {"display": "none"} if own else None


# Show-when, live in the browser: hide or show each field as the others change.
clientside_callback(ClientsideFunction("okno_portal", "showWhen"),
                    Output({"type": "portal-wrap", "key": ALL}, "style"),
                    Input({"type": "portal-field", "key": ALL}, "value"),
                    State({"type": "portal-field", "key": ALL}, "id"),
                    State({"type": "portal-wrap", "key": ALL}, "id"), State(f"{P}-schema", "data"),
                    prevent_initial_call=True)

clientside_callback(ClientsideFunction("okno_portal", "fileNames"), Output(f"{P}-upload-names", "children"),
                    Input(f"{P}-upload", "filename"))
clientside_callback(ClientsideFunction("okno_portal", "fileNames"),
                    Output({"type": "portal-file-names", "key": MATCH}, "children"),
                    Input({"type": "portal-file", "key": MATCH}, "filename"))


@callback(Output({"type": "portal-error", "key": ALL}, "children"), Output(f"{P}-alert", "children"),
          Output(f"{P}-go", "href"),
          Input(f"{P}-submit", "n_clicks"),
          State(f"{P}-service", "value"), State(f"{P}-type", "value"), State(f"{P}-title", "value"),
          State(f"{P}-description", "value"),
          State({"type": "portal-field", "key": ALL}, "value"), State({"type": "portal-field", "key": ALL}, "id"),
          State({"type": "portal-file", "key": ALL}, "contents"), State({"type": "portal-file", "key": ALL}, "filename"),
          State({"type": "portal-file", "key": ALL}, "id"), State("portal-new-checklist", "value"),
          State(f"{P}-upload", "contents"), State(f"{P}-upload", "filename"), prevent_initial_call=True)
def submit(n_clicks, service_id, type_id, title, description, values, value_ids, file_contents, file_names,
           file_ids, confirmed, upload_contents, upload_names):
    if not n_clicks:
        raise PreventUpdate
    slots = [o["id"]["key"] for o in ctx.outputs_list[0]]
    form_values = {i["key"]: v for i, v in zip(value_ids, values) if v not in (None, "", [])}
    files = portal_ui.decode_uploads(upload_contents, upload_names)
    for i, contents, names in zip(file_ids, file_contents, file_names):
        files += portal_ui.decode_uploads(contents, names, field=i["key"])
    try:
        with session_scope() as s:
            requester = requester_or_none(s)
            if requester is None:
                return [""] * len(slots), dbc.Alert(_("portal.need_login"), color="warning"), dash.no_update
            if not type_id and service_id and portal.request_types(s, service_id):  # the portal always asks
                raise ValidationError("form.invalid", {"request_type": Text("form.type")})
            ticket = requests.submit(s, requester, service_id=service_id, request_type_id=type_id, title=title or "",
                                     description=description or "", values=form_values,
                                     checklist_confirmed=confirmed or [], channel="portal", attachments=files)
            number = ticket.number
    except ValidationError as err:
        messages = field_messages(err)
        shown = {k: v for k, v in messages.items() if k in slots}
        rest = [v for k, v in messages.items() if k not in slots]
        alert = dbc.Alert([html.Div(error_message(err))] + [html.Div(m) for m in rest], color="danger", id=f"{P}-error")
        return [shown.get(k, "") for k in slots], alert, dash.no_update
    return [""] * len(slots), dbc.Alert(_("portal.created", number=number), color="success"), \
        f"/portal/request/{number}"

"""Shared pieces of the SLA and rules admin pages: the sub-navigation and generic forms.

A form's inputs have ids {"type": "<prefix>-f", "key": <field>}, so one callback reads or fills
the whole form with ALL, and a ValidationError marks exactly the fields it names as invalid.
"""
from __future__ import annotations

import time

import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from data.db import read_session, session_scope
from data.errors import NotFound, OknoError, ValidationError
from data.identity import accounts
from data.models import User

from components.admin_form import confirm_dialog, register_confirm_close, unsaved_mark
from components.admin_nav import breadcrumb
from components.guard import allowed
from components.i18n import N_, _, error_message, field_messages

PAGES = [("/admin/calendars", N_("slaadmin.calendars")), ("/admin/production-calendar", N_("production.title")), ("/admin/sla", N_("slaadmin.policies")),
         ("/admin/priorities", N_("slaadmin.priorities")), ("/admin/rules", N_("slaadmin.rules"))]
# Labels of the rules page's form and table (pages/admin/rules.py passes them as plain keys): for extraction.
RULE_FORM_LABELS = (N_("slaadmin.fired"), N_("slaadmin.last_fired"), N_("slaadmin.opt.column"),
                    N_("slaadmin.opt.field"), N_("slaadmin.opt.author"), N_("slaadmin.opt.target"),
                    N_("slaadmin.opt.minutes"), N_("slaadmin.channels"), N_("slaadmin.fields"),
                    N_("slaadmin.time_from"), N_("slaadmin.time_to"), N_("slaadmin.act.children_board"))


def subnav(active: str):
    return dbc.Nav([dbc.NavItem(dbc.NavLink(_(label), href=href, active=href == active)) for href, label in PAGES],
                   pills=True, className="mb-3")


def fid(prefix: str, key: str) -> dict:
    return {"type": f"{prefix}-f", "key": key}


def all_fields(prefix: str) -> dict:
    return {"type": f"{prefix}-f", "key": ALL}


def labelled(prefix: str, key: str, label: str, component, width: int = 6, help_text: str | None = None):
    children = [dbc.Label(label, html_for=f"{prefix}-{key}"), component]
    if help_text:
        children.append(dbc.FormText(help_text))
    return dbc.Col(children, md=width, className="mb-2")


def text_input(prefix: str, key: str, **kw):
    return dbc.Input(id=fid(prefix, key), type=kw.pop("type", "text"), **kw)


def select(prefix: str, key: str, options: list[dict], empty: str = "—"):
    """A native <select> (fast, and easy to drive in tests); values travel as strings."""
    return dbc.Select(id=fid(prefix, key), options=[{"label": empty, "value": ""}] +
                      [{"label": o["label"], "value": str(o["value"])} for o in options], value="",
                      placeholder=empty)


def multi(prefix: str, key: str, options: list[dict]):
    """A multi-choice dropdown; its id type is "<prefix>-m" (dropdowns have no `invalid` property)."""
    return dcc.Dropdown(id={"type": f"{prefix}-m", "key": key}, options=options, multi=True, value=[],
                        placeholder="—")


def all_multi(prefix: str) -> dict:
    return {"type": f"{prefix}-m", "key": ALL}


def form_values(*positions: int) -> dict:
    """{field key: value} of the pattern-matched fields given as the callback's states at these positions."""
    return {item["id"]["key"]: item.get("value") for p in positions or (0,) for item in ctx.states_list[p]}


def fill(values: dict, output_position: int = 0) -> list:
    """Values for an ALL output of the form, in the order Dash lists the fields."""
    return [values.get(item["id"]["key"]) for item in ctx.outputs_list[output_position]]


def invalid_flags(err: Exception | None, output_position: int) -> list:
    """An error on "first_response" also marks the parts of its duration input ("first_response__d", …)."""
    fields = err.fields if isinstance(err, ValidationError) else {}
    return [item["id"]["key"] in fields or item["id"]["key"].split("__")[0] in fields
            for item in ctx.outputs_list[output_position]]


def problem(err: OknoError, labels: dict[str, str]):
    """The error as an alert listing each field's problem by its label."""
    items = [html.Li(f"{labels.get(k, k)}: {v}") for k, v in field_messages(err).items()]
    return dbc.Alert([html.Div(error_message(err)), html.Ul(items, className="mb-0")] if items else error_message(err),
                     color="danger", className="py-2", id="slaadmin-error")


def saved(text: str):
    return dbc.Alert(text, color="success", className="py-2", duration=4000, id="slaadmin-saved")


def acting_user(session) -> User | None:
    return accounts.active_user(session, current_user.id) if getattr(current_user, "is_authenticated", False) else None


def as_int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def lines(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").splitlines() if x.strip()]


def row_buttons(prefix: str, item_id: int, extra: list | None = None):
    return html.Td((extra or []) + [
        dbc.Button(_("slaadmin.edit"), id={"type": f"{prefix}-edit", "id": item_id}, size="sm", color="link"),
        dbc.Button(_("slaadmin.delete"), id={"type": f"{prefix}-delete", "id": item_id}, size="sm", color="link",
                   className="text-danger")])


def register_editing(prefix: str, load, to_form, delete, table, has_multi: bool = True) -> None:
    """One callback per admin page: Edit fills the form from a row, Delete removes it, New clears the form.
    `load(session, actor, item_id)` and `delete(session, actor, item_id)` are the page's service functions.
    New over unsaved changes first asks (the "<prefix>-discard" dialog); its Yes clears the form."""
    outputs = [Output(all_fields(prefix), "value")] + ([Output(all_multi(prefix), "value")] if has_multi else []) + [
        Output(f"{prefix}-id", "data", allow_duplicate=True), Output(f"{prefix}-list", "children", allow_duplicate=True),
        Output(f"{prefix}-discard", "is_open", allow_duplicate=True),
        Output(f"{prefix}-reset", "data", allow_duplicate=True)]

    @callback(*outputs, Input({"type": f"{prefix}-edit", "id": ALL}, "n_clicks"),
              Input({"type": f"{prefix}-delete", "id": ALL}, "n_clicks"), Input(f"{prefix}-new", "n_clicks"),
              Input(f"{prefix}-discard-yes", "n_clicks"), State(f"{prefix}-dirty", "data"),
              prevent_initial_call=True)
    def edit(_edits, _deletes, _new, _discard, dirty):
        trigger = ctx.triggered_id
        if not ctx.triggered or not ctx.triggered[0].get("value") or not allowed("admin"):
            raise PreventUpdate  # just rendered, not clicked; or not an admin (services check writes too)
        if trigger == f"{prefix}-new" and dirty:  # typed values are not thrown away without a question
            keep = [[no_update] * len(ctx.outputs_list[i]) for i in range(2 if has_multi else 1)]
            return (*keep, no_update, no_update, True, no_update)
        item_id, values, listing = None, to_form(None), no_update
        if isinstance(trigger, dict) and trigger["type"] == f"{prefix}-delete":
            with session_scope() as s:
                delete(s, acting_user(s), trigger["id"])
            listing = table()
        elif isinstance(trigger, dict):
            try:
                with read_session() as s:
                    item = load(s, acting_user(s), trigger["id"])
                    item_id, values = item.id, to_form(item)
            except NotFound:
                pass  # deleted meanwhile: the form stays empty, as for New
        forms = [fill(values, 0)] + ([fill(values, 1)] if has_multi else [])
        return (*forms, item_id, listing, False, time.time())

    register_confirm_close(f"{prefix}-discard")
    register_confirm_close(f"{prefix}-confirm")
    clientside_callback(ClientsideFunction("okno_forms", "dirty"),
                        Output(f"{prefix}-baseline", "data"), Output(f"{prefix}-dirty", "data"),
                        Output(f"{prefix}-unsaved", "className"), Input(f"{prefix}-reset", "data"),
                        Input(all_fields(prefix), "value"), *([Input(all_multi(prefix), "value")] if has_multi else []),
                        State(f"{prefix}-baseline", "data"))


def register_save(prefix: str, save, labels: dict, table, has_multi: bool = True, confirm=None) -> None:
    """The Save button: `save(session, actor, item_id, values)` returns the saved item's (id, name).
    `labels` maps error field keys to message keys, so errors name the fields as the form does.
    `confirm(values)` may return a message id: Save then asks it first (the "<prefix>-confirm" dialog), and
    its Yes saves."""
    states = [State(all_fields(prefix), "value")] + ([State(all_multi(prefix), "value")] if has_multi else [])

    @callback(Output(f"{prefix}-feedback", "children"), Output(f"{prefix}-list", "children"),
              Output(f"{prefix}-id", "data"), Output(all_fields(prefix), "invalid"),
              Output(f"{prefix}-confirm", "is_open", allow_duplicate=True), Output(f"{prefix}-confirm-body", "children"),
              Output(f"{prefix}-reset", "data", allow_duplicate=True),
              Input(f"{prefix}-save", "n_clicks"), Input(f"{prefix}-confirm-yes", "n_clicks"), *states,
              State(f"{prefix}-id", "data"), prevent_initial_call=True)
    def save_form(_n, _yes, *args):
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            raise PreventUpdate
        item_id = args[-1]
        values = form_values(*range(len(states)))
        question = confirm(values) if confirm is not None and ctx.triggered_id == f"{prefix}-save" else None
        if question:
            return no_update, no_update, no_update, [no_update] * len(ctx.outputs_list[3]), True, _(question), no_update
        names = {k: _(v) for k, v in labels.items()}  # message keys, translated for this request
        try:
            with session_scope() as s:
                new_id, name = save(s, acting_user(s), item_id, values)
        except OknoError as err:
            return problem(err, names), no_update, no_update, invalid_flags(err, 3), False, no_update, no_update
        return saved(_("slaadmin.saved", name=name)), table(), new_id, invalid_flags(None, 3), False, no_update, time.time()


def page_head(active: str, title_key: str):
    """Breadcrumb, the SLA pages' sub-navigation and the title."""
    return html.Div([breadcrumb(title_key), subnav(active), html.H3(_(title_key))])


def page(prefix: str, active: str, title_key: str, table, form):
    return html.Div([page_head(active, title_key), html.Div(table, id=f"{prefix}-list"),
                     form, dcc.Store(id=f"{prefix}-id")])


def form_card(prefix: str, *sections):
    """The form with Save and New, the unsaved-changes mark, and the two questions register_editing and
    register_save ask (discard typed values on New; a save that needs confirming)."""
    return dbc.Card(dbc.CardBody([html.Div(id=f"{prefix}-feedback"), *sections,
                                  dbc.Button(_("slaadmin.save"), id=f"{prefix}-save", color="primary", className="me-2"),
                                  dbc.Button(_("slaadmin.new"), id=f"{prefix}-new", color="secondary", outline=True),
                                  unsaved_mark(f"{prefix}-unsaved"),
                                  dcc.Store(id=f"{prefix}-reset"), dcc.Store(id=f"{prefix}-baseline"),
                                  dcc.Store(id=f"{prefix}-dirty", data=False),
                                  confirm_dialog(f"{prefix}-discard", _("form.discard_question"),
                                                 N_("form.discard")),
                                  confirm_dialog(f"{prefix}-confirm", "", N_("form.save_anyway"))]),
                    className="mt-3")

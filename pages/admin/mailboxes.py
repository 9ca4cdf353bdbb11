"""`/admin/mailboxes`: the email channel's mailboxes (EWS or IMAP), each feeding one service. Admins only."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from flask_login import current_user

from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _, current_locale, error_message, field_messages
from data.catalog import lookups
from data.catalog import mailboxes
from data.db import read_session, session_scope
from data.errors import NotFound, OknoError, ValidationError
from ingest.email.probe import probe

dash.register_page(__name__, path="/admin/mailboxes", title="Okno · Mailboxes")

P = "mbx"  # component id prefix for this page
# (field, message key, kind of input); the form and the save callback are built from this list.
FIELDS = [("name", N_("mailboxes.name"), "text"), ("kind", N_("mailboxes.kind"), "kind"),
          ("address", N_("mailboxes.address"), "email"), ("aliases", N_("mailboxes.aliases"), "text"),
          ("service_id", N_("mailboxes.service"), "service"), ("host", N_("mailboxes.host"), "text"),
          ("port", N_("mailboxes.port"), "number"), ("username", N_("mailboxes.username"), "text"),
          ("folder", N_("mailboxes.folder"), "text"), ("move_to", N_("mailboxes.move_to"), "text"),
          ("smtp_host", N_("mailboxes.smtp"), "text"), ("reopen_days", N_("mailboxes.reopen_days"), "number")]
SWITCHES = [("use_ssl", N_("mailboxes.ssl")), ("enabled", N_("mailboxes.enabled")),
            ("plus_addressing", N_("mailboxes.plus_addressing"))]
OFF_BY_DEFAULT = {"plus_addressing"}  # the server must deliver help+1234@ to help@ first


def _input(field: str, kind: str, services: list[dict]):
    if kind == "kind":
        return dbc.Select(id=f"{P}-{field}", options=[{"label": "IMAP", "value": "imap"},
                                                       {"label": "Exchange (EWS)", "value": "ews"}], value="imap")
    if kind == "service":
        return dbc.Select(id=f"{P}-{field}", options=services)
    return dbc.Input(id=f"{P}-{field}", type=kind, debounce=False)


def _table(rows: list[dict]):
    if not rows:
        return html.P(_("mailboxes.none"), className="text-muted", id=f"{P}-empty")
    labels = (N_("mailboxes.name"), N_("mailboxes.kind"), N_("mailboxes.address"), N_("mailboxes.service"),
              N_("mailboxes.enabled"), N_("mailboxes.last_run"), N_("mailboxes.last_error"))
    head = html.Thead(html.Tr([html.Th(_(k)) for k in labels] + [html.Th()]))
    body = html.Tbody([html.Tr([
        html.Td(r["name"]), html.Td(r["kind"].upper()), html.Td(r["address"]), html.Td(r["service"]),
        html.Td(html.I(className="bi bi-check-lg" if r["enabled"] else "bi bi-pause")),
        html.Td(r["last_run_at"].strftime("%Y-%m-%d %H:%M") if r["last_run_at"] else "—"),
        html.Td(r["last_error"], className="text-danger small"),
        html.Td(dbc.Button(_("mailboxes.edit"), id={"type": f"{P}-edit", "id": r["id"]}, size="sm",
                           color="link")),
    ]) for r in rows])
    return dbc.Table([head, body], hover=True, size="sm", responsive=True, className="okno-table", id=f"{P}-table")


def _title(box) -> str:
    return f"{_('mailboxes.edit')}: {box.name or box.address}"


def _rows() -> list[dict]:
    with read_session() as s:
        return mailboxes.listing(s, current_user._get_current_object())


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    with read_session() as s:
        services = lookups.services(s)
    form = [dbc.Col([dbc.Label(_(label), html_for=f"{P}-{field}"), _input(field, kind, services),
                     dbc.FormFeedback(id=f"{P}-{field}-error", type="invalid")], md=4, className="mb-2")
            for field, label, kind in FIELDS]
    form.append(dbc.Col([dbc.Label(_("mailboxes.password"), html_for=f"{P}-password"),
                         dbc.Input(id=f"{P}-password", type="password", placeholder=_("mailboxes.password_keep"),
                                   autoComplete="new-password")], md=4, className="mb-2"))
    form += [dbc.Col(dbc.Switch(id=f"{P}-{field}", label=_(label), value=field not in OFF_BY_DEFAULT), md=2,
                     className="mt-4") for field, label in SWITCHES]
    return html.Div([
        breadcrumb("admin.mailboxes"), html.H4(_("mailboxes.title")),
        html.P(_("mailboxes.intro"), className="text-muted"),
        html.Div(_table(_rows()), id=f"{P}-list"),
        dbc.Card(dbc.CardBody([
            html.H5(_("mailboxes.new"), id=f"{P}-form-title"),
            dcc.Store(id=f"{P}-editing"),
            dbc.Row(form),
            dbc.Button(_("mailboxes.save"), id=f"{P}-save", color="primary", className="mt-2 me-2"),
            dbc.Button([html.I(className="bi bi-plug me-1"), _("mailboxes.test")], id=f"{P}-test",
                       color="secondary", outline=True, className="mt-2", title=_("mailboxes.test_help")),
            html.Div(id=f"{P}-message", className="mt-2"),
            dcc.Loading(html.Div(id=f"{P}-probe", className="mt-2"), type="dot"),
        ]), className="mt-3"),
    ])


@callback([Output(f"{P}-{field}", "value", allow_duplicate=True) for field, _l, _k in FIELDS] +
          [Output(f"{P}-{field}", "value", allow_duplicate=True) for field, _l in SWITCHES] +
          [Output(f"{P}-editing", "data"), Output(f"{P}-form-title", "children")],
          Input({"type": f"{P}-edit", "id": ALL}, "n_clicks"), prevent_initial_call=True)
def edit(_clicks):
    """Fill the form with the chosen mailbox (the password is never sent to the browser)."""
    if not ctx.triggered_id or not any(_clicks) or not allowed("admin"):
        return [no_update] * (len(FIELDS) + len(SWITCHES) + 2)
    try:
        with read_session() as s:
            box = mailboxes.get(s, current_user._get_current_object(), ctx.triggered_id["id"])
            values = [", ".join(box.aliases or []) if f == "aliases" else getattr(box, f) for f, _l, _k in FIELDS]
            values += [getattr(box, f) for f, _l in SWITCHES]
            return values + [box.id, _title(box)]
    except NotFound:  # deleted meanwhile
        return [no_update] * (len(FIELDS) + len(SWITCHES) + 2)


def _form_values(values) -> tuple[dict, str | None, int | None]:
    """(field values, typed password, id of the mailbox being edited) from the states FORM_STATES lists."""
    names = [f for f, _l, _k in FIELDS] + [f for f, _l in SWITCHES]
    return dict(zip(names, values[:len(names)])), values[len(names)], values[len(names) + 1]


FORM_STATES = ([State(f"{P}-{field}", "value") for field, _l, _k in FIELDS] +
               [State(f"{P}-{field}", "value") for field, _l in SWITCHES] +
               [State(f"{P}-password", "value"), State(f"{P}-editing", "data")])


@callback(Output(f"{P}-message", "children"), Output(f"{P}-list", "children"),
          [Output(f"{P}-{field}", "invalid") for field, _l, _k in FIELDS] +
          [Output(f"{P}-{field}-error", "children") for field, _l, _k in FIELDS] +
          [Output(f"{P}-editing", "data", allow_duplicate=True), Output(f"{P}-form-title", "children",
                                                                         allow_duplicate=True)],
          Input(f"{P}-save", "n_clicks"), FORM_STATES, prevent_initial_call=True)
def save(_n, *values):
    data, password, editing = _form_values(values)
    errors: dict[str, str] = {}
    saved_id, title = no_update, no_update
    try:
        with session_scope() as s:
            box = mailboxes.save(s, current_user._get_current_object(), data, mailbox_id=editing, password=password)
            saved_id, title = box.id, _title(box)  # a new mailbox is now this one: Save again updates it
        message = dbc.Alert(_("mailboxes.saved"), color="success", id=f"{P}-saved", duration=4000)
    except ValidationError as err:
        errors = field_messages(err)
        message = dbc.Alert(error_message(err), color="danger", id=f"{P}-failed")
    except OknoError as err:
        message = dbc.Alert(error_message(err), color="danger", id=f"{P}-failed")
    invalid = [f in errors for f, _l, _k in FIELDS]
    texts = [errors.get(f, "") for f, _l, _k in FIELDS]
    return [message, _table(_rows())] + invalid + texts + [saved_id, title]


@callback(Output(f"{P}-probe", "children"), Input(f"{P}-test", "n_clicks"), FORM_STATES, prevent_initial_call=True)
def test_connection(_n, *values):
    """Sign in with the settings as typed (not saved); the stored password when none is typed."""
    data, password, editing = _form_values(values)
    try:
        with read_session() as s:
            box = mailboxes.probe_settings(s, current_user._get_current_object(), data, editing, password)
    except ValidationError as err:
        problems = "; ".join(f"{_(label)}: {field_messages(err)[f]}" for f, label, _k in FIELDS
                             if f in field_messages(err))
        return dbc.Alert(f"{error_message(err)} {problems}".strip(), color="danger", id=f"{P}-probe-failed")
    except OknoError as err:
        return dbc.Alert(error_message(err), color="danger", id=f"{P}-probe-failed")
    result = probe(box)  # outside the session: the network wait holds no database connection
    return dbc.Alert([html.I(className=f"bi {'bi-check-circle' if result.ok else 'bi-x-circle'} me-2"),
                      result.text.message(current_locale())], color="success" if result.ok else "danger",
                     id=f"{P}-probe-ok" if result.ok else f"{P}-probe-failed", className="py-2")

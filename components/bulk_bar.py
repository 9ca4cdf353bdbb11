"""The bulk bar: act on the tickets selected on the ticket list (its grid's checkboxes) or on a board
(its select mode: a click on a card ticks it, assets/board_select.js).

`bulk_bar()` (the list) or `bulk_bar(board=True)` draws a "select all on this page" button (on a board: a
"select" toggle) and a bar that appears while tickets are selected: choose an action (assign, status, column, priority, close, add or remove a tag), its value,
apply. The change runs through data/tickets/bulk.py (each ticket through its own service, permission
checked per ticket); the result says how many tickets changed and why the others were refused. The
grid's rows must carry the ticket's `id`.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from babel import Locale
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html
from flask_login import current_user

from components.i18n import N_, _, current_locale, error_message
from data.catalog import lookups
from data.db import read_session, session_scope
from data.errors import OknoError, PermissionDenied
from data.models import COLUMN_KINDS
from data.tickets import bulk

B = "bulk"  # component id prefix
GRID = "tickets-grid"  # the ticket list's grid (pages/tickets.py)
BOARD = "board"  # the selection's source on a board page: its cards, not a grid
SHOWN_REASONS = 10
# "Changed N tickets" and "N refused" in the reader's plural form: one / few / many (English: one / many).
CHANGED = {"one": N_("bulk.changed.one"), "few": N_("bulk.changed.few"), "many": N_("bulk.changed.many")}
REFUSED = {"one": N_("bulk.refused.one"), "few": N_("bulk.refused.few"), "many": N_("bulk.refused.many")}
SELECTED = {"one": N_("bulk.selected.one"), "few": N_("bulk.selected.few"), "many": N_("bulk.selected.many")}
TAG_ACTIONS = ("add_tag", "remove_tag")
NO_VALUE = ("close",)


def counted(forms: dict[str, str], n: int) -> str:
    """`n` with the words its plural form needs in the viewer's language ("12 заявок", "2 tickets")."""
    form = Locale.parse(current_locale()).plural_form(n)
    return _(forms.get(form, forms["many"]), n=n)


def bulk_bar(board: bool = False):
    actions = [{"value": a, "label": _(label)} for a, label in bulk.ACTION_LABELS.items()]
    bar = html.Div(html.Div([
        html.Strong(id=f"{B}-count", className="me-2"),
        html.Label(_("bulk.action"), htmlFor=f"{B}-action", className="visually-hidden"),
        dbc.Select(id=f"{B}-action", options=actions, value="assign", size="sm", style={"maxWidth": "14rem"},
                   className="me-2"),
        html.Label(_("bulk.value"), htmlFor=f"{B}-value", className="visually-hidden"),
        dbc.Select(id=f"{B}-value", options=[], size="sm", className="me-2", style={"maxWidth": "18rem"}),
        html.Label(_("tickets.tags"), htmlFor=f"{B}-tag", className="visually-hidden"),
        dbc.Input(id=f"{B}-tag", size="sm", placeholder=_("bulk.tag_placeholder"), maxLength=200,
                  style={"display": "none", "maxWidth": "14rem"}, className="me-2"),
        dbc.Button(_("bulk.apply"), id=f"{B}-apply", color="primary", size="sm", className="me-2"),
        dbc.Button(_("bulk.clear"), id=f"{B}-clear", color="link", size="sm"),
    ], className="okno-bulk-bar d-flex align-items-center flex-wrap mb-2"),  # (d-flex would beat display: none)
        id=f"{B}-bar", style={"display": "none"}, role="region", **{"aria-label": _("bulk.bar")})
    buttons = [dbc.Button([html.I(className="bi bi-check2-square me-1"), _("bulk.select_page")],
                          id=f"{B}-select-page", color="outline-secondary", size="sm", className="me-2")]
    if board:  # a click on a card opens it; in select mode it ticks it instead
        buttons.insert(0, dbc.Button([html.I(className="bi bi-ui-checks me-1"), _("bulk.select_mode")],
                                     id=f"{B}-select-mode", color="outline-secondary", size="sm", className="me-2"))
    return html.Div([
        html.Div(buttons, className="mb-2 d-flex", id=f"{B}-buttons"),
        bar,
        dbc.Alert(id=f"{B}-result", is_open=False, dismissable=True, className="py-1 okno-note"),
        dcc.Store(id=f"{B}-grid", data=BOARD if board else GRID), dcc.Store(id=f"{B}-selected", data=[]),
        dcc.Store(id=f"{B}-done"), dcc.Store(id=f"{B}-sink"),
    ])


# Selecting every loaded row and clearing the selection happen in the browser (the grid's API, or the board's
# cards); the selected ticket ids land in the `bulk-selected` store.
clientside_callback(ClientsideFunction("okno_bulk", "fromGrid"), Output(f"{B}-selected", "data"),
                    Input(GRID, "selectedRows"), prevent_initial_call=True)
clientside_callback(ClientsideFunction("okno_bulk", "toggleSelectMode"), Output(f"{B}-sink", "data", allow_duplicate=True),
                    Input(f"{B}-select-mode", "n_clicks"), prevent_initial_call=True)
clientside_callback(ClientsideFunction("okno_bulk", "selectLoaded"), Output(f"{B}-sink", "data"),
                    Input(f"{B}-select-page", "n_clicks"), State(f"{B}-grid", "data"), prevent_initial_call=True)
clientside_callback(ClientsideFunction("okno_bulk", "clearSelection"), Output(f"{B}-sink", "data", allow_duplicate=True),
                    Input(f"{B}-clear", "n_clicks"), State(f"{B}-grid", "data"), prevent_initial_call=True)
# After an action: reload the rows (they changed) and clear the selection.
clientside_callback(ClientsideFunction("okno_bulk", "refresh"), Output(f"{B}-sink", "data", allow_duplicate=True),
                    Input(f"{B}-done", "data"), State(f"{B}-grid", "data"), prevent_initial_call=True)


@callback(Output(f"{B}-bar", "style"), Output(f"{B}-count", "children"),
          Input(f"{B}-selected", "data"), prevent_initial_call=True)
def selection(ids):
    n = len(ids or [])
    return ({"display": "none"} if not n else {}), (counted(SELECTED, n) if n else "")


def _value_options(action: str) -> list[dict]:
    if action == "status":
        return [{"value": k, "label": _(f"status.{k}")} for k in COLUMN_KINDS]
    with read_session() as s:
        if action == "assign":
            return [{"value": 0, "label": _("tickets.unassigned")}] + lookups.agents(s)
        if action == "column":
            return lookups.columns(s)
        if action == "priority":
            return [{"value": 0, "label": "—"}] + [{"value": p["value"], "label": p["label"]}
                                                     for p in lookups.priorities(s, current_locale())]
    return []


@callback(Output(f"{B}-value", "options"), Output(f"{B}-value", "value"), Output(f"{B}-value", "style"),
          Output(f"{B}-tag", "style"), Input(f"{B}-action", "value"))
def action_chosen(action):
    """The value to choose for the action: an agent, a status, a column, a priority, or a typed tag."""
    shown, hidden = {"maxWidth": "18rem"}, {"display": "none"}
    if action in TAG_ACTIONS:
        return [], "", hidden, {"maxWidth": "14rem"}
    if action in NO_VALUE:
        return [], "", hidden, hidden
    # "Choose…" first: applying without choosing is refused here, never read as "unassigned" or "no priority".
    options = [{"value": "", "label": _("bulk.choose")}] + [
        {"value": str(o["value"]), "label": o["label"]} for o in _value_options(action)]
    return options, "", shown, hidden


def _result(outcome: bulk.Outcome) -> tuple[list, str]:
    parts = [counted(CHANGED, len(outcome.done)) if outcome.done else _("bulk.nothing_changed")]
    color = "success"
    if outcome.refused:
        color = "warning"
        reasons, seen = [], set()
        for number, err in outcome.refused[:SHOWN_REASONS]:
            # A permission refusal goes to the audit log once per distinct reason, not once per ticket.
            text = error_message(err) if isinstance(err, PermissionDenied) and err.key not in seen else \
                err.message(current_locale())
            seen.add(err.key)
            reasons.append(f"#{number} — {text}")
        more = len(outcome.refused) - SHOWN_REASONS
        parts[0] += ", " + counted(REFUSED, len(outcome.refused)) + ":"
        items = [html.Li(r) for r in reasons] + ([html.Li(_("bulk.more_refused", n=more))] if more > 0 else [])
        return [html.Span(parts[0]), html.Ul(items, className="mb-0 small", id=f"{B}-reasons")], color
    return [html.Span(parts[0])], color


@callback(Output(f"{B}-result", "children"), Output(f"{B}-result", "color"), Output(f"{B}-result", "is_open"),
          Output(f"{B}-done", "data"),
          Input(f"{B}-apply", "n_clicks"), State(f"{B}-selected", "data"), State(f"{B}-action", "value"),
          State(f"{B}-value", "value"), State(f"{B}-tag", "value"), prevent_initial_call=True)
def apply(n_clicks, ids, action, value, tag):
    """Run the action on the selected tickets (their ids) in one transaction, each in its own savepoint."""
    user = current_user._get_current_object()
    ids = list(ids) if isinstance(ids, list) else []
    if action not in TAG_ACTIONS + NO_VALUE and value in (None, ""):
        return _("errors.bulk_bad_value"), "danger", True, dash.no_update
    try:
        with session_scope() as s:
            outcome = bulk.run(s, user, ids, action, tag if action in TAG_ACTIONS else value)
    except OknoError as err:
        return error_message(err), "danger", True, dash.no_update
    children, color = _result(outcome)
    return children, color, True, n_clicks

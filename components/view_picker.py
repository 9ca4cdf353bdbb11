"""Saved views on the ticket list: pick one (a link to /tickets?view=<id>), save the current filters under a
name (private or shared with a team), delete the ones you may. The rules are in data/tickets/saved_views.py.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components.i18n import _, error_message
from data.db import read_session, session_scope
from data.errors import OknoError
from data.tickets import saved_views

V = "views"  # component id prefix
FILTER_STORE = "tickets-filter"


def rows(user, page: str = "tickets") -> list[dict]:
    """The views `user` may pick on `page`, with the team each is shared with and whether they may delete it."""
    with read_session() as s:
        teams = dict(saved_views.share_teams(s, user))
        return [{"id": v.id, "name": v.name, "team": teams.get(v.team_id) if v.team_id else None,
                 "mine": v.user_id == user.id, "deletable": saved_views.may_delete(s, user, v)}
                for v in saved_views.visible(s, user, page)]


def share_options(user) -> list[dict]:
    with read_session() as s:
        return [{"value": "me", "label": _("views.private")}] + [
            {"value": i, "label": _("views.share_with", team=n)} for i, n in saved_views.share_teams(s, user)]


def _menu_items(found: list[dict]) -> list:
    items = [dbc.DropdownMenuItem([r["name"], html.Small(f" · {r['team']}", className="text-muted") if r["team"]
                                   else None], href=f"/tickets?view={r['id']}", external_link=True)
             for r in found]
    return items or [dbc.DropdownMenuItem(_("views.none"), disabled=True)]


def deletable_list(rows: list[dict], prefix: str = V) -> list:
    """The views with a delete button on those the viewer may delete (inside the save form)."""
    return [html.Span([r["name"], html.Small(f" · {r['team']}" if r["team"] else "", className="text-muted"),
                       html.Button("×", id={"type": f"{prefix}-delete", "id": r["id"]}, n_clicks=0, type="button",
                                   className="btn btn-link btn-sm p-0 ms-1 text-danger", title=_("views.delete"),
                                   **{"aria-label": _("views.delete_named", name=r["name"])})
                       if r["deletable"] else None],
                      className="badge text-bg-light border me-1") for r in rows]


def views_bar(prefix: str, found: list[dict], share: list[dict], menu_items: list, label: str,
              name: str = "") -> html.Div:
    """The "Views" menu, "Save current" and the save form (name, sharing, the deletable views), with ids under
    `prefix`: the ticket list and the board (components/board_views.py) differ only in what a pick does."""
    form = dbc.Card(dbc.CardBody(dbc.Row([
        dbc.Col([dbc.Label(_("views.name"), html_for=f"{prefix}-name"),
                 dbc.Input(id=f"{prefix}-name", size="sm", maxLength=saved_views.MAX_NAME, value=name)], md=4),
        dbc.Col([dbc.Label(_("views.share"), html_for=f"{prefix}-share"),
                 dbc.Select(id=f"{prefix}-share", options=share, value="me", size="sm")], md=4),
        dbc.Col(dbc.Button(_("views.save"), id=f"{prefix}-save", color="primary", size="sm", className="mt-4"), md=2),
        dbc.Col(html.Div(deletable_list(found, prefix), id=f"{prefix}-list", className="small"), md=12),
    ], className="g-2")), className="mb-2")
    return html.Div([
        html.Div([
            dbc.DropdownMenu(menu_items, id=f"{prefix}-menu", label=label, size="sm", color="light", className="me-2"),
            dbc.Button([html.I(className="bi bi-bookmark-plus me-1"), _("views.save_current")], id=f"{prefix}-toggle",
                       color="outline-secondary", size="sm", className="me-2"),
            html.Div(id=f"{prefix}-status", className="small text-muted flex-grow-1"),
        ], className="d-flex align-items-center mb-2"),
        dbc.Collapse(form, id=f"{prefix}-form", is_open=False),
    ])


def view_picker(current: str | None = None):
    """The "Views" menu and the save form. `current`: the name of the view the page opened with."""
    user = current_user._get_current_object()
    found = rows(user)
    return views_bar(V, found, share_options(user), _menu_items(found), current or _("views.title"), current or "")


@callback(Output(f"{V}-form", "is_open"), Input(f"{V}-toggle", "n_clicks"), State(f"{V}-form", "is_open"),
          prevent_initial_call=True)
def toggle(_n, is_open):
    return not is_open


@callback(Output(f"{V}-status", "children"), Output(f"{V}-menu", "children"), Output(f"{V}-list", "children"),
          Input(f"{V}-save", "n_clicks"), Input({"type": f"{V}-delete", "id": ALL}, "n_clicks"),
          State(f"{V}-name", "value"), State(f"{V}-share", "value"), State(FILTER_STORE, "data"),
          prevent_initial_call=True)
def save_or_delete(_save, _deletes, name, share, query):
    """Save the list's current filters under the name (shared with the chosen team), or delete a view."""
    saved = keep(V, "tickets", name, share, query)
    if isinstance(saved, dbc.Alert):
        return saved, dash.no_update, dash.no_update
    status = _("views.deleted")
    if isinstance(saved, tuple):
        status = html.Span([_("views.saved", name=saved[1]), " ",
                            html.A(_("views.open_link"), href=f"/tickets?view={saved[0]}", id=f"{V}-link")])
    found = rows(current_user._get_current_object())
    return status, _menu_items(found), deletable_list(found)


def keep(prefix: str, page: str, name, share, query):
    """The save form's click (the list's and the board's): delete the view whose × was clicked, or save the
    filters `query` under `name`, shared with the team `share` names. Returns (id, name) of a saved view,
    None after a delete, or an error alert; a redraw of the delete buttons (nothing clicked) is no update."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and not (ctx.triggered and ctx.triggered[0].get("value")):
        raise PreventUpdate  # the list was redrawn, nothing was clicked
    user = current_user._get_current_object()
    try:
        with session_scope() as s:
            if isinstance(trigger, dict):
                saved_views.delete(s, user, trigger["id"])
                return None
            row = saved_views.save(s, user, name=name or "", query=query or {}, page=page,
                                   team_id=int(share) if str(share or "").isdigit() else None)
            return row.id, row.name
    except OknoError as err:
        return dbc.Alert(error_message(err), color="danger", className="py-1 mb-0")


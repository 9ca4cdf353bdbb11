"""`/board-settings?board=<id>`: managers create boards and set up columns (kind, WIP limit, time
limit, order) and lanes (agent, line or unit, with a WIP limit). Rows are edited in place; one
callback per table applies the clicked row's action through data/boards/setup.py.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components.guard import allowed, denied
from components.i18n import N_, _, error_message
from data.boards import setup as boards
from data.catalog import lookups
from data.db import read_session, session_scope
from data.errors import OknoError
from data.models import COLUMN_KINDS, COLUMN_OUTCOMES, LANE_MODES

dash.register_page(__name__, path="/board-settings", title="Okno · Board settings")

P = "bs"
COL_FIELDS = ("name", "kind", "wip", "hard", "time", "status", "outcome")
LANE_FIELDS = ("name", "user", "team", "owner", "wip")
# Shown as _(f"settings.col_{field}"), _(f"settings.lane_{field}"), _(f"settings.{act}") and
# _(f"settings.mode_{mode}"): the message ids, for extraction.
COL_LABELS = (N_("settings.col_name"), N_("settings.col_kind"), N_("settings.col_wip"), N_("settings.col_hard"),
              N_("settings.col_time"), N_("settings.col_status"), N_("settings.col_outcome"))
# A done column's outcome: the portal shows a declined request in grey under its own label.
OUTCOME_LABELS = {"done": N_("settings.outcome_done"), "declined": N_("settings.outcome_declined")}
LANE_LABELS = (N_("settings.lane_name"), N_("settings.lane_user"), N_("settings.lane_team"), N_("settings.lane_owner"),
               N_("settings.lane_wip"))
ACT_LABELS = (N_("settings.save"), N_("settings.up"), N_("settings.down"), N_("settings.delete"))
MODE_LABELS = (N_("settings.mode_none"), N_("settings.mode_agent"), N_("settings.mode_line"), N_("settings.mode_unit"))


def _input(kind: str, item: int, field: str, value, **kw):
    return dbc.Input(id={"type": f"{P}-{kind}-{field}", "id": item}, value=value, size="sm", **kw)


def _select(kind: str, item: int, field: str, value, options):
    return dbc.Select(id={"type": f"{P}-{kind}-{field}", "id": item}, value=value if value is not None else "",
                      options=[{"value": "", "label": "—"}] + options, size="sm")


def _buttons(kind: str, item: int, acts):
    icons = {"save": "bi-check-lg", "up": "bi-arrow-up", "down": "bi-arrow-down", "delete": "bi-trash"}
    return html.Div([dbc.Button(html.I(className=f"bi {icons[a]}"), id={"type": f"{P}-{kind}-act", "id": item, "act": a},
                                size="sm", color="outline-danger" if a == "delete" else "outline-secondary",
                                className="me-1", title=_(f"settings.{a}")) for a in acts], className="text-nowrap")


def _columns_table(board):
    kinds = [{"value": k, "label": _(f"status.{k}")} for k in COLUMN_KINDS]
    outcomes = [{"value": o, "label": _(OUTCOME_LABELS[o])} for o in COLUMN_OUTCOMES]
    head = html.Thead(html.Tr([html.Th(_(f"settings.col_{f}"), title=_("settings.outcome_help") if f == "outcome"
                                       else None) for f in COL_FIELDS] + [html.Th("")]))
    rows = []
    for c in list(board.columns) + [None]:
        i = c.id if c else 0
        rows.append(html.Tr([
            html.Td(_input("col", i, "name", c.name if c else "", placeholder=_("settings.new_column"))),
            html.Td(dbc.Select(id={"type": f"{P}-col-kind", "id": i}, options=kinds, size="sm",
                               value=c.kind if c else "in_progress")),
            html.Td(_input("col", i, "wip", c.wip_limit if c else None, type="number", min=1, style={"width": "6rem"})),
            html.Td(dbc.Checkbox(id={"type": f"{P}-col-hard", "id": i}, value=bool(c and c.wip_hard))),
            html.Td(_input("col", i, "time", c.time_limit_minutes if c else None, type="number", min=1,
                           style={"width": "6rem"})),
            html.Td(_input("col", i, "status", c.requester_status if c else "")),
            html.Td(dbc.Select(id={"type": f"{P}-col-outcome", "id": i}, options=outcomes, size="sm",
                               value=(c.outcome if c else None) or "done", disabled=bool(c) and c.kind != "done")),
            html.Td(_buttons("col", i, ("save", "up", "down", "delete") if c else ("save",))),
        ], **{"data-column-id": i}))
    return html.Div([dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, className="align-middle",
                               id=f"{P}-columns"), dbc.FormText(_("settings.outcome_help"), className="d-block mb-3")])


def _lanes_table(board, s):
    agents, teams = lookups.agents(s), lookups.teams(s)
    head = html.Thead(html.Tr([html.Th(_(f"settings.lane_{f}")) for f in LANE_FIELDS] + [html.Th("")]))
    rows = []
    for lane in list(board.lanes) + [None]:
        i = lane.id if lane else 0
        rows.append(html.Tr([
            html.Td(_input("lane", i, "name", lane.name if lane else "", placeholder=_("settings.new_lane"))),
            html.Td(_select("lane", i, "user", lane.user_id if lane else None, agents)),
            html.Td(_select("lane", i, "team", lane.team_id if lane else None, teams)),
            html.Td(_select("lane", i, "owner", lane.owner_id if lane else None, agents)),
            html.Td(_input("lane", i, "wip", lane.wip_limit if lane else None, type="number", min=1,
                           style={"width": "6rem"})),
            html.Td(_buttons("lane", i, ("save", "up", "down", "delete") if lane else ("save",))),
        ], **{"data-lane-id": i}))
    return dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, className="align-middle", id=f"{P}-lanes")


def _board_form(board, s):
    modes = [{"value": m, "label": _(f"settings.mode_{m}")} for m in LANE_MODES]
    return dbc.Row([
        dbc.Col([dbc.Label(_("settings.board_name")), dbc.Input(id=f"{P}-name", value=board.name if board else "")], md=4),
        dbc.Col([dbc.Label(_("settings.lane_mode")), dbc.Select(id=f"{P}-mode", options=modes,
                                                                value=board.lane_mode if board else "agent")], md=3),
        dbc.Col([dbc.Label(_("settings.team")), dbc.Select(id=f"{P}-team", options=[{"value": "", "label": "—"}] +
                                                           lookups.teams(s), value=board.team_id if board and board.team_id else "")], md=3),
        dbc.Col(dbc.Button(_("settings.save_board") if board else _("settings.create_board"), id=f"{P}-save-board",
                           color="primary", className="mt-4"), md=2),
    ], className="g-2 mb-3")


def _content(board_id: int | None):
    user = current_user._get_current_object()
    with read_session() as s:
        board = boards.get(s, user, board_id) if board_id else None
        parts = [_board_form(board, s)]
        if board is not None:
            parts += [html.H5(_("settings.columns")), _columns_table(board),
                      html.H5(_("settings.lanes")), _lanes_table(board, s),
                      html.A(_("settings.open_board"), href=f"/board/{board.id}", id=f"{P}-open")]
        return parts


def layout(board=None, **_kw):
    if not allowed("board_settings"):
        return denied()
    board_id = int(board) if str(board or "").isdigit() else None
    try:
        content = _content(board_id)
    except OknoError as err:
        return dbc.Alert(error_message(err), color="warning", className="mt-4")
    return html.Div([html.H4(_("board.settings"), className="my-3"), dcc.Store(id=f"{P}-board", data=board_id),
                     dcc.Location(id=f"{P}-go", refresh=True),
                     dbc.Alert(id=f"{P}-msg", is_open=False, dismissable=True, className="py-1"),
                     html.Div(content, id=f"{P}-content")], style={"maxWidth": "1200px"})


def _row(kind: str, fields, item: int) -> dict:
    """The values of one row from the pattern-matching states (each state is a list over rows)."""
    out = {}
    for field, states in zip(fields, ctx.states_list[1:1 + len(fields)]):
        out[field] = next((st.get("value") for st in states if st["id"]["id"] == item), None)
    return out


def _apply(kind: str, fields, clicks, board_id, save) -> tuple:
    """Run the clicked row's action (save / up / down / delete) for columns or lanes."""
    if not ctx.triggered_id or not any(clicks):
        raise PreventUpdate
    item, act = ctx.triggered_id["id"], ctx.triggered_id["act"]
    values = _row(kind, fields, item)
    user = current_user._get_current_object()
    shift, delete = ((boards.move_column, boards.delete_column) if kind == "col" else
                     (boards.move_lane, boards.delete_lane))
    try:
        with session_scope() as s:
            if act == "save":
                save(s, user, item or None, values)
            elif act in ("up", "down"):
                shift(s, user, board_id, item, -1 if act == "up" else 1)
            elif act == "delete":
                delete(s, user, board_id, item)
    except OknoError as err:
        return dash.no_update, error_message(err), True, "danger"
    return _content(board_id), _("ticket.saved"), True, "success"


def _opt(x) -> int | None:
    return int(x) if str(x or "").isdigit() else None


def _outputs():
    return [Output(f"{P}-content", "children", allow_duplicate=True),
            Output(f"{P}-msg", "children", allow_duplicate=True), Output(f"{P}-msg", "is_open", allow_duplicate=True),
            Output(f"{P}-msg", "color", allow_duplicate=True)]


@callback(*_outputs(), Input({"type": f"{P}-col-act", "id": ALL, "act": ALL}, "n_clicks"), State(f"{P}-board", "data"),
          *[State({"type": f"{P}-col-{f}", "id": ALL}, "value") for f in COL_FIELDS], prevent_initial_call=True)
def column_action(clicks, board_id, *_values):
    return _apply("col", COL_FIELDS, clicks, board_id, lambda s, user, item, v: boards.save_column(
        s, user, board_id, column_id=item, name=v["name"], kind=v["kind"], wip_limit=v["wip"], wip_hard=v["hard"],
        time_limit_minutes=v["time"], requester_status=v["status"], outcome=v["outcome"]))


@callback(*_outputs(), Input({"type": f"{P}-lane-act", "id": ALL, "act": ALL}, "n_clicks"), State(f"{P}-board", "data"),
          *[State({"type": f"{P}-lane-{f}", "id": ALL}, "value") for f in LANE_FIELDS], prevent_initial_call=True)
def lane_action(clicks, board_id, *_values):
    return _apply("lane", LANE_FIELDS, clicks, board_id, lambda s, user, item, v: boards.save_lane(
        s, user, board_id, lane_id=item, name=v["name"], user_id=_opt(v["user"]), team_id=_opt(v["team"]),
        owner_id=_opt(v["owner"]), wip_limit=v["wip"]))


@callback(Output(f"{P}-go", "href"), Output(f"{P}-msg", "children"), Output(f"{P}-msg", "is_open"),
          Output(f"{P}-msg", "color"), Input(f"{P}-save-board", "n_clicks"), State(f"{P}-board", "data"),
          State(f"{P}-name", "value"), State(f"{P}-mode", "value"), State(f"{P}-team", "value"),
          prevent_initial_call=True)
def save_board(_n, board_id, name, mode, team):
    user = current_user._get_current_object()
    team_id = _opt(team)
    try:
        with session_scope() as s:
            if board_id:
                boards.update_board(s, user, board_id, name=name, lane_mode=mode, team_id=team_id)
                return dash.no_update, _("ticket.saved"), True, "success"
            board = boards.create_board(s, user, name, lane_mode=mode, team_id=team_id)
            new_id = board.id
    except OknoError as err:
        return dash.no_update, error_message(err), True, "danger"
    return f"/board-settings?board={new_id}", dash.no_update, dash.no_update, dash.no_update

"""`/ticket/<number>`: the card page. Its callbacks also serve the card drawer on the board.

One dispatcher callback applies any action on the card (priority, assignee, block, escalate, reply,
note, checklist, child card) through the service layer and re-renders the card's sections.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components.guard import allowed, denied
from components.i18n import _, error_message
from components.ticket_detail import T, body, detail, sla_section
from data.tickets import checklists
from data.tickets import children
from data.tickets import escalation
from data.tickets import actions as tickets
from data.tickets import view as ticket_view
from data.db import read_session, session_scope
from data.errors import Conflict, OknoError, ValidationError
from data.models import Board, ReplyTemplate

dash.register_page(__name__, path_template="/ticket/<number>", title="Okno · Ticket")


def layout(number=None, **_kw):
    if not allowed("tickets"):
        return denied()
    try:
        n = int(str(number).lstrip("#"))
    except (TypeError, ValueError):
        return dbc.Alert(_("notfound"), color="warning", className="mt-4", id=f"{T}-error")
    return html.Div(detail(n), className="okno-ticket-page mx-auto", style={"maxWidth": "960px"})


def _opt_int(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _act(s, user, trigger, number, v):
    """Apply the action named by the trigger; returns a success message."""
    t = tickets.get_by_number(s, user, number)
    if trigger == f"{T}-priority":
        tickets.set_priority(s, user, t.id, _opt_int(v["priority"]))
    elif trigger == f"{T}-assignee":
        tickets.assign(s, user, t.id, _opt_int(v["assignee"]))
    elif trigger == f"{T}-block":
        tickets.set_blocked(s, user, t.id, True, v["reason"])
    elif trigger == f"{T}-unblock":
        tickets.set_blocked(s, user, t.id, False)
    elif trigger == f"{T}-escalate":
        moved = escalation.escalate(s, user, t.id)
        return _("ticket.escalated", board=s.get(Board, moved.board_id).name)
    elif trigger in (f"{T}-send", f"{T}-note"):
        public = trigger == f"{T}-send"
        tickets.comment(s, user, t.id, v["reply"] or "", public=public)
        return _("ticket.sent") if public else _("ticket.noted")
    elif trigger == f"{T}-check-add":
        checklists.add(s, user, t.id, v["check_text"])
    elif trigger == f"{T}-checklist":
        wanted = set(v["checked"] or [])
        for item in checklists.items(s, t.id):
            if item.done != (item.id in wanted):
                checklists.tick(s, user, item.id, item.id in wanted)
    elif trigger == f"{T}-child-add":
        board = _opt_int(v["child_board"])
        if board is None:
            raise ValidationError(_("ticket.child_board_required"), {"board": "required"})
        child = children.create(s, user, t.id, board, v["child_title"] or "")
        return _("ticket.child_created", number=child.number)
    return _("ticket.saved")


@callback(Output(f"{T}-body", "children"), Output(f"{T}-msg", "children"), Output(f"{T}-msg", "is_open"),
          Output(f"{T}-msg", "color"),
          Input(f"{T}-priority", "value"), Input(f"{T}-assignee", "value"), Input(f"{T}-block", "n_clicks"),
          Input(f"{T}-unblock", "n_clicks"), Input(f"{T}-escalate", "n_clicks"), Input(f"{T}-send", "n_clicks"),
          Input(f"{T}-note", "n_clicks"),
          Input(f"{T}-checklist", "value"), Input(f"{T}-check-add", "n_clicks"), Input(f"{T}-child-add", "n_clicks"),
          State(f"{T}-number", "data"), State(f"{T}-block-reason", "value"), State(f"{T}-reply", "value"),
          State(f"{T}-check-text", "value"), State(f"{T}-child-board", "value"), State(f"{T}-child-title", "value"),
          prevent_initial_call=True)
def act(priority, assignee, _b, _u, _e, _s, _n, checked, _ca, _cc, number, reason, reply, check_text, child_board,
        child_title):
    trigger = ctx.triggered_id
    if trigger is None or number is None:
        raise PreventUpdate
    user = current_user._get_current_object()
    values = dict(priority=priority, assignee=assignee, reason=reason, reply=reply, checked=checked,
                  check_text=check_text, child_board=child_board, child_title=child_title)
    try:
        with session_scope() as s:
            message = _act(s, user, trigger, number, values)
    except Conflict as err:
        return body(number), _("board.conflict", who=err.changed_by or _("board.someone")), True, "warning"
    except OknoError as err:
        # Keep what the user typed: don't re-render the form on a validation error.
        return dash.no_update, error_message(err), True, "danger"
    return body(number), message, True, "success"


@callback(Output(f"{T}-reply", "value"), Input(f"{T}-template", "value"), State(f"{T}-number", "data"),
          prevent_initial_call=True)
def use_template(template_id, number):
    """Fill the reply box from a template, placeholders replaced for this ticket."""
    if not template_id or number is None:
        raise PreventUpdate
    user = current_user._get_current_object()
    with read_session() as s:
        template = s.get(ReplyTemplate, int(template_id))
        h = ticket_view.header(s, user, number)
        if template is None:
            raise PreventUpdate
        return ticket_view.fill_template(template.body, requester=h["requester"], number=number, agent=user.name)


@callback(Output(f"{T}-sla", "children"), Input(f"{T}-sla-tick", "n_intervals"), State(f"{T}-number", "data"),
          prevent_initial_call=True)
def sla_countdown(_n, number):
    """The SLA countdown moves on without a reload."""
    if number is None:
        raise PreventUpdate
    user = current_user._get_current_object()
    with read_session() as s:
        try:
            t = tickets.get_by_number(s, user, number)
        except OknoError:
            raise PreventUpdate
        return sla_section(s, t.id)

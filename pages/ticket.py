"""`/ticket/<number>`: the card page. Its callbacks also serve the card drawer on the board.

One small callback per action on the card (priority, assignee, block, unblock, escalate, reply, note,
checklist, child card) calls one service function and leaves the outcome in the `tk-done` store; `show`
then redraws the card's sections and the message line.

Why the store: Dash runs a callback whose input is redrawn while its output stays in place, whatever
`prevent_initial_call` says (only the callback that drew them is spared). If each action wrote the sections
itself, redrawing them would replay every other action. The store is drawn inside the sections, with the
controls, so redrawing both counts as their first render and runs nothing; only `show` draws the sections.
"""
from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, Patch, State, callback, clientside_callback, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components.guard import allowed, denied
from components.portal_ui import decode_uploads
from components.i18n import _, error_message
from components.ticket_conversation import comment_item
from components.ticket_detail import T, attachment_items, body, detail, history_items, sla_section
from data.config import get_config
from data.catalog import lookups
from data.tickets import checklists
from data.tickets import children
from data.tickets import escalation
from data.tickets import actions as tickets
from data.tickets import attachments
from data.tickets import tags as ticket_tags
from data.tickets import resolve as card_status
from data.tickets import view as ticket_view
from data.db import read_session, session_scope
from data.errors import Conflict, OknoError, Text, ValidationError

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


def _saved(_session, _result) -> str:
    return _("ticket.saved")


def _outcome(text: str, color: str, redraw: bool) -> dict:
    # `at` makes every outcome new, so the same message twice still shows.
    return {"text": text, "color": color, "redraw": redraw, "at": time.time_ns()}


def _apply(number, work, message=_saved, redraw_refused: bool = False) -> dict:
    """Run `work(session, user, ticket_id)` in one transaction; `message(session, result)` words the success.
    Returns the outcome for `show`. A select (status, assignee) redraws after a refusal too (`redraw_refused`):
    it would otherwise go on showing the value that was refused."""
    if number is None:
        raise PreventUpdate
    user = current_user._get_current_object()
    try:
        with session_scope() as s:
            result = work(s, user, tickets.get_by_number(s, user, number).id)
            text = message(s, result)
    except Conflict as err:
        return _outcome(_("board.conflict", who=err.changed_by or _("board.someone")), "warning", True)
    except OknoError as err:
        # Keep what the user typed: don't redraw the form on a validation error.
        return _outcome(error_message(err), "danger", redraw_refused)
    return _outcome(text, "success", True)


@callback(Output(f"{T}-body", "children"), Output(f"{T}-msg", "children"), Output(f"{T}-msg", "is_open"),
          Output(f"{T}-msg", "color"), Input(f"{T}-done", "data"), State(f"{T}-number", "data"),
          prevent_initial_call=True)
def show(outcome, number):
    """Redraw the card's sections after an action (not after a refusal) and say how it went."""
    if not outcome or number is None:
        raise PreventUpdate
    return (body(number) if outcome["redraw"] else dash.no_update), outcome["text"], True, outcome["color"]


# Every action leaves its outcome in the same store (allow_duplicate).
DONE = Output(f"{T}-done", "data", allow_duplicate=True)
NUMBER = State(f"{T}-number", "data")


@callback(DONE, Input(f"{T}-priority", "value"), NUMBER, prevent_initial_call=True)
def set_priority(priority, number):
    return _apply(number, lambda s, user, tid: tickets.set_priority(s, user, tid, _opt_int(priority)))


@callback(DONE, Input(f"{T}-assignee", "value"), NUMBER, prevent_initial_call=True)
def assign(assignee, number):
    """Only the people who work the ticket (data/tickets/assignees.py); after a refusal the select shows
    the actual assignee again, read back from the database."""
    return _apply(number, lambda s, user, tid: tickets.assign(s, user, tid, _opt_int(assignee)), redraw_refused=True)


VERSION = State(f"{T}-version", "data")


@callback(DONE, Input(f"{T}-status", "value"), NUMBER, VERSION, prevent_initial_call=True)
def set_status(column, number, version):
    """Into another column of the ticket's board: the board's own move (events, SLA, outbox, notifications)."""
    return _apply(number, lambda s, user, tid: card_status.set_column(s, user, tid, _opt_int(column),
                                                                      expected_version=_opt_int(version)),
                  redraw_refused=True)


@callback(DONE, Input(f"{T}-resolve", "n_clicks"), NUMBER, VERSION, prevent_initial_call=True)
def resolve(_n, number, version):
    return _apply(number, lambda s, user, tid: card_status.resolve(s, user, tid, expected_version=_opt_int(version)),
                  lambda _s, t: _("card.resolved", number=t.number), redraw_refused=True)


@callback(DONE, Input(f"{T}-tags-save", "n_clicks"), Input(f"{T}-tags", "n_submit"), NUMBER,
          State(f"{T}-tags", "value"), prevent_initial_call=True)
def save_tags(_n, _submit, number, typed):
    """The tags as typed, comma-separated (normalised by the service: "VPN " is "vpn")."""
    return _apply(number, lambda s, user, tid: ticket_tags.set_tags(s, user, tid, typed or ""))


@callback(DONE, Input(f"{T}-block", "n_clicks"), NUMBER, State(f"{T}-block-reason", "value"),
          prevent_initial_call=True)
def block(_n, number, reason):
    return _apply(number, lambda s, user, tid: tickets.set_blocked(s, user, tid, True, reason))


@callback(DONE, Input(f"{T}-unblock", "n_clicks"), NUMBER, prevent_initial_call=True)
def unblock(_n, number):
    return _apply(number, lambda s, user, tid: tickets.set_blocked(s, user, tid, False))


@callback(DONE, Input(f"{T}-escalate", "n_clicks"), NUMBER, prevent_initial_call=True)
def escalate(_n, number):
    """To the next support line; the message names the board the card went to."""
    return _apply(number, lambda s, user, tid: escalation.escalate(s, user, tid),
                  lambda s, moved: _("ticket.escalated", board=lookups.board_name(s, moved.board_id)))


FILES = (State(f"{T}-reply-files", "contents"), State(f"{T}-reply-files", "filename"))
# A reply adds its comment to the conversation and refreshes the parts it changes, instead of redrawing the
# card (a whole card took the browser about two seconds to draw again). Every one of these is drawn inside the
# card's sections, like `tk-done`, so a redraw of the card replays no reply.
REPLIED = (DONE, Output(f"{T}-comments", "children"), Output(f"{T}-history", "children"),
           Output(f"{T}-sla", "children", allow_duplicate=True), Output(f"{T}-attachments", "children"),
           Output(f"{T}-reply", "value", allow_duplicate=True), Output(f"{T}-reply-files", "contents"),
           Output(f"{T}-reply-files", "filename"), Output(f"{T}-reply-files-error", "children"),
           # The reply's hooks may change the ticket (the first response, a rule): the status control then
           # moves from the version as it is now, not the one the card was drawn with.
           Output(f"{T}-version", "data"))


def _reply(number, text, contents, names, public: bool, sent_message: str) -> tuple:
    """Store the reply (or note) with its files in one transaction, then draw only what changed."""
    if number is None:
        raise PreventUpdate
    user = current_user._get_current_object()
    files = decode_uploads(contents, names)
    tz = ZoneInfo(get_config().timezone)
    keep = (dash.no_update,) * 7
    try:
        with session_scope() as s:
            tid = tickets.get_by_number(s, user, number).id
            item = attachments.reply(s, user, tid, text or "", files, public=public)
            # Drawn in the same transaction: what commits is what is shown.
            [new] = ticket_view.conversation(s, tid, only=[item.id])
            comments = Patch()
            comments.append(comment_item(new, tz, can_edit=True))
            drawn = (comments, history_items(ticket_view.history(s, tid), tz), sla_section(s, tid),
                     attachment_items(ticket_view.attachments(s, tid)) if files else dash.no_update)
            version = tickets.get(s, user, tid).version
    except Conflict as err:
        return (_outcome(_("board.conflict", who=err.changed_by or _("board.someone")), "warning", True),
                *keep, "", dash.no_update)
    except OknoError as err:  # the typed text and the chosen files stay; a refused file is named above the box
        on_files = "attachments" in getattr(err, "field_texts", {})
        return (_outcome(error_message(err), "danger", False), *keep, error_message(err) if on_files else "",
                dash.no_update)
    return (_outcome(sent_message, "success", False), *drawn, "", None, None, "", version)


@callback(*REPLIED, Input(f"{T}-send", "n_clicks"), NUMBER, State(f"{T}-reply", "value"), *FILES,
          prevent_initial_call=True)
def send_reply(_n, number, reply, contents=None, names=None):
    """A public reply: it goes to the requester, with its files."""
    return _reply(number, reply, contents, names, True, _("ticket.sent"))


@callback(*REPLIED, Input(f"{T}-note", "n_clicks"), NUMBER, State(f"{T}-reply", "value"), *FILES,
          prevent_initial_call=True)
def add_note(_n, number, reply, contents=None, names=None):
    """An internal note: staff only (its files too)."""
    return _reply(number, reply, contents, names, False, _("ticket.noted"))


clientside_callback(ClientsideFunction("okno_portal", "fileNames"), Output(f"{T}-reply-file-names", "children"),
                    Input(f"{T}-reply-files", "filename"))


@callback(DONE, Input(f"{T}-checklist", "value"), NUMBER, prevent_initial_call=True)
def tick(checked, number):
    return _apply(number, lambda s, user, tid: checklists.set_done(s, user, tid, checked))


@callback(DONE, Input(f"{T}-check-add", "n_clicks"), NUMBER, State(f"{T}-check-text", "value"),
          prevent_initial_call=True)
def add_check(_n, number, text):
    return _apply(number, lambda s, user, tid: checklists.add(s, user, tid, text))


@callback(DONE, Input(f"{T}-child-add", "n_clicks"), NUMBER, State(f"{T}-child-board", "value"),
          State(f"{T}-child-title", "value"), prevent_initial_call=True)
def add_child(_n, number, board, title):
    def create(s, user, ticket_id):
        if _opt_int(board) is None:
            raise ValidationError("ticket.child_board_required", {"board": Text("errors.field.required")})
        return children.create(s, user, ticket_id, _opt_int(board), title or "")
    return _apply(number, create, lambda _s, child: _("ticket.child_created", number=child.number))


@callback(Output(f"{T}-reply", "value"), Input(f"{T}-template", "value"), State(f"{T}-number", "data"),
          prevent_initial_call=True)
def use_template(template_id, number):
    """Fill the reply box from a template, placeholders replaced for this ticket."""
    if not template_id or number is None:
        raise PreventUpdate
    with read_session() as s:
        text = ticket_view.filled_template(s, current_user._get_current_object(), number, int(template_id))
    if text is None:
        raise PreventUpdate
    return text


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

"""The card page's content, shared by the board's drawer and `/ticket/<number>`.

Ids start with "tk-"; the callbacks that act on them live in pages/ticket.py (registered once,
they serve the drawer and the page alike). Controls are disabled for roles that may only read;
the service functions check the permission again.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import nh3
from dash import dcc, html
from flask_login import current_user

from data.tickets import checklists
from data.tickets import assignees
from data.tickets import children
from data.catalog import lookups
from data.intake import answers
from data.sla import recompute as sla
from data.tickets import view as ticket_view
from data.csat import view as csat_view
from data.config import get_config
from data.db import read_session
from data.errors import OknoError
from data.permissions import STAFF_WRITERS

from components.card_status import status_control
from components.i18n import N_, _, current_locale, error_message
from components.sla_panel import sla_panel
from components.ticket_conversation import conversation, file_link, when as _when
from components.csat_card import ratings as csat_ratings
from components.approval_view import HISTORY_LABELS, steps as approval_steps
from data.approvals import view as approval_view
from components.ticket_card import CHANNEL_ICONS, tag_chips

T = "tk"
# Shown as _(f"event.{kind}"): the message ids, for extraction.
EVENT_LABELS = {"created": N_("event.created"), "moved": N_("event.moved"), "assigned": N_("event.assigned"),
                "priority": N_("event.priority"), "field": N_("event.field"), "blocked": N_("event.blocked"),
                "unblocked": N_("event.unblocked"), "comment": N_("event.comment"), "checklist": N_("event.checklist"),
                "escalated": N_("event.escalated"), "type": N_("event.type"), "sla": N_("event.sla"),
                "approval": N_("event.approval")}



def _section(title: str, body, sid: str):
    return html.Section([html.H6(title, className="okno-section-title mt-3"), body], id=f"{T}-sec-{sid}")


def _fields(h: dict, s, locale: str, can_edit: bool, user):
    t = h["ticket"]
    prio = [{"value": p["value"], "label": p["label"]} for p in lookups.priorities(s, locale)]
    rows = [
        (_("tickets.status"), html.Div([status_control(s, t, can_edit), html.Div(
            f"{_('status.' + t.status)} · {h['board']} / {h['column']}" + (f" / {h['lane']}" if h["lane"] else ""),
            className="small text-muted", id=f"{T}-where")])),
        (_("tickets.service"), " · ".join(x for x in (h["service"], h["type"]) if x) or "—"),
        (_("tickets.channel"), html.Span([html.I(className=f"bi {CHANNEL_ICONS.get(t.channel, '')} me-1"),
                                          _(f"channel.{t.channel}")])),
        (html.Label(_("tickets.priority"), htmlFor=f"{T}-priority", className="mb-0"), dbc.Select(id=f"{T}-priority", options=[{"value": "", "label": "—"}] + prio,
                                           value=t.priority_id or "", size="sm", disabled=not can_edit)),
        (html.Label(_("tickets.assignee"), htmlFor=f"{T}-assignee", className="mb-0"),
         dbc.Select(id=f"{T}-assignee", value=t.assignee_id or "", size="sm", options=assignee_options(s, t, h, user),
                    disabled=not can_edit)),
    ]
    rows.append((html.Label(_("tickets.tags"), htmlFor=f"{T}-tags", className="mb-0"), _tags(t.tags, can_edit)))
    if h["parent"]:
        rows.append((_("ticket.parent"), html.A(f"#{h['parent'][0]} {h['parent'][1]}", href=f"/ticket/{h['parent'][0]}")))
    table = html.Table([html.Tr([html.Th(k, className="text-muted fw-normal pe-3"), html.Td(v)]) for k, v in rows],
                       className="okno-fields w-100")
    block = html.Div([
        dbc.Alert([html.I(className="bi bi-lock-fill me-1"), _("ticket.blocked_because", reason=t.blocked_reason)],
                  color="danger", className="py-1 my-2", id=f"{T}-blocked") if t.blocked else None,
        dbc.InputGroup([dbc.Input(id=f"{T}-block-reason", placeholder=_("ticket.block_reason"), size="sm"),
                        dbc.Button(_("ticket.block"), id=f"{T}-block", color="outline-danger", size="sm")],
                       className="mt-2", style={"display": "none"} if t.blocked or not can_edit else {}),
        dbc.Button(_("ticket.unblock"), id=f"{T}-unblock", color="outline-success", size="sm", className="mt-2",
                   style={} if t.blocked and can_edit else {"display": "none"}),
        dbc.Button([html.I(className="bi bi-arrow-up-right-circle me-1"), _("ticket.escalate")], id=f"{T}-escalate",
                   color="outline-secondary", size="sm", className="mt-2 ms-2",
                   style={} if can_edit and t.status != "done" else {"display": "none"}),
    ])
    return html.Div([table, block])


def _tags(tags: list[str], can_edit: bool):
    """The tags as chips and, for those who may change the ticket, a comma-separated field to edit them."""
    return html.Div([
        html.Div(tag_chips(tags) or html.Span("—", className="text-muted"), id=f"{T}-tag-chips"),
        dbc.InputGroup([dbc.Input(id=f"{T}-tags", value=", ".join(tags or []), size="sm", maxLength=1000,
                                  placeholder=_("tickets.tag_placeholder")),
                        dbc.Button(_("ticket.save_tags"), id=f"{T}-tags-save", size="sm", color="outline-primary")],
                       className="mt-1", style={} if can_edit else {"display": "none"}),
    ])


def _description(t):
    if t.description_html:
        clean = nh3.clean(t.description_html)  # email HTML: scripts, handlers and styles removed
        return html.Iframe(srcDoc=clean, sandbox="", className="okno-description-html", id=f"{T}-description")
    return html.Div(t.description or "—", className="okno-description", id=f"{T}-description")


def _answers(rows: list[dict]):
    """What the requester filled in on the form, labelled in the viewer's language."""
    if not rows:
        return html.Div("—", className="text-muted", id=f"{T}-form")
    return html.Dl([part for r in rows for part in (
        html.Dt(r["label"], className="col-sm-4 text-muted fw-normal"),
        html.Dd(r["value"], className="col-sm-8 mb-1 okno-answer", **{"data-field": r["key"]}))],
        className="row mb-0 okno-answers", id=f"{T}-form")


def _requester(h: dict, others: list[dict], tz):
    if not h["requester"]:
        return html.Div("—")
    items = [html.Li([html.A(f"#{o['number']}", href=f"/ticket/{o['number']}", className="me-1"), o["title"],
                      html.Span(f" · {_('status.' + o['status'])} · {_when(o['created_at'], tz)}",
                                className="text-muted")]) for o in others]
    return html.Div([html.Div([html.Strong(h["requester"]), html.Span(f" · {h['requester_email'] or ''}"),
                               html.Span(f" · {h['organisation']}" if h["organisation"] else "")]),
                     *[html.Div(_("ticket.unreachable", channel=_(f"channel.{u['channel']}"),
                                  address=u["display"] or u["address"], when=_when(u["unreachable_at"], tz),
                                  reason=u["unreachable_reason"] or ""),
                                className="text-danger small", id=f"{T}-unreachable-{u['channel']}")
                       for u in h.get("unreachable") or ()],
                     html.Div(_("ticket.other_requests"), className="text-muted small mt-1") if items else None,
                     html.Ul(items, className="small mb-0", id=f"{T}-other-requests")])


def _checklist(items, can_edit: bool):
    return html.Div([
        dcc.Checklist(id=f"{T}-checklist", options=[{"value": i.id, "label": " " + i.text + (" *" if i.required else ""),
                                                      "disabled": not can_edit} for i in items],
                      value=[i.id for i in items if i.done], labelClassName="d-block okno-check"),
        dbc.InputGroup([dbc.Input(id=f"{T}-check-text", placeholder=_("ticket.check_add"), size="sm"),
                        dbc.Button(_("ticket.add"), id=f"{T}-check-add", size="sm", color="outline-primary")],
                       className="mt-1", style={} if can_edit else {"display": "none"}),
    ])


def _children(kids: list[dict], boards: list[dict], can_edit: bool):
    done = sum(1 for k in kids if k["status"] == "done")
    rows = [html.Li([html.A(f"#{k['number']}", href=f"/ticket/{k['number']}", className="me-1"), k["title"],
                     html.Span(f" · {k['board']} / {k['column']}" + (f" · {k['assignee']}" if k["assignee"] else ""),
                               className="text-muted"),
                     html.Span(_(f"status.{k['status']}"), className="badge text-bg-light ms-1")],
                    **{"data-child-status": k["status"]}) for k in kids]
    return html.Div([
        dbc.Progress(value=100 * done / len(kids), label=f"{done}/{len(kids)}", className="mb-1",
                     id=f"{T}-children-progress") if kids else None,
        html.Ul(rows, className="small mb-1", id=f"{T}-children"),
        html.Label(_("ticket.child_board"), htmlFor=f"{T}-child-board", className="visually-hidden"),
        dbc.InputGroup([dbc.Select(id=f"{T}-child-board", options=boards, size="sm", style={"maxWidth": "40%"},
                                   placeholder=_("ticket.child_board")),
                        dbc.Input(id=f"{T}-child-title", placeholder=_("ticket.child_title"), size="sm"),
                        dbc.Button(_("ticket.add"), id=f"{T}-child-add", size="sm", color="outline-primary")],
                       style={} if can_edit else {"display": "none"}),
    ])


def history_items(events: list[dict], tz) -> list:
    """The timeline's lines, newest first."""
    def line(e):
        what = _(f"event.{e['kind']}")
        if e["kind"] == "moved" and e["from_column"] == e["to_column"] and e["from_status"] != e["to_status"]:
            # The column stayed and its kind changed (board settings): say which statuses.
            old, new = (_(f"status.{e[k]}") for k in ("from_status", "to_status"))
            what += f": {e['to_column']}, {old} → {new}"
        elif e["kind"] == "moved":
            what += f": {e['from_column'] or '—'} → {e['to_column'] or '—'}"
        elif e["kind"] == "assigned":
            what += f": {e['from_user'] or '—'} → {e['to_user'] or '—'}"
        elif e["kind"] == "field" and (e["data"] or {}).get("field") == "tags":
            what = _("ticket.tags_changed", old=e["from_value"] or "—", new=e["to_value"] or "—")
        elif e["kind"] == "approval" and e["to_value"] in HISTORY_LABELS:
            what += f": {_(HISTORY_LABELS[e['to_value']])}"
        elif e["to_value"]:
            what += f": {e['to_value']}"
        return html.Li([html.Small(_when(e["at"], tz), className="text-muted me-2"), html.Strong(e["actor"] + " "),
                        what], **{"data-event": e["kind"]})
    return [line(e) for e in events]


def _history(events: list[dict], tz):
    return html.Ul(history_items(events, tz), className="okno-timeline small", id=f"{T}-history")


def body(number: int):
    """The sections of the card page for the current user."""
    user, locale = current_user._get_current_object(), current_locale()
    tz = ZoneInfo(get_config().timezone)
    can_edit = user.role in STAFF_WRITERS
    with read_session() as s:
        try:
            h = ticket_view.header(s, user, number)
        except OknoError as err:
            return dbc.Alert(error_message(err), color="warning", id=f"{T}-error")
        t = h["ticket"]
        sections = [
            # Where an action on the card leaves its outcome; drawn with the controls so that redrawing
            # them does not replay the actions (pages/ticket.py).
            dcc.Store(id=f"{T}-done"),
            html.H5([html.A(f"#{t.number}", href=f"/ticket/{t.number}", className="me-2"), t.title],
                    id=f"{T}-title", **{"data-ticket-id": t.id, "data-version": t.version}),
            _fields(h, s, locale, can_edit, user),
            _section(_("ticket.sla"), html.Div(sla_section(s, t.id), id=f"{T}-sla"), "sla"),
            _csat(csat_view.of_ticket(s, t.id), tz),
            _approval(approval_view.of_ticket(s, t.id), tz, user.id),
            _section(_("ticket.form"), _answers(answers.of_ticket(s, t, locale)), "form") if t.fields else None,
            _section(_("ticket.description"), _description(t), "description"),
            _section(_("tickets.requester"), _requester(h, ticket_view.other_requests(s, t, viewer=user), tz),
                     "requester"),
            _section(_("ticket.conversation"), conversation(ticket_view.conversation(s, t.id),
                                                            ticket_view.templates(s, t), tz, can_edit), "conversation"),
            _section(_("ticket.checklist"), _checklist(checklists.items(s, t.id), can_edit), "checklist"),
            _section(_("ticket.children"), _children(children.of(s, t.id), lookups.boards(s), can_edit), "children"),
            _section(_("ticket.attachments"), html.Ul(attachment_items(ticket_view.attachments(s, t.id)),
                                                      id=f"{T}-attachments"), "attachments"),
            _section(_("ticket.history"), _history(ticket_view.history(s, t.id), tz), "history"),
        ]
    return sections


def attachment_items(files: list[dict]) -> list:
    return [html.Li(file_link(a)) for a in files] or [html.Li("—", className="text-muted")]


def assignee_options(s, t, h: dict, user) -> list[dict]:
    """The people who work the ticket (assignees.candidates, the list tickets.assign accepts). The current
    assignee stays listed even when no longer one of them, so the select shows who holds the card; an agent
    may take the card or give it up, not hand it to a colleague (tickets.assign), so the others are greyed."""
    people = [{"value": u.id, "label": u.name} for u in assignees.candidates(s, t)]
    if t.assignee_id and all(p["value"] != t.assignee_id for p in people):
        people.append({"value": t.assignee_id, "label": h["assignee"] or "—", "disabled": True})
    if user.role == "agent":
        people = [p | {"disabled": True} if p["value"] not in (user.id, t.assignee_id) else p for p in people]
    return [{"value": "", "label": _("tickets.unassigned")}] + people


def _csat(rows: list[dict], tz):
    """Only once the requester was asked: most tickets are still open."""
    return _section(_("csat.card.title"), csat_ratings(rows, lambda v: _when(v, tz)), "csat") if rows else None


def _approval(approval: dict | None, tz, me: int):
    """Only for a request whose type needed approval."""
    return _section(_("approvals.card.title"), approval_steps(approval, lambda v: _when(v, tz), me),
                    "approval") if approval else None


def sla_section(s, ticket_id: int):
    """The SLA targets with their countdowns (re-rendered every 30 s on the page)."""
    return sla_panel(sla.ticket_sla_summary(s, ticket_id), get_config().timezone)


def detail(number: int):
    """The whole card: a store with its number, the message line and the sections."""
    return html.Div([dcc.Store(id=f"{T}-number", data=number), dcc.Interval(id=f"{T}-sla-tick", interval=30_000),
                     dbc.Alert(id=f"{T}-msg", is_open=False, dismissable=True, className="py-1 okno-note"),
                     html.Div(body(number), id=f"{T}-body")], className="okno-ticket")

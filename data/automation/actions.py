"""What a rule can do to a ticket. Each action goes through the ordinary service functions (with the
system as the actor), so it writes the same events and fires the same hooks as a person would."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.tickets import escalation
from data import hooks
from data.messaging import staff as staff_notify
from data.tickets import actions as tickets
from data.errors import NotFound, Text, ValidationError
from data.events import bump_revision, record
from data.i18n import N_
from data.models import BoardColumn, ChecklistItem, Lane, Rating, ReplyTemplate, Requester, Rule, Ticket, User

ACTION_TYPES = ("set_type", "set_assignee", "set_priority", "set_lane", "set_column", "add_checklist",
                "create_children", "reply_template", "notify_user", "notify_team", "notify_team_lead", "escalate")
# The rule form labels each as _(f"slaadmin.act.{type}"): the message ids, for extraction.
ACTION_LABELS = {"set_type": N_("slaadmin.act.set_type"), "set_assignee": N_("slaadmin.act.set_assignee"),
                 "set_priority": N_("slaadmin.act.set_priority"), "set_lane": N_("slaadmin.act.set_lane"),
                 "set_column": N_("slaadmin.act.set_column"), "add_checklist": N_("slaadmin.act.add_checklist"),
                 "create_children": N_("slaadmin.act.create_children"),
                 "reply_template": N_("slaadmin.act.reply_template"), "notify_user": N_("slaadmin.act.notify_user"),
                 "notify_team": N_("slaadmin.act.notify_team"),
                 "notify_team_lead": N_("slaadmin.act.notify_team_lead"), "escalate": N_("slaadmin.act.escalate")}


def set_type(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    value = (action.get("value") or "").strip()[:60] or None
    if value == ticket.card_type:
        return
    old = ticket.card_type
    ticket.card_type = value
    ticket.updated_at = tickets.now()
    session.flush()
    record(session, ticket, "type", None, from_value=old, to_value=value, data={"rule_id": rule.id})
    bump_revision(session, ticket.board_id, ticket.column_id)
    hooks.fire(session, "field_changed", ticket, None, field="card_type")


def set_assignee(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    tickets.assign(session, None, ticket.id, action.get("user_id"))


def set_priority(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    if ticket.priority_id != action.get("priority_id"):
        tickets.set_priority(session, None, ticket.id, action.get("priority_id"))


def set_lane(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    lane = session.get(Lane, action.get("lane_id") or 0)
    if lane is None or lane.board_id != ticket.board_id:
        raise ValidationError("errors.lane_not_on_ticket_board", {"lane": Text("errors.field.invalid")})
    if lane.id != ticket.lane_id:
        tickets.move(session, None, ticket.id, ticket.column_id, lane.id)


def set_column(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    column_id = action.get("column_id")
    if column_id and column_id != ticket.column_id:
        column = session.get(BoardColumn, column_id)
        if column is None:
            raise NotFound("errors.rule_column_gone")
        lane = ticket.lane_id if column.board_id == ticket.board_id else None
        tickets.move(session, None, ticket.id, column_id, lane)


def add_checklist(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    items = [str(i).strip() for i in action.get("items") or () if str(i).strip()]
    start = session.scalar(select(func.coalesce(func.max(ChecklistItem.position), -1))
                           .where(ChecklistItem.ticket_id == ticket.id)) + 1
    for n, text in enumerate(items):
        session.add(ChecklistItem(ticket_id=ticket.id, text=text, position=start + n))
    if items:
        record(session, ticket, "checklist", None, to_value=f"+{len(items)}", data={"rule_id": rule.id})


def create_children(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    board_id = action.get("board_id") or ticket.board_id
    for title in action.get("titles") or ():
        title = str(title).strip()
        if title:
            tickets.create(session, None, title=title.replace("{number}", str(ticket.number))
                           .replace("{title}", ticket.title), board_id=board_id, parent_id=ticket.id,
                           requester_id=ticket.requester_id, service_id=ticket.service_id, channel="api",
                           description=f"#{ticket.number}: {ticket.title}")


def reply_template(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    template = session.get(ReplyTemplate, action.get("template_id") or 0)
    if template is None:
        raise NotFound("errors.rule_template_gone")
    requester = session.get(Requester, ticket.requester_id) if ticket.requester_id else None
    agent = session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    body = (template.body.replace("{requester}", requester.name if requester else "")
            .replace("{number}", str(ticket.number)).replace("{agent}", agent.name if agent else ""))
    # An automatic reply: the requester gets it, but it is not the first response of an agent.
    tickets.comment(session, None, ticket.id, body, public=True, system=True)


def notify_user(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    staff_notify.notify(session, session.get(User, action.get("user_id") or 0), ticket, "rule", N_("rules.notify"),
                        rule=rule.name, number=ticket.number, title=ticket.title)


def notify_team(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    for user in staff_notify.team_members(session, action.get("team_id") or 0):
        staff_notify.notify(session, user, ticket, "rule", N_("rules.notify"), rule=rule.name, number=ticket.number,
                            title=ticket.title)


def notify_team_lead(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    """The lead of the ticket's team (else the assignee's, else the board's). On a rating, the notice names the
    score and the comment, as the low-rating notice always did."""
    lead = staff_notify.team_lead(session, ticket)
    rating = session.scalar(select(Rating).where(Rating.ticket_id == ticket.id, Rating.score.is_not(None))
                            .order_by(Rating.rated_at.desc()).limit(1)) if rule.trigger == "rated" else None
    if rating is not None:
        staff_notify.notify(session, lead, ticket, "low_rating", N_("csat.notify.low"), number=ticket.number,
                            title=ticket.title, score=rating.score, comment=rating.comment or "—")
    else:
        staff_notify.notify(session, lead, ticket, "rule", N_("rules.notify"), rule=rule.name, number=ticket.number,
                            title=ticket.title)


def escalate(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    escalation.escalate(session, None, ticket.id)


def run(session: Session, ticket: Ticket, action: dict, rule: Rule) -> None:
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        raise ValidationError("errors.unknown_action", {"actions": Text("errors.field.invalid")}, action=kind)
    globals()[kind](session, ticket, action, rule)

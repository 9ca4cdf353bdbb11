"""Automation rules: each trigger and action, conditions, failures, and the loop guard."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from data.automation import scheduler
from data.tickets import actions as tickets
from data.models import (ChecklistItem, Notification, Outbox, ReplyTemplate, Rule, RuleLog, SlaPolicy, Ticket,
                         TicketEvent)
from tests import factories as f


def rule(session, trigger, actions, conditions=None, options=None, position=0) -> Rule:
    r = Rule(name=f"rule {trigger} {position}", trigger=trigger, actions=actions, conditions=conditions or {},
             trigger_options=options or {}, position=position)
    session.add(r)
    session.flush()
    return r


def world(session):
    lead = f.user(session, "manager")
    team = f.team(session)
    team.lead_id = lead.id
    admin_ = f.user(session, "agent", team=team, name="Sysadmin on duty")
    board = f.board(session, team=team, agents=[admin_])
    service = f.service(session, board)
    requester = f.requester(session, email="req@example.com")
    return lead, team, admin_, board, service, requester


def test_printer_topic_sets_type_and_assignee(session):
    lead, team, sysadmin, board, service, requester = world(session)
    from data.models import RequestType
    printer = RequestType(service_id=service.id, code="printer", name="Printer")
    session.add(printer)
    session.flush()
    r = rule(session, "created", [{"type": "set_type", "value": "Hardware"},
                                  {"type": "set_assignee", "user_id": sysadmin.id}],
             conditions={"request_type_ids": [printer.id]})
    other = tickets.create(session, None, title="Salary", board_id=board.id, service_id=service.id)
    t = tickets.create(session, None, title="Printer jams", board_id=board.id, service_id=service.id,
                       request_type_id=printer.id, requester_id=requester.id, channel="portal")
    assert (t.card_type, t.assignee_id) == ("Hardware", sysadmin.id)
    assert other.card_type is None and other.assignee_id is None
    session.refresh(r)
    assert r.fire_count == 1 and r.last_fired_at is not None
    kinds = session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == t.id)).all()
    assert {"created", "type", "assigned"} <= set(kinds)


def test_field_change_moved_and_comment_triggers(session):
    lead, team, sysadmin, board, service, requester = world(session)
    urgent = f.priority(session, "urgent")
    waiting, in_progress = f.column(board, "waiting"), f.column(board, "in_progress")
    rule(session, "field_changed", [{"type": "set_lane", "lane_id": board.lanes[0].id}], options={"field": "priority"})
    rule(session, "moved", [{"type": "add_checklist", "items": ["Call back", "Close"]}],
         options={"column_id": waiting.id})
    rule(session, "commented", [{"type": "set_column", "column_id": in_progress.id}], options={"author": "requester"})
    t = tickets.create(session, None, title="Network", board_id=board.id, requester_id=requester.id)
    tickets.set_priority(session, lead, t.id, urgent.id)
    assert t.lane_id == board.lanes[0].id and t.assignee_id == sysadmin.id  # an agent's lane assigns
    tickets.move(session, lead, t.id, waiting.id, t.lane_id)
    assert [i.text for i in session.scalars(select(ChecklistItem).where(ChecklistItem.ticket_id == t.id)
                                            .order_by(ChecklistItem.position))] == ["Call back", "Close"]
    tickets.comment(session, sysadmin, t.id, "Any news?", public=True)
    assert t.column_id == waiting.id  # an agent's comment: the rule wants the requester
    tickets.comment(session, requester, t.id, "Here is the log", public=True, channel="email")
    assert t.column_id == in_progress.id


def test_conditions_channel_fields_and_time_of_day(session):
    lead, team, sysadmin, board, service, requester = world(session)
    rule(session, "created", [{"type": "set_type", "value": "Night"}],
         conditions={"channels": ["telegram"], "fields": {"scope": "Mass"}, "time_from": "00:00",
                     "time_to": "23:59"})
    rule(session, "created", [{"type": "set_type", "value": "Never"}],
         conditions={"time_from": "03:00", "time_to": "03:00"}, position=1)  # an empty window
    hit = tickets.create(session, None, title="a", board_id=board.id, channel="telegram", fields={"scope": "mass"})
    miss = tickets.create(session, None, title="b", board_id=board.id, channel="email", fields={"scope": "mass"})
    assert hit.card_type == "Night" and miss.card_type is None


def test_children_reply_template_notifications_and_escalation(session):
    lead, team, sysadmin, board, service, requester = world(session)
    lead.notify_channel = "email"
    l2 = f.team(session, line_level=2)
    team.line_level = 1
    l2_board = f.board(session, team=l2)
    template = ReplyTemplate(name="Got it", body="Hello {requester}, request #{number} is registered.")
    session.add(template)
    session.flush()
    rule(session, "created", [{"type": "create_children", "board_id": board.id, "titles": ["Payroll for #{number}"]},
                              {"type": "reply_template", "template_id": template.id},
                              {"type": "notify_user", "user_id": lead.id},
                              {"type": "notify_team", "team_id": team.id},
                              {"type": "escalate"}],
         conditions={"channels": ["portal"]})
    t = tickets.create(session, None, title="New hire", board_id=board.id, requester_id=requester.id,
                       channel="portal", team_id=team.id)
    child = session.scalar(select(Ticket).where(Ticket.parent_id == t.id))
    assert child.title == f"Payroll for #{t.number}"
    reply = session.scalar(select(Outbox).where(Outbox.ticket_id == t.id, Outbox.kind == "reply"))
    assert reply.recipient == "req@example.com" and f"#{t.number}" in reply.body and "Иван Петров" in reply.body
    assert t.first_response_at is None  # an automatic reply is not an agent's first response
    notified = {n.user_id for n in session.scalars(select(Notification).where(Notification.ticket_id == t.id))}
    assert {lead.id, sysadmin.id} <= notified
    assert session.scalar(select(Outbox).where(Outbox.kind == "notification", Outbox.recipient == lead.email))
    assert (t.board_id, t.team_id, t.status) == (l2_board.id, l2.id, "queue")
    assert session.scalar(select(TicketEvent.kind).where(TicketEvent.ticket_id == t.id,
                                                         TicketEvent.kind == "escalated")) == "escalated"


def test_a_failing_rule_is_logged_and_the_change_stays(session):
    lead, team, sysadmin, board, service, requester = world(session)
    other_board = f.board(session)
    r = rule(session, "created", [{"type": "set_type", "value": "X"}, {"type": "set_lane",
                                                                        "lane_id": 0}])
    t = tickets.create(session, None, title="c", board_id=other_board.id)
    assert t.id and t.card_type is None  # the rule's first action was rolled back with it
    entry = session.scalar(select(RuleLog).where(RuleLog.rule_id == r.id))
    assert entry.outcome == "error" and "lane" in entry.message


def test_rules_that_trigger_each_other_stop_at_the_depth_limit(session):
    lead, team, sysadmin, board, service, requester = world(session)
    high, low = f.priority(session, "high"), f.priority(session, "low")
    rule(session, "field_changed", [{"type": "set_priority", "priority_id": low.id}],
         conditions={"priority_ids": [high.id]}, options={"field": "priority"})
    rule(session, "field_changed", [{"type": "set_priority", "priority_id": high.id}],
         conditions={"priority_ids": [low.id]}, options={"field": "priority"}, position=1)
    t = tickets.create(session, None, title="ping-pong", board_id=board.id)
    tickets.set_priority(session, lead, t.id, high.id)  # returns: the guard stopped the chain
    stops = session.scalars(select(RuleLog).where(RuleLog.ticket_id == t.id, RuleLog.outcome == "loop_stopped")).all()
    assert stops and "rules in the chain" in stops[0].message


def test_scheduler_announces_at_risk_and_breach_once_and_runs_rules(session):
    lead, team, sysadmin, board, service, requester = world(session)
    session.add(SlaPolicy(name="fast", first_response_minutes=60, conditions={"service_ids": [service.id]}))
    rule(session, "sla_breached", [{"type": "escalate"}], options={"target": "first_response"})
    l2 = f.team(session, line_level=2)
    team.line_level = 1
    f.board(session, team=l2)
    now = datetime.now(timezone.utc)
    t = tickets.create(session, None, title="Slow", board_id=board.id, service_id=service.id, team_id=team.id,
                       assignee_id=sysadmin.id, at=now - timedelta(minutes=50))
    assert scheduler.tick(session, now) == {"at_risk": 1, "breached": 0, "no_activity": 0, "weekly": 0}
    assert scheduler.tick(session, now)["at_risk"] == 0  # once
    texts = session.scalars(select(Notification.text).where(Notification.ticket_id == t.id)).all()
    assert len(texts) == 2 and all("под угрозой" in x for x in texts)  # the assignee and the team lead
    later = now + timedelta(minutes=11)
    assert scheduler.tick(session, later)["breached"] == 1
    assert scheduler.tick(session, later)["breached"] == 0
    session.refresh(t)
    assert t.sla_first_response_breached is True and t.team_id == l2.id  # the breach rule escalated it


def test_no_activity_rule_fires_once_per_quiet_period(session):
    lead, team, sysadmin, board, service, requester = world(session)
    r = rule(session, "no_activity", [{"type": "notify_user", "user_id": lead.id}], options={"minutes": 120},
             conditions={"service_ids": [service.id]})
    t = tickets.create(session, None, title="Forgotten", board_id=board.id, service_id=service.id,
                       at=datetime.now(timezone.utc) - timedelta(hours=3))
    now = datetime.now(timezone.utc)
    assert scheduler.tick(session, now)["no_activity"] == 1
    assert scheduler.tick(session, now + timedelta(minutes=1))["no_activity"] == 0
    session.refresh(r)
    assert r.fire_count == 1
    assert session.scalar(select(Notification).where(Notification.user_id == lead.id,
                                                     Notification.ticket_id == t.id))

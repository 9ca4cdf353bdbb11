"""Automation rules: when a trigger happens and the conditions hold, run the actions.

Event triggers run inside the transaction of the change (a hook); time triggers (SLA at risk,
SLA breached, no activity) run from data/automation/scheduler.py. Each rule runs in a savepoint: a rule
that fails is rolled back and logged, the person's change still goes through. Rules may trigger
rules; data/hooks.py stops the chain at MAX_DEPTH and we log which rule was stopped.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data import hooks
from data.automation import actions as rule_actions
from data.config import company_tz
from data.sla.calendars import parse_clock
from data.errors import OknoError
from data.models import Requester, Rule, RuleLog, Ticket

log = logging.getLogger(__name__)

# Service-function hooks → rule triggers (assigning or changing priority is a field change).
HOOK_TRIGGERS = {"created": ("created", None), "moved": ("moved", None), "commented": ("commented", None),
                 "assigned": ("field_changed", "assignee"), "priority": ("field_changed", "priority"),
                 "field_changed": ("field_changed", None), "escalated": ("moved", None), "rated": ("rated", None)}


def trigger_matches(rule: Rule, trigger: str, ticket: Ticket, context: dict) -> bool:
    opts = rule.trigger_options or {}
    if trigger == "moved":
        old = context.get("old") or {}
        if old.get("column") == ticket.column_id:
            return False  # a lane change is not a move to a column
        return not opts.get("column_id") or opts["column_id"] == ticket.column_id
    if trigger == "field_changed":
        return not opts.get("field") or opts["field"] == context.get("field")
    if trigger == "commented":
        comment = context.get("comment")
        author = opts.get("author") or "any"
        if comment is None or author == "any":
            return True
        return (author == "requester") == (comment.author_requester_id is not None)
    if trigger == "rated":  # a satisfaction score (data/csat/rate.py); options bound it: {"max_score": 2}
        score = getattr(context.get("rating"), "score", None)
        return score is not None and score <= (opts.get("max_score") or 5) and score >= (opts.get("min_score") or 1)
    if trigger in ("sla_at_risk", "sla_breached"):
        return not opts.get("target") or opts["target"] == context.get("target")
    return True


def conditions_hold(session: Session, rule: Rule, ticket: Ticket, now: datetime) -> bool:
    c = rule.conditions or {}
    for key, value in (("service_ids", ticket.service_id), ("request_type_ids", ticket.request_type_id),
                       ("priority_ids", ticket.priority_id), ("channels", ticket.channel)):
        if c.get(key) and value not in c[key]:
            return False
    for key, expected in (c.get("fields") or {}).items():
        actual = (ticket.fields or {}).get(key)
        if str(actual if actual is not None else "").strip().lower() != str(expected).strip().lower():
            return False
    if c.get("organisations"):
        org = session.scalar(select(Requester.organisation).where(Requester.id == ticket.requester_id))
        if (org or "").strip().lower() not in [o.strip().lower() for o in c["organisations"]]:
            return False
    if c.get("time_from") and c.get("time_to"):
        local = now.astimezone(company_tz())  # business hours are the company's
        minute, a, b = local.hour * 60 + local.minute, parse_clock(c["time_from"]), parse_clock(c["time_to"])
        inside = a <= minute < b if a <= b else (minute >= a or minute < b)  # e.g. 20:00–08:00 overnight
        if not inside:
            return False
    return True


def _active(session: Session, trigger: str) -> list[Rule]:
    """The active rules of a trigger; a channel worker's batch (session.info["okno_batch"]) reads them once."""
    cache = session.info.setdefault("okno_rules", {}) if session.info.get("okno_batch") else None
    if cache is not None and trigger in cache:
        return cache[trigger]
    rules = session.scalars(select(Rule).where(Rule.is_active, Rule.trigger == trigger)
                            .order_by(Rule.position, Rule.id)).all()
    if cache is not None:
        cache[trigger] = rules
    return rules


def run(session: Session, trigger: str, ticket: Ticket, now: datetime | None = None, **context) -> int:
    """Fire every active rule for this trigger whose conditions hold; returns how many fired."""
    now = now or datetime.now(timezone.utc)
    rules = _active(session, trigger)
    fired = 0
    for rule in rules:
        if trigger_matches(rule, trigger, ticket, context) and conditions_hold(session, rule, ticket, now):
            fired += fire(session, rule, ticket, trigger, now)
    return fired


def fire(session: Session, rule: Rule, ticket: Ticket, trigger: str, now: datetime) -> int:
    """Run one rule's actions in a savepoint; log the outcome and count it."""
    chain = session.info.setdefault("okno_rule_chain", [])
    chain.append(rule.id)
    try:
        with session.begin_nested():
            for action in rule.actions or ():
                rule_actions.run(session, ticket, action, rule)
    except OknoError as err:
        log.warning("rule %s (%s) failed on ticket %s: %s", rule.id, rule.name, ticket.id, err)
        session.refresh(ticket)
        session.add(RuleLog(rule_id=rule.id, ticket_id=ticket.id, trigger=trigger, outcome="error",
                            message=str(err)[:2000], at=now))
        return 0
    finally:
        chain.pop()
    session.execute(update(Rule).where(Rule.id == rule.id)
                    .values(fire_count=Rule.fire_count + 1, last_fired_at=now)
                    .execution_options(synchronize_session=False))
    session.add(RuleLog(rule_id=rule.id, ticket_id=ticket.id, trigger=trigger, outcome="fired", at=now))
    return 1


@hooks.on("*")
def _on_ticket_change(session: Session, trigger: str, ticket: Ticket, actor, **context) -> None:
    mapped = HOOK_TRIGGERS.get(trigger)
    if mapped is None:
        return
    rule_trigger, field = mapped
    if field is not None:
        context["field"] = field
    run(session, rule_trigger, ticket, **context)


@hooks.on("depth_exceeded")
def _on_loop(session: Session, trigger: str, ticket: Ticket, actor, **context) -> None:
    """The loop guard stopped a chain of rules: say which rule kept triggering, on which ticket."""
    chain = session.info.get("okno_rule_chain") or []
    rule_id = chain[-1] if chain else None
    session.add(RuleLog(rule_id=rule_id, ticket_id=ticket.id, trigger=trigger, outcome="loop_stopped",
                        message=f"stopped after {hooks.MAX_DEPTH} nested changes; rules in the chain: {chain}"))

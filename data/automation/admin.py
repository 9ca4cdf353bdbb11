"""Admin service functions for automation rules: validate and save, delete, list with their counters."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import audit
from data.db import require_row
from data.permissions import require_admin
from data.sla.calendars import parse_clock
from data.errors import NotFound, Text, ValidationError
from data.models import RULE_TRIGGERS, Rule, RuleLog, User
from data.automation.actions import ACTION_TYPES

# Which key of an action holds the chosen object (used to check that something was chosen).
REQUIRED = {"set_type": "value", "set_assignee": "user_id", "set_priority": "priority_id", "set_lane": "lane_id",
            "set_column": "column_id", "add_checklist": "items", "create_children": "titles",
            "reply_template": "template_id", "notify_user": "user_id", "notify_team": "team_id"}


def _admin(actor: User | None) -> None:
    require_admin(actor, "errors.action.configure_rules")


def save(session: Session, actor: User | None, rule_id: int | None, *, name: str, trigger: str,
         trigger_options: dict | None = None, conditions: dict | None = None, actions: list | None = None,
         is_active: bool = True, position: int = 0) -> Rule:
    _admin(actor)
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = Text("errors.field.required")
    if trigger not in RULE_TRIGGERS:
        errors["trigger"] = Text("errors.rule.trigger")
    options = {k: v for k, v in (trigger_options or {}).items() if v not in (None, "", [])}
    if trigger == "no_activity" and not (isinstance(options.get("minutes"), int) and options["minutes"] > 0):
        errors["minutes"] = Text("errors.rule.minutes")
    if trigger == "rated" and options.get("max_score") is not None and options["max_score"] not in range(1, 6):
        errors["max_score"] = Text("errors.rule.max_score")
    conditions = {k: v for k, v in (conditions or {}).items() if v not in (None, "", [], {})}
    if bool(conditions.get("time_from")) != bool(conditions.get("time_to")):
        errors["time"] = Text("errors.rule.time_window")
    for key in ("time_from", "time_to"):
        if conditions.get(key):
            try:
                parse_clock(conditions[key])
            except ValueError:
                errors["time"] = Text("errors.rule.time_format")
    actions = [a for a in (actions or []) if a.get("type")]
    for a in actions:
        if a["type"] not in ACTION_TYPES:
            errors["actions"] = Text("errors.rule.unknown_action", action=a["type"])
        elif a["type"] in REQUIRED and not a.get(REQUIRED[a["type"]]):
            errors[a["type"]] = Text("errors.rule.choose_value")
    if not actions and "actions" not in errors:
        errors["actions"] = Text("errors.rule.no_actions")
    if errors:
        raise ValidationError("errors.correct_rule", errors)
    rule = session.get(Rule, rule_id) if rule_id else Rule()
    if rule is None:
        raise NotFound("errors.rule_deleted")
    before = audit.snapshot(rule)
    rule.name, rule.trigger, rule.is_active, rule.position = name[:200], trigger, bool(is_active), int(position or 0)
    rule.trigger_options, rule.conditions, rule.actions = options, conditions, actions
    session.add(rule)
    session.flush()
    audit.saved(session, actor, "rule", rule, before)
    return rule


def get(session: Session, actor: User | None, rule_id: int) -> Rule:
    """One rule, to edit it (admins only)."""
    _admin(actor)
    return require_row(session, Rule, rule_id, "errors.rule_deleted")


def delete(session: Session, actor: User | None, rule_id: int) -> None:
    _admin(actor)
    audit.delete(session, actor, "rule", Rule, rule_id)


def listing(session: Session) -> list[Rule]:
    return list(session.scalars(select(Rule).order_by(Rule.position, Rule.id)))


def recent_log(session: Session, limit: int = 20) -> list[RuleLog]:
    """Latest failures and loop stops, so an admin sees why a rule did not do its job."""
    return list(session.scalars(select(RuleLog).where(RuleLog.outcome.in_(("error", "loop_stopped")))
                                .order_by(RuleLog.at.desc()).limit(limit)))

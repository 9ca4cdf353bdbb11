"""Admin changes to the service catalog: services and request types (form, checklist, routing, child cards).

Only admins; every value is checked here, so the admin pages stay thin and a bad value comes back as a
ValidationError naming the field.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import audit, limits, permissions
from data.errors import NotFound, Text, ValidationError
from data.models import Board, BoardColumn, ColumnFanout, Lane, Priority, RequestType, Service, Team, User
from data.intake.forms import check_schema
from data.intake.routing import ASSIGN_KINDS
from data.messaging.notify import DEFAULT_STATUS_WINDOW

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,63}$")


def _admin(actor: User) -> None:
    permissions.require_role(actor, ("admin",), "errors.action.configure_catalog")


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "", 0, "0") else None
    except (TypeError, ValueError):
        return None


def _window(value) -> int:
    """Minutes a status message waits for the next change (data/messaging/notify.py); blank = the default."""
    if value in (None, ""):
        return int(DEFAULT_STATUS_WINDOW.total_seconds() // 60)
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= 1440:
        raise ValidationError("errors.status_window", {"status_window_minutes": Text("errors.status_window")})
    return minutes


def _exists(session: Session, model, value, field: str) -> int | None:
    ident = _int(value)
    if ident is not None and session.get(model, ident) is None:
        raise ValidationError("errors.no_such_value", {field: Text("errors.field.no_such_value", field=field)},
                              field=field)
    return ident


def _code(session: Session, model, code: str, current_id: int | None, **scope) -> str:
    code = (code or "").strip().lower()
    if not CODE_RE.match(code):
        raise ValidationError("errors.code_format", {"code": Text("errors.field.code_format")})
    clash = session.scalar(select(model.id).filter_by(code=code, **scope))
    if clash is not None and clash != current_id:
        raise ValidationError("errors.code_taken", {"code": Text("errors.field.already_used")}, code=code)
    return code


def domains(text) -> list[str]:
    items = text if isinstance(text, list) else re.split(r"[\s,;]+", str(text or ""))
    out = []
    for d in items:
        d = d.strip().lower().lstrip("@")
        if not d:
            continue
        if not DOMAIN_RE.match(d):
            raise ValidationError("errors.not_a_domain",
                                  {"allowed_domains": Text("errors.field.not_a_domain", domain=d)}, domain=d)
        out.append(d)
    return sorted(set(out))


def save_service(session: Session, actor: User, service_id: int | None, data: dict) -> Service:
    """Create (service_id None) or update a service from a dict of its settings."""
    _admin(actor)
    service = session.get(Service, service_id) if service_id else Service()
    if service is None:
        raise NotFound("errors.no_such_service")
    before = audit.snapshot(service)
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError("errors.name_required", {"name": Text("errors.field.required")})
    board_id = _exists(session, Board, data.get("board_id"), "board")
    if board_id is None:
        raise ValidationError("errors.choose_intake_board", {"board_id": Text("errors.field.required")})
    column_id = _int(data.get("column_id"))
    if column_id and session.scalar(select(BoardColumn.board_id).where(BoardColumn.id == column_id)) != board_id:
        raise ValidationError("errors.column_not_on_board", {"column_id": Text("errors.field.not_on_board")})
    lane_id = _int(data.get("lane_id"))
    if lane_id and session.scalar(select(Lane.board_id).where(Lane.id == lane_id)) != board_id:
        raise ValidationError("errors.lane_not_on_board", {"lane_id": Text("errors.field.not_on_board")})
    service.code = _code(session, Service, data.get("code"), service.id)
    service.name = limits.check(name, "name", "name")
    service.description = limits.check((data.get("description") or "").strip(), "text", "description")
    service.board_id, service.column_id, service.lane_id = board_id, column_id, lane_id
    service.team_id = _exists(session, Team, data.get("team_id"), "team")
    service.allowed_domains = domains(data.get("allowed_domains"))
    service.notify = {"on_status_change": bool(data.get("on_status_change")),
                      "on_public_reply": bool(data.get("on_public_reply")),
                      "status_window_minutes": _window(data.get("status_window_minutes"))}
    service.auto_reply_template = limits.check((data.get("auto_reply_template") or "").strip(), "text",
                                               "auto_reply_template") or None
    service.is_active = bool(data.get("is_active", True))
    if service.id is None:
        service.position = (session.scalar(select(func.max(Service.position))) or 0) + 1
        session.add(service)
    session.flush()
    audit.saved(session, actor, "service", service, before)
    return service


def checklist(items) -> list[dict]:
    out = []
    for item in items or []:
        text = str(item.get("text") if isinstance(item, dict) else item).strip()
        if text:
            limits.check(text, "checklist_item", "checklist")
            out.append({"text": text, "required_on_submit": bool(isinstance(item, dict)
                                                                      and item.get("required_on_submit"))})
    return out


def _routing(session: Session, routing: dict, keys: set[str]) -> dict:
    routing = dict(routing or {})
    if routing.get("assign", "none") not in ASSIGN_KINDS:
        raise ValidationError("errors.unknown_assignment",
                              {"routing": Text("errors.field.assign_one_of", kinds=", ".join(ASSIGN_KINDS))})
    if routing.get("assign") == "fixed" and not _int(routing.get("user_id")) and not routing.get("rules"):
        raise ValidationError("errors.choose_fixed_person", {"routing": Text("errors.field.choose_person")})
    _exists(session, User, routing.get("user_id"), "user")
    _exists(session, Team, routing.get("team_id"), "team")
    rules = []
    for n, rule in enumerate(routing.get("rules") or [], 1):
        if rule.get("field") not in keys:
            raise ValidationError("errors.routing_rule_field",
                                  {"routing": Text("errors.field.routing_rule_field", n=n)}, n=n)
        if rule.get("assign") and rule["assign"] not in ASSIGN_KINDS:
            raise ValidationError("errors.routing_rule_assign",
                                  {"routing": Text("errors.field.routing_rule_assign", n=n)}, n=n)
        for key, model in (("assignee_id", User), ("team_id", Team), ("board_id", Board)):
            _exists(session, model, rule.get(key), key)
        rules.append({k: v for k, v in rule.items() if v not in (None, "")})
    routing["rules"] = rules
    return {k: v for k, v in routing.items() if v not in (None, "", [])} | {"rules": rules}


def _children(session: Session, children: list) -> list[dict]:
    out = []
    for n, child in enumerate(children or [], 1):
        if not _int(child.get("board_id")) or session.get(Board, _int(child["board_id"])) is None:
            raise ValidationError("errors.child_board", {"children": Text("errors.field.child_board", n=n)}, n=n)
        _exists(session, User, child.get("assignee_id"), "assignee_id")
        clean = {"board_id": _int(child["board_id"]), "title": (child.get("title") or "").strip() or "{title}",
                 "card_type": (child.get("card_type") or "").strip() or None, "checklist": checklist(child.get("checklist")),
                 "assignee_id": _int(child.get("assignee_id"))}
        for key in ("column_id", "team_id", "assign"):
            if child.get(key):
                clean[key] = child[key]
        out.append(clean)
    return out


def save_request_type(session: Session, actor: User, type_id: int | None, service_id: int, data: dict) -> RequestType:
    """Create or update a request type: its form (field_schema), checklist, priority, routing and child cards."""
    _admin(actor)
    if session.get(Service, _int(service_id) or 0) is None:
        raise ValidationError("errors.choose_service", {"service_id": Text("errors.field.required")})
    rt = session.get(RequestType, type_id) if type_id else RequestType(service_id=int(service_id))
    if rt is None:
        raise NotFound("errors.no_such_request_type")
    before = audit.snapshot(rt)
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError("errors.name_required", {"name": Text("errors.field.required")})
    schema = data.get("field_schema") or []
    problems = check_schema(schema)
    if problems:
        raise ValidationError("errors.problems", {"field_schema": Text("errors.problems", problems=problems)},
                              problems=problems)
    if data.get("children_mode", "parallel") not in ("parallel", "chain"):
        raise ValidationError("errors.children_mode", {"children_mode": Text("errors.field.children_mode")})
    rt.code = _code(session, RequestType, data.get("code"), rt.id, service_id=int(service_id))
    rt.name = limits.check(name, "name", "name")
    rt.description = limits.check((data.get("description") or "").strip(), "text", "description")
    rt.card_type = (data.get("card_type") or "").strip() or None
    rt.field_schema = schema
    rt.checklist = checklist(data.get("checklist"))
    rt.default_priority_id = _exists(session, Priority, data.get("default_priority_id"), "default_priority_id")
    rt.routing = _routing(session, data.get("routing"), {f["key"] for f in schema})
    rt.children = _children(session, data.get("children"))
    rt.children_mode = data.get("children_mode") or "parallel"
    rt.is_active = bool(data.get("is_active", True))
    if rt.id is None:
        rt.position = (session.scalar(select(func.max(RequestType.position))
                                      .where(RequestType.service_id == rt.service_id)) or 0) + 1
        session.add(rt)
    session.flush()
    audit.saved(session, actor, "request_type", rt, before)
    return rt


def save_column_fanout(session: Session, actor: User, column_id: int, children: list, mode: str) -> ColumnFanout | None:
    """Set the child cards created when a card enters the column; no children removes the setting."""
    _admin(actor)
    if session.get(BoardColumn, _int(column_id) or 0) is None:
        raise ValidationError("errors.choose_column", {"column_id": Text("errors.field.required")})
    if mode not in ("parallel", "chain"):
        raise ValidationError("errors.children_mode", {"children_mode": Text("errors.field.children_mode")})
    fan = session.scalar(select(ColumnFanout).where(ColumnFanout.column_id == int(column_id)))
    clean = _children(session, children)
    before = audit.snapshot(fan)
    if not clean:
        if fan is not None:
            session.delete(fan)
            audit.deleted(session, actor, "column_fanout", fan, before)
        session.flush()
        return None
    fan = fan or ColumnFanout(column_id=int(column_id))
    fan.children, fan.children_mode = clean, mode
    session.add(fan)
    session.flush()
    audit.saved(session, actor, "column_fanout", fan, before)
    return fan


def services(session: Session, actor: User) -> list[Service]:
    """Every service, switched-off ones too, in catalog order (the admin's list)."""
    _admin(actor)
    return list(session.scalars(select(Service).order_by(Service.position, Service.name)))


def request_types(session: Session, actor: User, service_id: int) -> list[RequestType]:
    """A service's request types, switched-off ones too, in form order (the admin's list)."""
    _admin(actor)
    return list(session.scalars(select(RequestType).where(RequestType.service_id == service_id)
                                .order_by(RequestType.position, RequestType.name)))


def column_fanout(session: Session, actor: User, column_id: int) -> ColumnFanout | None:
    """The child cards set for a column, or None when entering it creates none."""
    _admin(actor)
    return session.scalar(select(ColumnFanout).where(ColumnFanout.column_id == column_id))

"""Where a new request lands and who gets it, from the service, the request type and the form values.

A request type's `routing` (JSONB):
    {"assign": "fixed" | "round_robin" | "least_loaded" | "none",
     "user_id": 7,                  # fixed: this person
     "team_id": 3,                  # round-robin / least-loaded among this team (default: the service's team)
     "board_id", "column_id", "lane_id", "priority_id",  # optional overrides of the service's placement
     "rules": [{"field": "topic", "equals": "Printer",  # or "in": [...]; the first rule that matches wins
                "card_type": "Hardware", "assignee_id": 12, "team_id": 4, "assign": "least_loaded",
                "board_id", "column_id", "lane_id", "priority_id"}]}
Round-robin keeps its place per team in routing_cursors (row-locked, so two requests never get the
same turn); least-loaded counts each member's open cards (status <> done) in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from data.models import BoardColumn, Lane, RequestType, RoutingCursor, Service, Ticket, User

ASSIGN_KINDS = ("none", "fixed", "round_robin", "least_loaded")
PLACEMENT = ("board_id", "column_id", "lane_id", "priority_id", "team_id")


@dataclass
class Route:
    board_id: int
    column_id: int | None = None
    lane_id: int | None = None
    card_type: str | None = None
    priority_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    rule: int | None = None  # index of the rule that matched, for the event log


def matches(rule: dict, values: dict) -> bool:
    actual = values.get(rule.get("field"))
    if "equals" in rule:
        want = rule["equals"]
        return actual == want or (isinstance(actual, list) and want in actual)
    if "in" in rule:
        return actual in (rule["in"] or []) or (isinstance(actual, list) and bool(set(actual) & set(rule["in"] or [])))
    return False


def team_members(session: Session, team_id: int) -> list[int]:
    """Agents of the team who can take cards (the lead only when the team has no agents)."""
    rows = session.execute(select(User.id, User.role).where(User.team_id == team_id, User.is_active,
                                                            User.role.in_(("agent", "manager", "admin")))
                           .order_by(User.id)).all()
    agents = [i for i, role in rows if role == "agent"]
    return agents or [i for i, _role in rows]


def round_robin(session: Session, team_id: int) -> int | None:
    members = team_members(session, team_id)
    if not members:
        return None
    key = f"team:{team_id}"
    session.execute(insert(RoutingCursor).values(key=key).on_conflict_do_nothing())
    cursor = session.scalar(select(RoutingCursor).where(RoutingCursor.key == key).with_for_update())
    after = [m for m in members if cursor.last_user_id is not None and m > cursor.last_user_id]
    chosen = after[0] if after else members[0]
    cursor.last_user_id, cursor.updated_at = chosen, func.now()
    session.flush()
    return chosen


def least_loaded(session: Session, team_id: int) -> int | None:
    members = team_members(session, team_id)
    if not members:
        return None
    open_cards = func.count(Ticket.id)
    row = session.execute(select(User.id, open_cards)
                          .outerjoin(Ticket, and_(Ticket.assignee_id == User.id, Ticket.status != "done"))
                          .where(User.id.in_(members)).group_by(User.id).order_by(open_cards, User.id).limit(1)).first()
    return row[0] if row else None


def route(session: Session, service: Service, request_type: RequestType | None, values: dict) -> Route:
    """Decide board, column, lane, card type, priority, team and assignee for a new request."""
    routing = (request_type.routing if request_type else None) or {}
    r = Route(board_id=service.board_id, column_id=service.column_id, lane_id=service.lane_id,
              card_type=request_type.card_type if request_type else None,
              priority_id=request_type.default_priority_id if request_type else None, team_id=service.team_id)
    _override(r, routing)
    method, user_id = routing.get("assign") or "none", routing.get("user_id")
    for index, rule in enumerate(routing.get("rules") or []):
        if matches(rule, values):
            r.rule = index
            _override(r, rule)
            r.card_type = rule.get("card_type") or r.card_type
            if rule.get("assignee_id"):
                method, user_id = "fixed", rule["assignee_id"]
            elif rule.get("assign"):
                method = rule["assign"]
            break
    if method == "fixed" and user_id and session.get(User, int(user_id)) is not None:
        r.assignee_id = int(user_id)
    elif method == "round_robin" and r.team_id:
        r.assignee_id = round_robin(session, r.team_id)
    elif method == "least_loaded" and r.team_id:
        r.assignee_id = least_loaded(session, r.team_id)
    _fit_board(session, r)
    return r


def _override(r: Route, source: dict) -> None:
    board_changed = source.get("board_id") and source["board_id"] != r.board_id
    for key in PLACEMENT:
        if source.get(key):
            setattr(r, key, int(source[key]))
    if board_changed and not source.get("column_id"):
        r.column_id = None  # the new board's first column
    if board_changed and not source.get("lane_id"):
        r.lane_id = None


def _fit_board(session: Session, r: Route) -> None:
    """Keep column and lane on the chosen board; on an agent-lane board put the card in the assignee's lane."""
    if r.column_id and session.scalar(select(BoardColumn.board_id).where(BoardColumn.id == r.column_id)) != r.board_id:
        r.column_id = None
    if r.lane_id:
        lane = session.get(Lane, r.lane_id)
        if lane is None or lane.board_id != r.board_id:
            r.lane_id = None
    if r.assignee_id:
        own = session.scalar(select(Lane.id).where(Lane.board_id == r.board_id, Lane.user_id == r.assignee_id))
        lane = session.get(Lane, r.lane_id) if r.lane_id else None
        if own and (lane is None or lane.user_id is not None):
            r.lane_id = own
        elif lane is not None and lane.user_id and lane.user_id != r.assignee_id:
            r.lane_id = None  # a colleague's lane would reassign the card


def domain_allowed(service: Service, addresses: list[str]) -> bool:
    """A service with allowed domains accepts a requester when one of their email addresses is in them.

    A requester known only by Telegram (no address) passes: the bot can't prove a domain; linking an
    email (PIN-verified) is how such a person shows one.
    """
    domains = [d.lower().lstrip("@") for d in (service.allowed_domains or []) if d]
    if not domains or not addresses:
        return True
    return any(a.lower().rsplit("@", 1)[-1] in domains for a in addresses)

"""Who may do what. Checked in service functions, whatever the UI shows or hides."""
from __future__ import annotations

from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import Session, object_session

from data.errors import PermissionDenied, Text
from data.i18n import N_
from data.models import Board, Lane, Team, Ticket, User

STAFF_WRITERS = ("admin", "manager", "agent")
LEADS = ("admin", "manager")
READERS = ("admin", "manager", "agent", "analyst", "director")
# Team boundaries (docs/security.md, "Who may see and do what"): an admin writes on every team's boards;
# managers lead and agents work their own teams only; analysts and directors read every team, write nothing.
SPANS_TEAMS = ("admin",)
READS_ALL_TEAMS = ("admin", "analyst", "director")

# Pages each role may open (the navbar shows only these; the page guard checks them again).
PAGES = {
    "board": STAFF_WRITERS,
    "tickets": READERS,
    "analytics": ("admin", "manager", "analyst", "director"),
    "weekly": ("admin", "manager", "analyst", "director"),
    "weekly_subscriptions": ("admin", "manager", "director"),
    "admin": ("admin",),
    "board_settings": LEADS,
    "recurring": STAFF_WRITERS,
    "kb": READERS,  # everyone on staff reads the knowledge base; writing is checked in data/kb
    "profile": READERS,  # every staff member's own settings and tokens
    "approvals": READERS,  # anyone on staff may be asked to approve; data/approvals checks each decision
}


def can_open(user: User | None, page: str) -> bool:
    return user is not None and user.role in PAGES.get(page, ())


def require_role(user: User | None, roles: tuple[str, ...], action: str) -> User:
    """`action` is the message id of what the user tried ("errors.action.move_cards"): "You may not <action>"."""
    if user is None or not isinstance(user, User) or user.role not in roles or not user.is_active:
        raise PermissionDenied("errors.may_not", action=Text(action))
    return user


def require_admin(actor: User | None, action: str) -> User:
    return require_role(actor, ("admin",), action)


def require_staff_writer(user: User | None, action: str = N_("errors.action.change_tickets")) -> User:
    return require_role(user, STAFF_WRITERS, action)


def require_reader(user: User | None) -> User:
    return require_role(user, READERS, "errors.action.read_tickets")


def team_ids(session: Session, user: User) -> set[int]:
    """The teams a user belongs to: their own team and the teams they lead.

    Kept for the session (one request or job): a write checks the ticket's reach when it reads the ticket
    and again before changing it, and a list asks for the read scope too — one query serves them all."""
    known = session.info.setdefault("okno_team_ids", {})
    if user.id not in known:
        led = set(session.scalars(select(Team.id).where(Team.lead_id == user.id)))
        known[user.id] = led | ({user.team_id} if user.team_id is not None else set())
    return set(known[user.id])


def spans_teams(user: User) -> bool:
    """Writes on every team's boards (admins)."""
    return user.role in SPANS_TEAMS


def reads_all_teams(user: User) -> bool:
    """Sees every team's boards and tickets (admins, analysts, directors)."""
    return user.role in READS_ALL_TEAMS


def _board_team(session: Session, board_id: int) -> int | None:
    board = session.get(Board, board_id)  # the identity map answers the second check of the same ticket
    return board.team_id if board is not None else None


def _ticket_in_reach(session: Session, user: User, ticket: Ticket) -> bool:
    """The ticket's board is a board of the user's teams (or a shared one), or the ticket was handed to one
    of their teams (a line's lane hands a card to a team without moving it)."""
    return _in_reach(session, user, ticket.board_id, ticket.team_id)


def _in_reach(session: Session, user: User, board_id: int, team_id: int | None) -> bool:
    board_team = _board_team(session, board_id)
    if board_team is None:
        return True
    teams = team_ids(session, user)
    return board_team in teams or (team_id is not None and team_id in teams)


def assignable(session: Session, user: User | None, board_id: int, team_id: int | None = None) -> bool:
    """May `user` be the assignee of a ticket on this board (handed to `team_id`): an active agent, manager or
    admin, and — unless an admin — of the board's team or the ticket's (a shared board takes anyone).
    The database holds the same rule (trigger tickets_assignee_on_team, migration integrity_0001): whoever
    may change a ticket may be given it."""
    if user is None or not isinstance(user, User) or user.role not in STAFF_WRITERS or not user.is_active:
        return False
    return spans_teams(user) or _in_reach(session, user, board_id, team_id)


def may_see(session: Session, user: User, ticket: Ticket) -> bool:
    if user is None or not isinstance(user, User) or user.role not in READERS or not user.is_active:
        return False
    return reads_all_teams(user) or _ticket_in_reach(session, user, ticket)


def may_touch(session: Session, user: User, ticket: Ticket) -> bool:
    """May this staff member change this ticket: a writer role, and the ticket within their teams
    unless the role spans teams."""
    return assignable(session, user, ticket.board_id, ticket.team_id)


def require_ticket_access(session: Session, user: User | None, ticket: Ticket, action: str) -> User:
    """Every write on a ticket on behalf of a staff member passes here. `action` as in require_role."""
    require_staff_writer(user, action)
    if not may_touch(session, user, ticket):
        raise PermissionDenied("errors.ticket_other_team", number=ticket.number)
    return user


def require_ticket_reader(session: Session, user: User | None, ticket: Ticket) -> User:
    require_reader(user)
    if not may_see(session, user, ticket):
        raise PermissionDenied("errors.ticket_other_team", number=ticket.number)
    return user


def _own_or_shared(session: Session, user: User):
    """Boards of the user's teams and boards that belong to no team (shared boards)."""
    return or_(Board.team_id.is_(None), Board.team_id.in_(list(team_ids(session, user))))


def visible_boards(session: Session, user: User) -> list[Board]:
    """The boards the user sees, by name: every board for roles that read across teams."""
    stmt = select(Board).order_by(Board.name)
    if not reads_all_teams(user):
        stmt = stmt.where(_own_or_shared(session, user))
    return list(session.scalars(stmt))


def reach(session: Session, user: User) -> tuple[list[int], list[int]] | None:
    """What a reader may see, as (board ids, team ids): a ticket on one of those boards (their teams' and the
    shared ones) or handed to one of those teams. None: every ticket (roles that read across teams).
    The same rule as may_see(); ticket_scope() and the analytics filter (data/metrics/filters.py) use it."""
    if reads_all_teams(user):
        return None
    # The board ids are read once here (a handful), so the ticket query stays a plain indexed filter.
    boards = list(session.scalars(select(Board.id).where(_own_or_shared(session, user))))
    return boards, sorted(team_ids(session, user))


def ticket_scope(session: Session, user: User | None):
    """The read scope as a WHERE clause on `Ticket`: the same rule as may_see(), for lists and exports."""
    if user is None or not isinstance(user, User) or user.role not in READERS:
        return false()
    found = reach(session, user)
    if found is None:
        return true()
    boards, teams = found
    return or_(Ticket.board_id.in_(boards), Ticket.team_id.in_(teams)) if teams else Ticket.board_id.in_(boards)


def check_board_access(user: User, board: Board, session: Session | None = None) -> None:
    """Staff work on their teams' boards and on boards that belong to no team; admins on all."""
    if spans_teams(user) or board.team_id is None:
        return
    session = session or object_session(board)
    teams = team_ids(session, user) if session is not None else {user.team_id}
    if board.team_id not in teams:
        raise PermissionDenied("errors.board_other_team", board=board.name)


def check_lane_access(user: User, lane: Lane | None, current_assignee_id: int | None) -> None:
    """An agent may take a card into their own lane or an unowned lane; only leads give cards to others."""
    if lane is None or user.role in LEADS or lane.user_id is None:
        return
    if lane.user_id != user.id:
        raise PermissionDenied("errors.lane_lead_only")

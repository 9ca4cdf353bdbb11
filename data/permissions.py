"""Who may do what. Checked in service functions, whatever the UI shows or hides."""
from __future__ import annotations

from data.errors import PermissionDenied, Text
from data.i18n import N_
from data.models import Board, Lane, User

STAFF_WRITERS = ("admin", "manager", "agent")
LEADS = ("admin", "manager")
READERS = ("admin", "manager", "agent", "analyst", "director")

# Pages each role may open (the navbar shows only these; the page guard checks them again).
PAGES = {
    "board": STAFF_WRITERS,
    "tickets": READERS,
    "analytics": ("admin", "manager", "analyst", "director"),
    "weekly": ("admin", "manager", "analyst", "director"),
    "weekly_subscriptions": ("admin", "manager", "director"),
    "admin": ("admin",),
    "board_settings": LEADS,
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


def check_board_access(user: User, board: Board) -> None:
    """Agents work on their team's boards and on boards that belong to no team."""
    if user.role in LEADS:
        return
    if board.team_id is not None and board.team_id != user.team_id:
        raise PermissionDenied("errors.board_other_team", board=board.name)


def check_lane_access(user: User, lane: Lane | None, current_assignee_id: int | None) -> None:
    """An agent may take a card into their own lane or an unowned lane; only leads give cards to others."""
    if lane is None or user.role in LEADS or lane.user_id is None:
        return
    if lane.user_id != user.id:
        raise PermissionDenied("errors.lane_lead_only")

"""Boards, their columns and lanes: which boards a user may work on, and board settings for leads.

Settings changes bump the board revision so that open boards re-render with the new layout.
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from data.db import as_id
from data import audit, limits, permissions
from data.errors import NotFound, Text, ValidationError
from data.events import bump_revision
from data.boards.kinds import cards_follow_kind
from data.tickets.actions import lock_placement, not_assignable
from data.models import COLUMN_KINDS, COLUMN_OUTCOMES, LANE_MODES, Board, BoardColumn, Lane, Team, Ticket, User


def usable(session: Session, user: User) -> list[Board]:
    """Boards the user may work on: admins see all, managers and agents their teams' boards and team-less ones."""
    permissions.require_staff_writer(user, "errors.action.open_boards")
    return permissions.visible_boards(session, user)


def home_board(session: Session, user: User) -> Board | None:
    """The board the user lands on: their team's board when their teams (led or belonged to) have exactly
    one, else the only board they may use; None when they should pick."""
    boards = usable(session, user)
    teams = permissions.team_ids(session, user)
    own = [b for b in boards if b.team_id is not None and b.team_id in teams]
    return own[0] if len(own) == 1 else (boards[0] if len(boards) == 1 else None)


def landing(session: Session, user: User, listed: bool = False) -> str | None:
    """Where `/board` sends this user: their home board's address, or None to show the list of boards.

    Admins span every team, so they pick; `listed` (`/board?all=1`, the switcher's link) always shows the list."""
    if listed or permissions.spans_teams(user):
        return None
    home = home_board(session, user)
    return f"/board/{home.id}" if home is not None else None


def picker(session: Session, user: User) -> list[tuple[Board, bool]]:
    """The boards to pick from, (board, of the user's own teams): their teams' boards first, then the rest,
    each part by name."""
    teams = permissions.team_ids(session, user)
    marked = [(b, b.team_id is not None and b.team_id in teams) for b in usable(session, user)]
    return sorted(marked, key=lambda pair: not pair[1])  # stable: names stay in order within each part


def get(session: Session, user: User, board_id: int) -> Board:
    """A board the user may work on, with its columns and lanes loaded."""
    # One query for the board, its columns and lanes (a board callback needs all three).
    wanted = as_id(board_id)
    board = session.get(Board, wanted, options=[joinedload(Board.columns), joinedload(Board.lanes)]) \
        if wanted else None
    if board is None:
        raise NotFound("errors.board_not_found", id=board_id)
    permissions.require_staff_writer(user, "errors.action.open_boards")
    permissions.check_board_access(user, board, session)
    return board


def revisions(session: Session, board_id: int) -> tuple[int, dict[int, int]]:
    """The board revision and each column's revision: what the page polls (one indexed query)."""
    rows = session.execute(select(Board.revision, BoardColumn.id, BoardColumn.revision)
                           .outerjoin(BoardColumn, BoardColumn.board_id == Board.id)
                           .where(Board.id == board_id)).all()
    if not rows:
        raise NotFound("errors.board_not_found", id=board_id)
    return rows[0][0], {cid: rev for _b, cid, rev in rows if cid is not None}


# --- settings (leads only) -------------------------------------------------------------------

def _require_lead(user: User) -> None:
    permissions.require_role(user, permissions.LEADS, "errors.action.change_board_settings")


def _name(value: str | None, field: str = "name") -> str:
    value = (value or "").replace("\x00", "").strip()
    if not value:
        raise ValidationError("errors.name_required", {field: Text("errors.field.required")})
    return limits.check(value, "name", field)


def _positive(value, field: str) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError("errors.whole_number", {field: Text("errors.field.invalid")}, field=field) from None
    if number <= 0:
        raise ValidationError("errors.positive_number", {field: Text("errors.field.invalid")}, field=field)
    return number


def create_board(session: Session, user: User, name: str, lane_mode: str = "none", team_id: int | None = None,
                 columns: list[tuple[str, str]] | None = None) -> Board:
    """A new board with default columns (Queue, In progress, Waiting, Done) unless given."""
    _require_lead(user)
    if lane_mode not in LANE_MODES:
        raise ValidationError("errors.unknown_lane_mode", {"lane_mode": Text("errors.field.invalid")})
    if team_id is not None and session.get(Team, team_id) is None:
        raise ValidationError("errors.unknown_team", {"team": Text("errors.field.invalid")})
    board = Board(name=_name(name), lane_mode=lane_mode, team_id=team_id)
    session.add(board)
    session.flush()
    for pos, (col_name, kind) in enumerate(columns or [("Queue", "queue"), ("In progress", "in_progress"),
                                                       ("Waiting", "waiting"), ("Done", "done")]):
        session.add(BoardColumn(board_id=board.id, name=col_name, kind=kind, position=pos))
    session.flush()
    audit.saved(session, user, "board", board, None)
    return board


def update_board(session: Session, user: User, board_id: int, *, name: str, lane_mode: str,
                 team_id: int | None) -> Board:
    _require_lead(user)
    board = get(session, user, board_id)
    if lane_mode not in LANE_MODES:
        raise ValidationError("errors.unknown_lane_mode", {"lane_mode": Text("errors.field.invalid")})
    before = audit.snapshot(board)
    board.name, board.lane_mode, board.team_id = _name(name), lane_mode, team_id
    bump_revision(session, board.id, *[c.id for c in board.columns])
    audit.saved(session, user, "board", board, before)
    return board


def _new_or_existing(session: Session, model, board_id: int, item_id: int | None):
    """The board's column/lane with this id, or a new one placed last."""
    if item_id is None:
        last = session.scalar(select(func.max(model.position)).where(model.board_id == board_id))
        item = model(board_id=board_id, position=(last if last is not None else -1) + 1)
        session.add(item)
        return item
    item = session.get(model, item_id)
    if item is None or item.board_id != board_id:
        if model is BoardColumn:
            raise NotFound("errors.column_id_not_on_board", id=item_id)
        raise NotFound("errors.lane_id_not_on_board", id=item_id)
    return item


def save_column(session: Session, user: User, board_id: int, *, column_id: int | None = None, name: str,
                kind: str, wip_limit=None, wip_hard: bool = False, time_limit_minutes=None,
                requester_status: str | None = None, outcome: str | None = None) -> BoardColumn:
    """Add a column at the end, or change one. Limits are positive whole numbers or empty.

    A new kind is a new status for the column's cards: they take it in the same transaction, each with a
    `moved` event from its old status (data/boards/kinds.py), as the analytics and SLA clocks read them.
    `outcome` ('done' or 'declined') says how a request in a done column ended; other kinds have none."""
    _require_lead(user)
    board = get(session, user, board_id)
    if kind not in COLUMN_KINDS:
        raise ValidationError("errors.unknown_column_kind", {"kind": Text("errors.field.invalid")})
    if outcome and outcome not in COLUMN_OUTCOMES:
        raise ValidationError("errors.column_outcome", {"outcome": Text("errors.field.invalid")})
    name, wip, minutes = _name(name), _positive(wip_limit, "wip_limit"), _positive(time_limit_minutes, "time_limit")
    requester_status = limits.check((requester_status or "").strip(), "name", "requester_status") or None
    column = _new_or_existing(session, BoardColumn, board.id, column_id)
    if column.id is not None:
        lock_placement(session, column)  # no card enters the column with the old kind meanwhile
    before = audit.snapshot(column)
    old_kind = column.kind
    column.name, column.kind, column.wip_limit, column.time_limit_minutes = name, kind, wip, minutes
    column.wip_hard = bool(wip_hard) and wip is not None
    column.requester_status = requester_status
    column.outcome = (outcome or column.outcome or "done") if kind == "done" else None
    session.flush()  # the database's cascade gives the cards the new kind as their status
    if old_kind is not None and old_kind != kind:
        cards_follow_kind(session, user, column, old_kind)
    bump_revision(session, board.id, column.id)
    audit.saved(session, user, "board_column", column, before)
    return column


def _shift(session: Session, model, board_id: int, item_id: int, delta: int) -> None:
    """Swap an item with its neighbour (positions are unique per board, so go through a free slot)."""
    items = list(session.scalars(select(model).where(model.board_id == board_id).order_by(model.position)))
    index = next((i for i, it in enumerate(items) if it.id == item_id), None)
    if index is None:
        raise NotFound("errors.not_on_board")
    other = index + delta
    if not 0 <= other < len(items):
        return
    a, b = items[index], items[other]
    pa, pb = a.position, b.position
    a.position = -1 - max(pa, pb)
    session.flush()
    b.position = pa
    session.flush()
    a.position = pb
    session.flush()


def move_column(session: Session, user: User, board_id: int, column_id: int, delta: int) -> None:
    _require_lead(user)
    get(session, user, board_id)
    _shift(session, BoardColumn, board_id, column_id, delta)
    bump_revision(session, board_id, column_id)
    audit.record(session, user, "board_column.move", ("board_columns", column_id, ""), after={"delta": delta})


def delete_column(session: Session, user: User, board_id: int, column_id: int) -> None:
    """Only an empty column can go: cards never disappear with a column."""
    _require_lead(user)
    get(session, user, board_id)
    column = session.get(BoardColumn, column_id)
    if column is None or column.board_id != board_id:
        raise NotFound("errors.column_id_not_on_board", id=column_id)
    if session.scalar(select(func.count()).select_from(Ticket).where(Ticket.column_id == column_id)):
        raise ValidationError("errors.column_not_empty", {"column": Text("errors.field.column_not_empty")})
    before = audit.snapshot(column)
    session.delete(column)
    bump_revision(session, board_id)
    audit.deleted(session, user, "board_column", column, before)


def save_lane(session: Session, user: User, board_id: int, *, lane_id: int | None = None, name: str,
              user_id: int | None = None, team_id: int | None = None, owner_id: int | None = None,
              wip_limit=None) -> Lane:
    """Add or change a lane: an agent's (cards here are theirs), a line's (a team) or a unit's (an owner)."""
    _require_lead(user)
    board = get(session, user, board_id)
    name, wip = _name(name), _positive(wip_limit, "wip_limit")
    for key, value in (("agent", user_id), ("owner", owner_id)):
        if value is not None and session.get(User, value) is None:
            raise ValidationError("errors.unknown_user", {key: Text("errors.field.invalid")})
    if user_id is not None and not permissions.assignable(session, session.get(User, user_id), board.id):
        err = not_assignable(session.get(User, user_id), board)  # entering the lane would assign the card
        raise ValidationError(err.key, {"agent": Text("errors.field.not_assignable")}, **err.values)
    lane = _new_or_existing(session, Lane, board.id, lane_id)
    before = audit.snapshot(lane)
    lane.name, lane.user_id, lane.team_id, lane.owner_id, lane.wip_limit = name, user_id, team_id, owner_id, wip
    session.flush()
    bump_revision(session, board.id, *[c.id for c in board.columns])
    audit.saved(session, user, "lane", lane, before)
    return lane


def move_lane(session: Session, user: User, board_id: int, lane_id: int, delta: int) -> None:
    _require_lead(user)
    board = get(session, user, board_id)
    _shift(session, Lane, board_id, lane_id, delta)
    bump_revision(session, board_id, *[c.id for c in board.columns])
    audit.record(session, user, "lane.move", ("lanes", lane_id, ""), after={"delta": delta})


def delete_lane(session: Session, user: User, board_id: int, lane_id: int) -> None:
    """The lane's cards stay on the board, outside any lane."""
    _require_lead(user)
    board = get(session, user, board_id)
    lane = session.get(Lane, lane_id)
    if lane is None or lane.board_id != board_id:
        raise NotFound("errors.lane_id_not_on_board", id=lane_id)
    session.execute(update(Ticket).where(Ticket.lane_id == lane_id).values(lane_id=None, version=Ticket.version + 1))
    before = audit.snapshot(lane)
    session.delete(lane)
    bump_revision(session, board_id, *[c.id for c in board.columns])
    audit.deleted(session, user, "lane", lane, before)

"""Board service tests: moves, lanes, limits, blocking, child roll-up, conflicts, forged moves, the board view."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from data.boards import moves as board_moves
from data.boards import view as board_view
from data.boards import setup as boards
from data.tickets import checklists
from data.tickets import children
from data.tickets import view as ticket_view
from data.tickets import actions as tickets
from data.tickets.filters import TicketFilter
from data.errors import Conflict, LimitExceeded, PermissionDenied, ValidationError
from data.models import Ticket
from tests import factories as f


@pytest.fixture
def crew(session):
    team = f.team(session)
    lead = f.user(session, "manager", team, name="Марина Лид")
    ann, bob = f.user(session, "agent", team, name="Анна"), f.user(session, "agent", team, name="Борис")
    board = f.board(session, team, agents=[ann, bob], wip=2, time_limit=3)
    return dict(team=team, lead=lead, ann=ann, bob=bob, board=board)


def card(session, c, title="Принтер", **kw):
    return tickets.create(session, c["lead"], title=title, board_id=c["board"].id, **kw)


def payload(t: Ticket, column, lane=None, **extra):
    return {"ticket": t.id, "version": t.version, "column": column.id, "lane": lane.id if lane else None, **extra}


def test_move_between_columns_records_event_and_bumps_revisions(session, crew):
    b = crew["board"]
    t = card(session, crew)
    rev, cols = boards.revisions(session, b.id)
    moved = board_moves.apply(session, crew["ann"], payload(t, f.column(b, "in_progress")))
    assert moved.column_id == f.column(b, "in_progress").id and moved.status == "in_progress"
    assert moved.started_at is not None
    rev2, cols2 = boards.revisions(session, b.id)
    assert rev2 > rev
    assert cols2[f.column(b, "queue").id] > cols[f.column(b, "queue").id]
    assert cols2[f.column(b, "in_progress").id] > cols[f.column(b, "in_progress").id]
    assert cols2[f.column(b, "done").id] == cols[f.column(b, "done").id]  # untouched columns are not re-rendered
    kinds = [e["kind"] for e in ticket_view.history(session, t.id)]
    assert kinds[:2] == ["moved", "created"]


def test_moving_into_an_agents_lane_assigns_the_card(session, crew):
    b = crew["board"]
    t = card(session, crew)
    moved = board_moves.apply(session, crew["lead"], payload(t, f.column(b, "queue"), f.lane_of(b, crew["bob"])))
    assert moved.assignee_id == crew["bob"].id and moved.lane_id == f.lane_of(b, crew["bob"]).id
    assert [e["kind"] for e in ticket_view.history(session, t.id)][:2] == ["assigned", "moved"]
    _columns, load = board_view.view(session, crew["lead"], b)
    assert load == {f.lane_of(b, crew["bob"]).id: 1}  # Борис's load shows on his lane


def test_agent_cannot_give_a_card_to_another_agent_even_with_a_forged_move(session, crew):
    b = crew["board"]
    t = card(session, crew)
    with pytest.raises(PermissionDenied):
        board_moves.apply(session, crew["ann"], payload(t, f.column(b, "queue"), f.lane_of(b, crew["bob"])))
    # taking it into her own lane is fine
    assert board_moves.apply(session, crew["ann"], payload(t, f.column(b, "queue"),
                                                           f.lane_of(b, crew["ann"]))).assignee_id == crew["ann"].id


def test_forged_move_to_another_teams_board_or_bad_ids_is_refused(session, crew):
    other = f.board(session, f.team(session))
    t = card(session, crew)
    with pytest.raises(PermissionDenied):
        board_moves.apply(session, crew["ann"], payload(t, f.column(other, "queue")))
    with pytest.raises(ValidationError):
        board_moves.apply(session, crew["ann"], {"ticket": t.id, "version": t.version, "column": "1; drop"})
    with pytest.raises(ValidationError):  # a lane of another board with a column of this one
        board_moves.apply(session, crew["lead"], payload(t, f.column(crew["board"], "queue"),
                                                         f.board(session, agents=[crew["ann"]]).lanes[0]))
    analyst = f.user(session, "analyst", crew["team"])
    with pytest.raises(PermissionDenied):
        board_moves.apply(session, analyst, payload(t, f.column(crew["board"], "done")))


def test_stale_version_is_a_conflict_naming_who_changed_it(session, crew):
    b = crew["board"]
    t = card(session, crew)
    stale = payload(t, f.column(b, "waiting"))
    board_moves.apply(session, crew["bob"], payload(t, f.column(b, "in_progress")))
    with pytest.raises(Conflict) as err:
        board_moves.apply(session, crew["ann"], stale)
    assert err.value.changed_by == "Борис"
    session.refresh(t)
    assert t.column_id == f.column(b, "in_progress").id  # no lost update


def test_hard_wip_limit_refuses_soft_limit_only_signals(session, crew):
    b = crew["board"]
    doing = f.column(b, "in_progress")
    cards = [card(session, crew, title=f"c{i}") for i in range(3)]
    for t in cards[:2]:
        board_moves.apply(session, crew["lead"], payload(t, doing))
    # soft limit: the third goes in, the header is over the limit
    session.refresh(cards[2])
    board_moves.apply(session, crew["lead"], payload(cards[2], doing))
    view = board_view.columns(session, crew["lead"], b, [doing.id])
    assert view[doing.id]["count"] == 3 and view[doing.id]["over_wip"]
    # hard limit: refused
    doing.wip_hard = True
    session.flush()
    extra = card(session, crew, title="c4")
    with pytest.raises(LimitExceeded):
        board_moves.apply(session, crew["lead"], payload(extra, doing))


def test_column_time_limit_marks_cards_over_it(session, crew):
    b = crew["board"]
    queue = f.column(b, "queue")
    fresh, old = card(session, crew, title="fresh"), card(session, crew, title="old")
    session.execute(update(Ticket).where(Ticket.id == old.id)
                    .values(column_entered_at=datetime.now(timezone.utc) - timedelta(minutes=4)))
    cards = {c["title"]: c for cell in board_view.columns(session, crew["lead"], b, [queue.id])[queue.id]["cells"].values()
             for c in cell["cards"]}
    assert cards["old"]["overdue"] and not cards["fresh"]["overdue"]
    assert cards["fresh"]["overdue_at"] > datetime.now(timezone.utc).timestamp()  # the browser turns it red later


def test_block_needs_a_reason_and_shows_on_the_card(session, crew):
    t = card(session, crew)
    with pytest.raises(ValidationError):
        tickets.set_blocked(session, crew["ann"], t.id, True, "  ")
    tickets.set_blocked(session, crew["ann"], t.id, True, "Ждём поставщика")
    queue = f.column(crew["board"], "queue")
    shown = board_view.columns(session, crew["lead"], crew["board"], [queue.id])[queue.id]["cells"][0]["cards"][0]
    assert shown["blocked"] and shown["blocked_reason"] == "Ждём поставщика"
    tickets.set_blocked(session, crew["ann"], t.id, False)
    # (one test transaction: the events share now(), so compare as a set)
    assert {"blocked", "unblocked"} <= {e["kind"] for e in ticket_view.history(session, t.id)}


def test_child_cards_roll_up_to_the_parent(session, crew):
    parent = card(session, crew, title="Новый сотрудник")
    payroll = f.board(session, f.team(session), name="Бухгалтерия")
    kids = [children.create(session, crew["lead"], parent.id, payroll.id, f"Задача {i}") for i in range(3)]
    assert children.progress(session, parent.id) == (0, 3)
    assert all(k.parent_id == parent.id for k in kids)
    tickets.move(session, None, kids[0].id, f.column(payroll, "done").id)
    assert children.progress(session, parent.id) == (1, 3)
    queue = f.column(crew["board"], "queue")
    shown = board_view.columns(session, crew["lead"], crew["board"], [queue.id])[queue.id]["cells"][0]["cards"][0]
    assert shown["children"] == [1, 3]
    assert [k["status"] for k in children.of(session, parent.id)] == ["done", "queue", "queue"]


def test_checklist_progress_on_the_card(session, crew):
    t = card(session, crew)
    items = [checklists.add(session, crew["ann"], t.id, text) for text in ("Паспорт", "Договор")]
    checklists.tick(session, crew["ann"], items[0].id, True)
    assert checklists.progress(session, t.id) == (1, 2)
    with pytest.raises(ValidationError):
        checklists.add(session, crew["ann"], t.id, "")


def test_position_between_neighbours_orders_the_cell(session, crew):
    b = crew["board"]
    queue = f.column(b, "queue")
    a, c, moving = card(session, crew, title="a"), card(session, crew, title="c"), card(session, crew, title="b")
    # newest on top: b, c, a. Put b between c and a.
    board_moves.apply(session, crew["lead"], payload(moving, queue, after=c.id, before=a.id))
    cells = board_view.columns(session, crew["lead"], b, [queue.id])[queue.id]["cells"][0]["cards"]
    assert [x["title"] for x in cells] == ["c", "b", "a"]


def test_filters_and_show_more_bound_the_column(session, crew):
    b = crew["board"]
    queue = f.column(b, "queue")
    for i in range(12):
        card(session, crew, title=f"Принтер {i}" if i % 2 else f"Отпуск {i}")
    view = board_view.columns(session, crew["lead"], b, [queue.id], limit=5)[queue.id]
    assert len(view["cells"][0]["cards"]) == 5 and view["cells"][0]["total"] == 12 and view["count"] == 12
    more = board_view.columns(session, crew["lead"], b, [queue.id], limits={str(queue.id): 10}, limit=5)[queue.id]
    assert len(more["cells"][0]["cards"]) == 10
    flt = TicketFilter.from_dict({"q": "отпуск", "service": ["x"], "assignee": [0]})
    only = board_view.columns(session, crew["lead"], b, [queue.id], flt)[queue.id]
    assert {c["title"].split()[0] for c in only["cells"][0]["cards"]} == {"Отпуск"}
    assert only["count"] == 12  # WIP counts ignore the filter
    mine = board_view.columns(session, crew["ann"], b, [queue.id], TicketFilter(mine=True))[queue.id]
    assert mine["cells"] == {}


def test_board_settings_are_for_leads_only(session, crew):
    with pytest.raises(PermissionDenied):
        boards.create_board(session, crew["ann"], "Юристы")
    board = boards.create_board(session, crew["lead"], "Юристы", lane_mode="agent", team_id=crew["team"].id)
    col = boards.save_column(session, crew["lead"], board.id, name="Срочно", kind="queue", wip_limit="3",
                             wip_hard=True, time_limit_minutes="3")
    assert (col.wip_limit, col.wip_hard, col.time_limit_minutes, col.position) == (3, True, 3, 4)
    with pytest.raises(ValidationError):
        boards.save_column(session, crew["lead"], board.id, name="X", kind="queue", wip_limit="-1")
    lane = boards.save_lane(session, crew["lead"], board.id, name="Анна", user_id=crew["ann"].id, wip_limit=5)
    boards.move_column(session, crew["lead"], board.id, col.id, -1)
    session.refresh(board)
    assert [c.name for c in board.columns][-2:] == ["Срочно", "Done"]
    assert [l.id for l in board.lanes] == [lane.id]
    assert crew["board"].id in [b.id for b in boards.usable(session, crew["ann"])]
    stranger = f.user(session, "agent", f.team(session))
    assert crew["board"].id not in [b.id for b in boards.usable(session, stranger)]


def test_reply_template_placeholders(session, crew):
    text = ticket_view.fill_template("{requester}, заявка #{number} у {agent}. {other}", requester="Иван",
                                     number=1042, agent="Анна")
    assert text == "Иван, заявка #1042 у Анна. {other}"


def test_moving_into_a_support_line_lane_hands_the_card_to_that_team(session, crew):
    l2 = f.team(session, name="L2", line_level=2)
    board = boards.create_board(session, crew["lead"], "Линии", lane_mode="line")
    lane = boards.save_lane(session, crew["lead"], board.id, name="L2", team_id=l2.id)
    t = tickets.create(session, crew["lead"], title="Сложный случай", board_id=board.id)
    session.refresh(board)
    moved = board_moves.apply(session, crew["ann"], payload(t, board.columns[1], lane))
    assert moved.team_id == l2.id and moved.assignee_id is None
    escalated = [e for e in ticket_view.history(session, t.id) if e["kind"] == "escalated"]
    assert escalated and escalated[0]["to_value"] == "L2"

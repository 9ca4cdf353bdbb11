"""The board's render cache (components/board_cache.py): a column's cells are rendered once per revision
and shared by every poll and reload that asks for the same thing; a change re-renders; "mine" stays the viewer's."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import event

from components import board_cache, kanban
from data.boards import moves as board_moves
from data.boards import setup as boards
from data.tickets import actions as tickets
from data.tickets.filters import TicketFilter
from tests import factories as f
from tests.dash_support import plain, signed_in


@pytest.fixture
def crew(session):
    board_cache.clear()
    team = f.team(session)
    lead = f.user(session, "manager", team, name="Марина Лид")
    ann, bob = f.user(session, "agent", team, name="Анна"), f.user(session, "agent", team, name="Борис")
    board = f.board(session, team)
    cards = [tickets.create(session, lead, title=f"Принтер {i}", board_id=board.id,
                            assignee_id=(ann if i % 2 else bob).id) for i in range(4)]
    return dict(lead=lead, ann=ann, bob=bob, board=board, cards=cards)


def titles(cells, column_id) -> list[str]:
    text = str(plain(cells[(column_id, 0)]))
    return sorted(t for t in (f"Принтер {i}" for i in range(4)) if t in text)


def cards_queries(session):
    """How many times the cards query (data/boards/view.py CARDS_SQL) runs."""
    seen = []
    event.listen(session.get_bind().engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_a: seen.append(1) if "WITH visible AS" in sql else None)
    return seen


def render(session, user, board, flt=None):
    _rev, revisions = boards.revisions(session, board.id)
    return kanban.render(session, user, board, None, TicketFilter.from_dict(flt), {}, "ru", revisions=revisions)[1]


def test_the_same_revision_is_rendered_once_and_a_move_renders_again(app, session, crew):
    board, lead = crew["board"], crew["lead"]
    queue, doing = f.column(board, "queue").id, f.column(board, "in_progress").id
    queries = cards_queries(session)
    with signed_in(app, lead):
        first = render(session, lead, board)
        again = render(session, lead, board)
        assert len(queries) == 1  # the second render read no cards
        assert again[(queue, 0)] is first[(queue, 0)]
        assert titles(first, queue) == ["Принтер 0", "Принтер 1", "Принтер 2", "Принтер 3"]

        moved = crew["cards"][0]
        board_moves.apply(session, lead, {"ticket": moved.id, "version": moved.version, "column": doing,
                                          "lane": None})
        after = render(session, lead, board)
        assert len(queries) == 2  # the move bumped both columns' revisions: read again
        assert titles(after, queue) == ["Принтер 1", "Принтер 2", "Принтер 3"]
        assert titles(after, doing) == ["Принтер 0"]


def test_mine_is_never_served_to_another_viewer(app, session, crew):
    board, ann, bob = crew["board"], crew["ann"], crew["bob"]
    queue = f.column(board, "queue").id
    with signed_in(app, ann):
        assert titles(render(session, ann, board, {"mine": True}), queue) == ["Принтер 1", "Принтер 3"]
    with signed_in(app, bob):
        assert titles(render(session, bob, board, {"mine": True}), queue) == ["Принтер 0", "Принтер 2"]
        assert titles(render(session, bob, board), queue) == ["Принтер 0", "Принтер 1", "Принтер 2", "Принтер 3"]


def test_a_failed_render_lets_the_next_one_render(app, session, crew, monkeypatch):
    board, lead = crew["board"], crew["lead"]
    with signed_in(app, lead):
        def broken(*_a, **_k):
            raise RuntimeError("the database went away")
        monkeypatch.setattr(kanban, "cell_children", broken)
        with pytest.raises(RuntimeError):
            render(session, lead, board)
        monkeypatch.undo()
        started = time.monotonic()
        cells = render(session, lead, board)
        assert time.monotonic() - started < board_cache.WAIT_S  # not left waiting for a render that never finished
        assert titles(cells, f.column(board, "queue").id)

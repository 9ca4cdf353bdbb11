"""The bulk bar's result line: how many tickets changed and which were refused, in words a person writes."""
from __future__ import annotations

import uuid

import pytest

from data.db import session_scope
from data.tickets import actions as tickets
from tests import factories as f
from tests.dash_support import load_user, plain, signed_in


@pytest.mark.parametrize("n, ru, en", [(1, "Изменена 1 заявка", "Changed 1 ticket"),
                                       (2, "Изменены 2 заявки", "Changed 2 tickets"),
                                       (5, "Изменено 5 заявок", "Changed 5 tickets"),
                                       (11, "Изменено 11 заявок", "Changed 11 tickets"),
                                       (21, "Изменена 21 заявка", "Changed 21 tickets"),
                                       (24, "Изменены 24 заявки", "Changed 24 tickets")])
def test_counts_take_the_plural_form_of_each_language(app, n, ru, en):
    from components.bulk_bar import CHANGED, counted
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        assert counted(CHANGED, n) == ru
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert counted(CHANGED, n) == en


@pytest.fixture(scope="module")
def desk(app):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        mine, other = f.team(s, name=f"Bulk bar {tag}"), f.team(s, name=f"Bulk bar other {tag}")
        lead, stranger = f.user(s, "manager", mine), f.user(s, "manager", other)
        board, other_board = f.board(s, mine), f.board(s, other)
        own = [tickets.create(s, lead, title=f"Bar {tag} {i}", board_id=board.id) for i in range(2)]
        foreign = [tickets.create(s, stranger, title=f"Other {tag} {i}", board_id=other_board.id) for i in range(2)]
        ids = dict(lead=lead.id, own=[t.id for t in own], foreign=[t.number for t in foreign],
                   ids=[t.id for t in own + foreign])
    return dict(ids, user=load_user(ids["lead"]))


def test_apply_reports_done_and_refused_with_reasons(app, desk):
    from components import bulk_bar
    with signed_in(app, desk["user"]):
        children, color, is_open, done = bulk_bar.apply(1, desk["ids"], "close", "", "")
    text = " ".join(str(x) for x in _texts(plain(children)))
    assert color == "warning" and is_open and done == 1
    assert "Изменены 2 заявки, 2 отклонены:" in text
    assert all(f"#{n} — " in text for n in desk["foreign"])


def test_apply_without_a_value_changes_nothing(app, desk):
    from components import bulk_bar
    with signed_in(app, desk["user"]):
        message, color, _open, _done = bulk_bar.apply(1, desk["ids"], "assign", "", "")
    assert color == "danger" and message == "Выберите, на что менять"


def _texts(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for x in node:
            yield from _texts(x)
    elif isinstance(node, dict):
        yield from _texts(node.get("props", {}).get("children"))

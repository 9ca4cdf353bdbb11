"""The card page: its service functions, and one callback per action on the card.

Each callback is called as a function inside a signed-in request (tests/dash_support.py). The callbacks open
their own transactions, so their tests commit what they need (with a unique tag).
"""
from __future__ import annotations

import uuid

import dash
import pytest
from sqlalchemy import delete, select

from data.errors import NotFound, PermissionDenied
from data.db import read_session, session_scope
from data.models import BoardColumn, ChecklistItem, Comment, Priority, ReplyTemplate, Ticket, User
from data.tickets import actions as tickets
from data.tickets import checklists
from data.tickets import view as ticket_view
from tests import factories as f
from tests.dash_support import load_user, plain, prop, signed_in


# --- service functions -------------------------------------------------------------------------------

def test_set_done_ticks_exactly_the_given_items(session):
    agent = f.user(session, "agent")
    b = f.board(session)
    t = tickets.create(session, agent, title="Laptop", board_id=b.id)
    a, c, d = (checklists.add(session, agent, t.id, x) for x in ("Order", "Set up", "Hand over"))
    assert checklists.set_done(session, agent, t.id, [a.id, c.id]) == 2
    assert checklists.set_done(session, agent, t.id, [c.id, d.id]) == 2  # a undone, d done, c unchanged
    assert [(i.text, i.done) for i in checklists.items(session, t.id)] == [
        ("Order", False), ("Set up", True), ("Hand over", True)]


def test_set_done_ignores_other_tickets_items_and_refuses_readers(session):
    agent, analyst = f.user(session, "agent"), f.user(session, "analyst")
    b = f.board(session)
    mine, other = (tickets.create(session, agent, title=x, board_id=b.id) for x in ("Mine", "Other"))
    foreign = checklists.add(session, agent, other.id, "Not yours")
    assert checklists.set_done(session, agent, mine.id, [foreign.id]) == 0
    assert foreign.done is False
    with pytest.raises(PermissionDenied):
        checklists.set_done(session, analyst, mine.id, [])


def test_filled_template_replaces_placeholders_for_this_ticket(session):
    agent = f.user(session, "agent", name="Ольга")
    b = f.board(session)
    req = f.requester(session, email=f"r{uuid.uuid4().hex[:6]}@example.com", name="Иван")
    t = tickets.create(session, agent, title="VPN", board_id=b.id, requester_id=req.id)
    tpl = ReplyTemplate(name="Hello", body="Здравствуйте, {requester}! #{number} у {agent}. {other}")
    session.add(tpl)
    session.flush()
    assert ticket_view.filled_template(session, agent, t.number, tpl.id) == \
        f"Здравствуйте, Иван! #{t.number} у Ольга. {{other}}"
    assert ticket_view.filled_template(session, agent, t.number, tpl.id + 1000) is None
    with pytest.raises(NotFound):
        ticket_view.filled_template(session, agent, t.number + 100000, tpl.id)


# --- callbacks as functions --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def card(app):
    """A ticket on an L1 board, an L2 board above it, an agent, a lead and an analyst (reads only)."""
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        l1, l2 = f.team(s, name=f"L1 {tag}", line_level=201), f.team(s, name=f"L2 {tag}", line_level=202)
        agent, lead, analyst = f.user(s, "agent", l1), f.user(s, "manager", l1), f.user(s, "analyst")
        first, second = f.board(s, l1, name=f"Первая {tag}"), f.board(s, l2, name=f"Вторая {tag}")
        prio = f.priority(s)
        t = tickets.create(s, agent, title=f"Printer {tag}", board_id=first.id, team_id=l1.id)
        ids = dict(number=t.number, ticket=t.id, priority=prio.id, second=second.id, second_name=second.name,
                   first=first.id, agent=agent.id, lead=lead.id, analyst=analyst.id, tag=tag)
    yield dict(ids, users={k: load_user(ids[k]) for k in ("agent", "lead", "analyst")})
    with session_scope() as s:  # other tests expect the priority list they made (e.g. the defaults)
        s.execute(delete(Priority).where(Priority.id == ids["priority"]))


def run(action, *args):
    """An action's callback, then `show` with its outcome, as Dash chains them: (sections, message, open, colour).
    The card's number is every action's second argument."""
    from pages import ticket as page
    return page.show(action(*args), args[1])


def ticket(number: int) -> Ticket:
    with read_session() as s:
        t = s.scalar(select(Ticket).where(Ticket.number == number))
        s.expunge(t)  # readable after the session ends
        return t


def test_priority_change_saves_and_rerenders_the_card(app, card):
    from components.i18n import _
    from pages import ticket as page
    with signed_in(app, card["users"]["agent"]):
        sections, message, is_open, color = run(page.set_priority, str(card["priority"]), card["number"])
        assert (message, is_open, color) == (_("ticket.saved"), True, "success")
    assert ticket(card["number"]).priority_id == card["priority"]
    assert prop(sections, "tk-priority", "value") == card["priority"]  # the select shows the new priority


def replied(action, *args):
    """A reply's callback, then `show` with its outcome: (what the reply drew, show's (sections, message, ...))."""
    from pages import ticket as page
    drawn = action(*args)
    return drawn, page.show(drawn[0], args[1])


def test_reply_and_note_are_public_and_internal(app, card):
    from components.i18n import _
    from pages import ticket as page
    with signed_in(app, card["users"]["agent"]):
        drawn, shown = replied(page.send_reply, 1, card["number"], "Перезагрузите принтер")
        assert shown == (dash.no_update, _("ticket.sent"), True, "success")  # the card is not redrawn...
        assert "Перезагрузите принтер" in str(drawn[1].to_plotly_json())  # ...the reply is added to the conversation
        assert drawn[5] == "" and drawn[6] is None  # and the box is emptied
        _drawn, shown = replied(page.add_note, 1, card["number"], "Похоже на драйвер")
        assert shown[1:] == (_("ticket.noted"), True, "success")
        drawn, (sections, message, _open, color) = replied(page.add_note, 2, card["number"], "   ")
        assert sections is dash.no_update and color == "danger"
        assert drawn[5] is dash.no_update  # the typed text stays in the box
    with read_session() as s:
        notes = {c.body: c.is_public for c in s.scalars(select(Comment).where(Comment.ticket_id == card["ticket"]))}
    assert notes == {"Перезагрузите принтер": True, "Похоже на драйвер": False}


def test_block_needs_a_reason_then_unblock(app, card):
    from pages import ticket as page
    with signed_in(app, card["users"]["agent"]):
        assert run(page.block, 1, card["number"], "")[3] == "danger"
        assert run(page.block, 2, card["number"], "Ждём картридж")[3] == "success"
        assert ticket(card["number"]).blocked_reason == "Ждём картридж"
        assert run(page.unblock, 1, card["number"])[3] == "success"
    assert ticket(card["number"]).blocked is False


def test_checklist_add_and_tick(app, card):
    from pages import ticket as page
    with signed_in(app, card["users"]["agent"]):
        run(page.add_check, 1, card["number"], "Заменить картридж")
        run(page.add_check, 2, card["number"], "Печать тестовой страницы")
        with read_session() as s:
            first, second = s.scalars(select(ChecklistItem.id).where(ChecklistItem.ticket_id == card["ticket"])
                                      .order_by(ChecklistItem.position)).all()
        sections, *_rest, color = run(page.tick, [second], card["number"])
    assert color == "success" and prop(sections, "tk-checklist", "value") == [second]
    with read_session() as s:
        assert [(i.id, i.done) for i in checklists.items(s, card["ticket"])] == [(first, False), (second, True)]


def test_child_card_needs_a_board(app, card):
    from components.i18n import _
    from pages import ticket as page
    with signed_in(app, card["users"]["agent"]):
        sections, message, _open, color = run(page.add_child, 1, card["number"], "", "Пропуск")
        assert (sections, message, color) == (dash.no_update, _("ticket.child_board_required"), "danger")
        _sections, message, _open, color = run(page.add_child, 2, card["number"], str(card["first"]), "Пропуск")
    with read_session() as s:
        child = s.scalar(select(Ticket).where(Ticket.parent_id == card["ticket"]))
        assert child.title == "Пропуск"
        child_number = child.number
    with signed_in(app, card["users"]["agent"]):
        assert (message, color) == (_("ticket.child_created", number=child_number), "success")


def test_reader_cannot_change_the_card(app, card):
    from pages import ticket as page
    before = ticket(card["number"]).assignee_id
    with signed_in(app, card["users"]["analyst"]):
        sections, _message, _open, color = run(page.assign, str(card["analyst"]), card["number"])
    assert color == "danger"
    # The select is drawn again from the database: it shows who really holds the card, not the refused pick.
    assert prop(sections, "tk-assignee", "value") == (before or "")
    assert ticket(card["number"]).assignee_id == before


def test_template_fills_the_reply_box(app, card):
    from pages import ticket as page
    with session_scope() as s:
        tpl = ReplyTemplate(name=f"T {card['tag']}", body="Заявка #{number} в работе")
        s.add(tpl)
        s.flush()
        tpl_id = tpl.id
    with signed_in(app, card["users"]["agent"]):
        assert page.use_template(str(tpl_id), card["number"]) == f"Заявка #{card['number']} в работе"


def test_escalate_names_the_next_line_board(app, card):
    from components.i18n import _
    from pages import ticket as page
    with signed_in(app, card["users"]["lead"]):
        _sections, message, _open, color = run(page.escalate, 1, card["number"])
        assert (message, color) == (_("ticket.escalated", board=card["second_name"]), "success")
    assert ticket(card["number"]).board_id == card["second"]


def test_tags_typed_on_the_card_are_normalised_shown_as_chips_and_in_the_history(app, card):
    from pages import ticket as page
    with session_scope() as s:  # a ticket of its own: earlier tests escalate the module's ticket away
        number = tickets.create(s, s.get(User, card["agent"]), title=f"Tags {card['tag']}",
                                board_id=card["first"]).number
    with signed_in(app, card["users"]["agent"]):
        sections, message, _open, color = page.show(page.save_tags(1, None, number, "  VPN, Офис ,vpn"), number)
        assert color == "success", message
    assert ticket(number).tags == ["vpn", "офис"]
    assert prop(sections, "tk-tags", "value") == "vpn, офис"
    assert "Теги: — → vpn, офис" in str(plain(sections))
    with signed_in(app, card["users"]["analyst"]):  # reads only: refused, nothing changes
        _sections, _message, _open, color = page.show(page.save_tags(1, None, number, "другое"), number)
        assert color == "danger"
    assert ticket(number).tags == ["vpn", "офис"]


def test_a_file_over_the_limit_is_named_above_the_upload_box(app, card, monkeypatch):
    import base64

    from pages import ticket as page
    monkeypatch.setenv("OKNO_MAX_ATTACHMENT_MB", "1")
    big = "data:text/plain;base64," + base64.b64encode(b"x" * (1024 * 1024 + 1)).decode()
    with session_scope() as s:  # a card of its own: the one of the module is escalated away by another test
        number = tickets.create(s, s.get(User, card["agent"]), title=f"Log {card['tag']}", board_id=card["first"]).number
    with signed_in(app, card["users"]["agent"]):
        drawn, (sections, message, _open, color) = replied(page.send_reply, 1, number, "Лог во вложении",
                                                           [big], ["big.log"])
    assert color == "danger" and sections is dash.no_update, message
    assert "big.log" in drawn[-2], message and "1" in drawn[-1]  # the error names the file and the limit, above the box
    assert drawn[5] is dash.no_update and drawn[6] is dash.no_update  # the text and the files stay to fix
    with read_session() as s:
        assert not s.scalar(select(Comment.id).where(Comment.body == "Лог во вложении"))


def test_resolve_from_the_card_and_the_status_select(app, card):
    from components.i18n import _
    from pages import ticket as page
    with session_scope() as s:
        t = tickets.create(s, s.get(User, card["agent"]), title=f"Mouse {card['tag']}", board_id=card["first"])
        number = t.number
    with signed_in(app, card["users"]["agent"]):
        with read_session() as s:
            columns = {c.kind: c.id for c in s.scalars(select(BoardColumn).where(BoardColumn.board_id == card["first"]))}
        sections, message, _open, color = run(page.set_status, str(columns["in_progress"]), number,
                                              ticket(number).version)
        assert color == "success" and prop(sections, "tk-status", "value") == columns["in_progress"]
        sections, message, _open, color = run(page.resolve, 1, number, ticket(number).version)
        assert (message, color) == (_("card.resolved", number=number), "success")
        assert prop(sections, "tk-status", "value") == columns["done"]
        assert prop(sections, "tk-resolve", "style") == {"display": "none"}  # nothing left to resolve
        # A stale card (drawn before the move) is refused and drawn again with the real column.
        sections, message, _open, color = run(page.set_status, str(columns["queue"]), number, 1)
        assert color == "warning" and prop(sections, "tk-status", "value") == columns["done"]
    assert ticket(number).status == "done"

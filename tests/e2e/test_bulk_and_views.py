"""A manager selects three tickets on the list, assigns them in bulk and reads the result; then saves the
list's filter as a view and opens it again by its URL."""
from __future__ import annotations

import uuid

import pytest

from data.db import session_scope
from data.models import Ticket, User
from data.tickets import actions as tickets
from data.tickets import saved_views
from tests import factories as f
from tests.e2e.conftest import login

ROWS = ".ag-center-cols-container .ag-row"


@pytest.fixture(scope="module")
def seeded(live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s, name=f"Bulk team {tag}")
        lead = f.user(s, "manager", team, email=f"bulk-lead-{tag}@example.com", name="Лид Массовый")
        agent = f.user(s, "agent", team, email=f"bulk-agent-{tag}@example.com", name=f"Агент {tag}")
        board = f.board(s, team)
        ids = [tickets.create(s, lead, title=f"Сканер {tag} {i}", board_id=board.id).id for i in range(4)]
        return dict(tag=tag, email=lead.email, lead_id=lead.id, agent_id=agent.id, agent=agent.name, ids=ids,
                    board=board.id)


def _rows(page, n):
    page.wait_for_function(f"document.querySelectorAll('{ROWS}').length === {n}")


def test_bulk_assign_then_save_and_reopen_a_view(page, live_server, seeded):
    tag = seeded["tag"]
    login(page, live_server, seeded["email"], f.PASSWORD)
    page.goto(f"{live_server}/tickets?q={tag}")
    _rows(page, 4)
    assert page.locator("#bulk-bar").is_hidden()

    boxes = page.locator(f"{ROWS} .ag-selection-checkbox input")
    for i in range(3):
        boxes.nth(i).check()
    page.wait_for_function("document.querySelector('#bulk-count').innerText.includes('3')")
    assert page.inner_text("#bulk-count") == "Выбраны 3 заявки"

    page.select_option("#bulk-action", "assign")
    page.wait_for_selector(f"#bulk-value option:text('{seeded['agent']}')", state="attached")
    page.select_option("#bulk-value", label=seeded["agent"])
    page.click("#bulk-apply")
    page.wait_for_selector("#bulk-result.show, #bulk-result.alert-success")
    assert "Изменены 3 заявки" in page.inner_text("#bulk-result")

    with session_scope() as s:  # what the user would see on each card: the agent is now its assignee
        assignees = {t.id: t.assignee_id for t in s.query(Ticket).filter(Ticket.id.in_(seeded["ids"]))}
    assert list(assignees.values()).count(seeded["agent_id"]) == 3 and list(assignees.values()).count(None) == 1
    # The list reloads with the new assignee and nothing selected.
    page.wait_for_function(f"document.querySelectorAll('{ROWS} [col-id=assignee]').length === 4 && "
                           f"[...document.querySelectorAll('{ROWS} [col-id=assignee]')]"
                           f".filter(c => c.innerText.includes('{seeded['agent']}')).length === 3")
    assert page.locator("#bulk-bar").is_hidden()

    # Save the current filter (the search) as a private view.
    page.click("#views-toggle")
    page.fill("#views-name", f"Сканеры {tag}")
    page.click("#views-save")
    page.wait_for_selector("#views-link")
    with session_scope() as s:
        view = next(v for v in saved_views.visible(s, s.get(User, seeded["lead_id"])) if v.name == f"Сканеры {tag}")
        view_id = view.id
    assert view.filter == {"q": tag}

    page.goto(f"{live_server}/tickets?view={view_id}")
    _rows(page, 4)
    assert page.input_value("#tickets-q") == tag
    assert f"Сканеры {tag}" in page.inner_text("#views-menu")
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_board_select_mode_closes_the_ticked_cards(page, live_server, seeded):
    """On the board, "Select cards" turns clicks into ticks (the card does not open); the same bar closes them."""
    login(page, live_server, seeded["email"], f.PASSWORD)
    page.goto(f"{live_server}/board/{seeded['board']}")
    page.wait_for_selector(".okno-board .okno-card")
    page.click("#bulk-select-mode")
    first, second = seeded["ids"][:2]
    for ticket_id in (first, second):
        page.click(f".okno-card[data-ticket-id='{ticket_id}'] .okno-card-title")
    page.wait_for_function("document.querySelector('#bulk-count').innerText.includes('2')")
    assert page.inner_text("#bulk-count") == "Выбраны 2 заявки"
    assert page.locator(".okno-card.okno-card-selected").count() == 2
    assert not page.locator("#board-drawer.show").count()  # ticking did not open the card

    page.select_option("#bulk-action", "close")
    page.click("#bulk-apply")
    page.wait_for_selector("#bulk-result.alert-success")
    assert "Изменены 2 заявки" in page.inner_text("#bulk-result")
    with session_scope() as s:
        statuses = {t.id: t.status for t in s.query(Ticket).filter(Ticket.id.in_([first, second]))}
    assert statuses == {first: "done", second: "done"}
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_board_filters_saved_as_a_view_and_picked_again(page, live_server, seeded):
    tag = seeded["tag"]
    login(page, live_server, seeded["email"], f.PASSWORD)
    page.goto(f"{live_server}/board/{seeded['board']}")
    page.wait_for_selector(".okno-board .okno-card")
    page.fill("#board-f-q", f"{tag} 3")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.okno-board .okno-card').length === 1")
    page.click("#bviews-toggle")
    page.fill("#bviews-name", f"Доска {tag}")
    page.click("#bviews-save")
    page.wait_for_function(f"document.querySelector('#bviews-status').innerText.includes('Доска {tag}')")

    page.goto(f"{live_server}/board/{seeded['board']}")  # a fresh board: every card again
    page.wait_for_function("document.querySelectorAll('.okno-board .okno-card').length === 4")
    page.click("#bviews-menu")
    page.click(f"#bviews-menu .dropdown-item:has-text('Доска {tag}')")
    page.wait_for_function("document.querySelectorAll('.okno-board .okno-card').length === 1")
    assert page.input_value("#board-f-q") == f"{tag} 3"
    assert not [e for e in page.console_errors if "favicon" not in e]

"""A manager drags cards on the board in headless Chromium: across columns, into an agent's lane,
seen live by a second session, kept after a reload; a stale move snaps back with a message."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from data.tickets import actions as tickets
from data.db import session_scope
from data.events import record
from data.models import Board, BoardColumn, Ticket, User
from tests import factories as f
from tests.e2e.conftest import login


@pytest.fixture(scope="module")
def seeded(live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s, name=f"Board team {tag}")
        lead = f.user(s, "manager", team, email=f"lead-{tag}@example.com", name="Марина Лид")
        ann = f.user(s, "agent", team, email=f"ann-{tag}@example.com", name="Анна Агент")
        bob = f.user(s, "agent", team, email=f"bob-{tag}@example.com", name="Борис Агент")
        board = f.board(s, team, agents=[ann, bob], time_limit=3)
        cards = [tickets.create(s, lead, title=f"Карточка {tag} {i}", board_id=board.id, channel="email")
                 for i in range(4)]
        return dict(tag=tag, lead=lead.email, ann=ann.email, ann_lane=f.lane_of(board, ann).id,
                    bob_email=bob.email, bob=bob.id, bob_name=bob.name, board=board.id,
                    queue=f.column(board, "queue").id, doing=f.column(board, "in_progress").id,
                    waiting=f.column(board, "waiting").id, bob_lane=f.lane_of(board, bob).id,
                    cards=[c.id for c in cards],
                    spare=[tickets.create(s, lead, title=f"Запас {tag} {i}", board_id=board.id).id for i in range(2)])


def cell(column, lane=None) -> str:
    return f".okno-cell[data-column-id='{column}'][data-lane-id='{lane or ''}']"


def drag(page, ticket_id, target_selector) -> None:
    """Drag like a person: press, move in steps (SortableJS fallback mode), release over the target."""
    src = page.locator(f".okno-card[data-ticket-id='{ticket_id}'] .okno-card-title").bounding_box()
    page.mouse.move(src["x"] + 30, src["y"] + src["height"] / 2)
    page.mouse.down()
    page.mouse.move(src["x"] + 45, src["y"] + 20, steps=4)
    for _ in range(3):  # the layout shifts while the card travels: aim again, as a person would
        dst = page.locator(target_selector).bounding_box()
        page.mouse.move(dst["x"] + 40, dst["y"] + 30, steps=10)
    page.wait_for_timeout(250)  # let SortableJS handle the last pointer move before the drop
    page.mouse.up()


def open_board(page, base, seeded):
    page.goto(f"{base}/board/{seeded['board']}")
    page.wait_for_selector(".okno-board .okno-card")


def test_drag_across_columns_and_lanes_live_and_after_reload(page, browser, live_server, seeded):
    login(page, live_server, seeded["lead"], f.PASSWORD)
    watcher_context = browser.new_context(viewport={"width": 1400, "height": 900})
    watcher = watcher_context.new_page()
    try:
        login(watcher, live_server, seeded["lead"], f.PASSWORD)
        open_board(watcher, live_server, seeded)
        open_board(page, live_server, seeded)
        first, second = seeded["cards"][0], seeded["cards"][1]
        assert page.locator(f"{cell(seeded['queue'])} [data-ticket-id='{first}']").count() == 1

        drag(page, first, cell(seeded["doing"]))
        page.wait_for_selector(f"{cell(seeded['doing'])} [data-ticket-id='{first}']", timeout=5000)
        drag(page, second, cell(seeded["waiting"], seeded["bob_lane"]))
        moved = f"{cell(seeded['waiting'], seeded['bob_lane'])} [data-ticket-id='{second}']"
        page.wait_for_selector(moved, timeout=5000)
        assert page.locator(f"{moved} .okno-avatar").inner_text() == "БА"  # assigned to Борис Агент

        # The other session sees both moves without reloading (poll every 3 s).
        watcher.wait_for_selector(moved, timeout=8000)
        watcher.wait_for_selector(f"{cell(seeded['doing'])} [data-ticket-id='{first}']", timeout=8000)
        # A request arriving from a channel shows up too.
        with session_scope() as s:
            arrived = tickets.create(s, None, title=f"Письмо {seeded['tag']}", board_id=seeded["board"],
                                     channel="email").id
        watcher.wait_for_selector(f"{cell(seeded['queue'])} [data-ticket-id='{arrived}'] .bi-envelope", timeout=8000)

        page.reload()
        page.wait_for_selector(moved)
        assert page.locator(f"{cell(seeded['doing'])} [data-ticket-id='{first}']").count() == 1
        with session_scope() as s:
            assert s.get(Ticket, second).assignee_id == seeded["bob"]
        assert not page.console_errors
    finally:
        watcher_context.close()


def test_stale_move_snaps_back_with_who_changed_it(page, live_server, seeded):
    login(page, live_server, seeded["lead"], f.PASSWORD)
    open_board(page, live_server, seeded)
    card = seeded["cards"][2]
    # Борис changes the card after the page has read it; the board has not polled yet.
    with session_scope() as s:
        t = s.get(Ticket, card)
        s.execute(update(Ticket).where(Ticket.id == card).values(version=Ticket.version + 1))
        record(s, t, "priority", s.get(User, seeded["bob"]))
    drag(page, card, cell(seeded["doing"]))
    page.wait_for_selector("#board-msg", state="visible", timeout=5000)
    assert seeded["bob_name"] in page.inner_text("#board-msg")
    assert page.locator(f"{cell(seeded['queue'])} [data-ticket-id='{card}']").count() == 1
    assert page.locator(f"{cell(seeded['doing'])} [data-ticket-id='{card}']").count() == 0
    with session_scope() as s:
        assert s.get(Ticket, card).column_id == seeded["queue"]


def test_move_menu_with_the_keyboard_and_the_card_drawer(page, live_server, seeded):
    login(page, live_server, seeded["lead"], f.PASSWORD)
    open_board(page, live_server, seeded)
    card = seeded["cards"][3]
    page.focus(f".okno-card[data-ticket-id='{card}']")
    page.keyboard.press("m")
    page.wait_for_selector("#board-mm-column", state="visible")
    page.select_option("#board-mm-column", str(seeded["waiting"]))
    page.click("#board-mm-go")
    page.wait_for_selector(f"{cell(seeded['waiting'])} [data-ticket-id='{card}']", timeout=5000)
    page.wait_for_selector("#board-mm", state="hidden")  # the closing menu keeps the focus until it is gone

    page.focus(f".okno-card[data-ticket-id='{card}']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#tk-reply", state="visible")
    page.fill("#tk-reply", "Проверили, ждём ответа")
    page.click("#tk-note")
    page.wait_for_selector("#tk-comments .okno-note-internal")
    assert "Проверили" in page.inner_text("#tk-comments")
    events = page.locator("#tk-history [data-event]").evaluate_all("els => els.map(e => e.dataset.event)")
    assert "comment" in events and "moved" in events and events[-1] == "created"
    assert not page.console_errors


def test_ticket_page_sanitises_html_and_serves_attachments_only_to_staff(page, browser, live_server, seeded):
    import hashlib
    from data.models import Attachment
    content = "счёт;100\n".encode()
    with session_scope() as s:
        t = s.get(Ticket, seeded["cards"][0])
        t.description_html = '<p>Принтер <b>сломан</b></p><script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
        s.add(Attachment(ticket_id=t.id, filename="счёт.csv", content_type="text/csv", size=len(content),
                         sha256=hashlib.sha256(content).hexdigest(), content=content))
        number = t.number
    login(page, live_server, seeded["lead"], f.PASSWORD)
    page.goto(f"{live_server}/ticket/{number}")
    page.wait_for_selector("#tk-description")
    srcdoc = page.get_attribute("#tk-description", "srcdoc")
    assert "<b>сломан</b>" in srcdoc and "script" not in srcdoc and "onerror" not in srcdoc
    assert page.evaluate("window.pwned") is None
    link = page.locator("#tk-attachments a").first
    href = link.get_attribute("href")
    response = page.request.get(live_server + href)
    assert response.status == 200 and response.body() == content
    assert "attachment" in response.headers["content-disposition"]
    stranger = browser.new_context()
    try:
        assert stranger.request.get(live_server + href, max_redirects=0).status in (302, 401)
    finally:
        stranger.close()


def test_manager_adds_a_column_in_board_settings(page, live_server, seeded):
    login(page, live_server, seeded["lead"], f.PASSWORD)
    page.goto(f"{live_server}/board-settings?board={seeded['board']}")
    new = page.locator("#bs-columns tr[data-column-id='0']")
    new.locator("input").first.fill("Эскалация")
    new.locator("input[type=number]").first.fill("2")
    new.locator("button").first.click()
    page.wait_for_selector("#bs-columns tbody tr:nth-child(6)")
    assert "Эскалация" in [v for v in page.locator("#bs-columns input").evaluate_all("els => els.map(e => e.value)")]
    page.goto(f"{live_server}/board/{seeded['board']}")
    page.wait_for_selector(".okno-col-header:has-text('Эскалация')")
    assert "0 / 2" in page.inner_text(".okno-column:last-child .okno-col-header")


def test_manager_marks_a_done_column_as_declined(page, live_server, seeded):
    """The outcome select: a done column becomes "declined" (the portal shows its requests grey)."""
    with session_scope() as s:
        done_id = next(c.id for c in s.get(Board, seeded["board"]).columns if c.kind == "done")
    login(page, live_server, seeded["lead"], f.PASSWORD)
    page.goto(f"{live_server}/board-settings?board={seeded['board']}")
    row = page.locator(f"#bs-columns tr[data-column-id='{done_id}']")
    row.locator("select").nth(1).select_option("declined")
    row.locator("button").first.click()
    page.wait_for_selector("#bs-msg.alert-success")
    with session_scope() as s:
        assert s.get(BoardColumn, done_id).outcome == "declined"
    doing = page.locator(f"#bs-columns tr[data-column-id='{seeded['doing']}'] select").nth(1)
    assert doing.is_disabled()  # only a done column ends a request


def test_hard_wip_limit_refuses_the_drop_with_a_message(page, live_server, seeded):
    with session_scope() as s:
        lead = s.scalar(select(User).where(User.email == seeded["lead"]))
        board = f.board(s, lead.team, wip=1, wip_hard=True, name=f"WIP {seeded['tag']}")
        doing = f.column(board, "in_progress")
        busy, waiting = (tickets.create(s, lead, title=f"WIP {i}", board_id=board.id) for i in range(2))
        tickets.move(s, lead, busy.id, doing.id)
        ids = dict(board=board.id, doing=doing.id, queue=f.column(board, "queue").id, card=waiting.id)
    login(page, live_server, seeded["lead"], f.PASSWORD)
    page.goto(f"{live_server}/board/{ids['board']}")
    page.wait_for_selector(".okno-board .okno-card")
    assert "okno-over-wip" not in page.get_attribute(f".okno-col-header[data-column-id='{ids['doing']}']", "class")
    drag(page, ids["card"], cell(ids["doing"]))
    page.wait_for_selector("#board-msg", state="visible", timeout=5000)
    assert "WIP" in page.inner_text("#board-msg")
    assert page.locator(f"{cell(ids['queue'])} [data-ticket-id='{ids['card']}']").count() == 1


def ids_in(page, selector) -> list[str]:
    return page.locator(f"{selector} > .okno-card").evaluate_all("cards => cards.map(c => c.dataset.ticketId)")


def test_agent_a_moves_a_card_and_agent_b_sees_it_in_the_right_column(page, browser, live_server, seeded):
    """Анна drags a card into her lane of "in progress"; her page patches just the two cells (a few KB), in
    the order the server keeps; Борис, with the same board open, sees it there without reloading."""
    login(page, live_server, seeded["ann"], f.PASSWORD)
    other = browser.new_context(viewport={"width": 1400, "height": 900})
    bob = other.new_page()
    try:
        login(bob, live_server, seeded["bob_email"], f.PASSWORD)
        open_board(page, live_server, seeded)
        open_board(bob, live_server, seeded)
        card, target = seeded["spare"][0], cell(seeded["doing"], seeded["ann_lane"])
        placed = f"{target} [data-ticket-id='{card}']"
        with page.expect_response(lambda r: "_dash-update-component" in r.url
                                  and "board-move" in (r.request.post_data or "")) as answer:
            drag(page, card, target)
        assert answer.value.ok and len(answer.value.body()) < 10_000  # the move's answer, not two cells of cards
        page.wait_for_selector(placed, timeout=5000)
        assert page.locator(f"{cell(seeded['queue'])} [data-ticket-id='{card}']").count() == 0
        assert page.locator(f"{placed} .okno-avatar").inner_text() == "АА"  # her lane: assigned to Анна Агент
        patched = ids_in(page, target)

        bob.wait_for_selector(placed, timeout=8000)
        assert bob.locator(f"{cell(seeded['queue'])} [data-ticket-id='{card}']").count() == 0
        with session_scope() as s:
            moved = s.get(Ticket, card)
            assert (moved.column_id, moved.lane_id) == (seeded["doing"], seeded["ann_lane"])
        page.reload()
        page.wait_for_selector(placed)
        assert ids_in(page, target) == patched  # what the patch showed is what a fresh render shows
        assert ids_in(bob, target) == patched
        assert not page.console_errors
    finally:
        other.close()

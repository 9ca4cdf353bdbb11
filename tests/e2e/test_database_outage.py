"""A person at work when the database goes away: the card page says so and that nothing was changed; once the
database is back, the same action works. Served by gunicorn from a database of its own, so the outage
touches nothing else."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.e2e.conftest import login
from tests.reliability.live import live_okno, terminate


@pytest.fixture(scope="module")
def okno(tmp_path_factory):
    with live_okno(tmp_path_factory.mktemp("outage"), "okno_outage", "okno-outage") as served:
        yield served


def allow_connections(url: str, allowed: bool) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'ALTER DATABASE "{target.database}" ALLOW_CONNECTIONS {"true" if allowed else "false"}'))
    admin.dispose()


def test_the_card_page_says_the_database_is_unreachable_and_works_again_after(page, okno):
    base, w, url, _log = okno
    login(page, base, w["agent_a"], w["password"])
    page.goto(f"{base}/ticket/{w['number_a']}")
    page.wait_for_selector("#tk-block")
    allow_connections(url, False)  # the database is down: no new connection, and the open ones are cut
    try:
        terminate(url, "okno-outage")
        page.fill("#tk-block-reason", "waiting for the vendor")
        page.click("#tk-block")
        fault = page.wait_for_selector("#okno-fault", timeout=30000)
        page.screenshot(path=str(_log.parent / "outage.png"))
        assert fault.inner_text().strip().startswith(
            "База данных недоступна, ничего не изменено. Попробуйте ещё раз чуть позже.")
    finally:
        allow_connections(url, True)
    page.click("#okno-fault .btn-close")
    page.click("#tk-block")
    page.wait_for_selector("#tk-msg.alert-success", timeout=30000)
    assert page.locator("#okno-fault").count() == 0

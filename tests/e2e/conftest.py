"""Browser tests: the factory-built app served on a free port, driven in Debian's headless Chromium."""
from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("OKNO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    # Browser tests run last: while the session's sync Playwright is open its event loop counts as running
    # in the main thread, and any in-process Flask request then fails in Dash's async page-router hook.
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))


# Per package, not per session: sync_playwright's event loop stays in this thread while it is open, and any
# async code a later non-browser test file runs in the same process would find a loop already running.
@pytest.fixture(scope="package")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("OKNO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True, locale="ru-RU")
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    yield pg
    context.close()


def login(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def choose(option) -> None:
    """Pick a radio option of a Dash component (a Playwright locator) as a person does: click it until it shows
    as chosen. Dash's inputs are controlled: React puts the old value back at once and shows the new one when
    the app's state has it, a moment later on a busy machine (`check()` looked too early); and a click that lands
    while a panel is still sliding open is lost, so it is clicked again, as a person would."""
    from playwright.sync_api import expect
    for _attempt in range(4):
        option.click()
        try:
            expect(option).to_be_checked(timeout=3000)
            return
        except AssertionError:
            continue
    expect(option).to_be_checked()

"""Make the README's screenshots again from a running demo (`make run`), in Debian's headless Chromium.

    make run                                   # in one terminal: the app with demo data on :8050
    .venv/bin/python docs/screenshots/make.py  # in another: writes docs/screenshots/*.png

Options: `--base http://127.0.0.1:8050`, `--out docs/screenshots`, `--requester EMAIL` (the portal's
requester; the demo's default is one with many requests), `OKNO_CHROMIUM` for another browser binary.
Each picture is the visible window (not the whole page) at one device pixel per CSS pixel, which keeps
every file small. The portal's PIN is read from the demo outbox (/dev/outbox) signed in as the admin.
"""
from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
PASSWORD = "okno"  # every demo login's (data/demo)
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def settle(page, ms: int = 1200) -> None:
    """Dash renders after its callbacks answer, and charts draw after that."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(ms)


def staff(browser, base: str, email: str, locale: str = "ru-RU", viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    settle(page, 300)
    return context, page


def shoot(page, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"{path}  {path.stat().st_size // 1024} KB")


def board_and_card(browser, base: str, out: Path) -> None:
    context, page = staff(browser, base, "manager@okno.demo")
    page.goto(base + "/board")
    page.locator(".okno-card").first.wait_for()
    settle(page)
    shoot(page, out, "board")
    # The card of a request someone is working on: the first card in an "in progress" column.
    heads = page.locator(".okno-col-header[data-kind=in_progress]")
    cell = f".okno-cell[data-column-id='{heads.first.get_attribute('data-column-id')}'] " if heads.count() else ""
    number = re.sub(r"\D", "", page.locator(cell + ".okno-card-number").first.inner_text())
    page.goto(f"{base}/ticket/{number}")
    page.locator("#tk-title").wait_for()
    settle(page)
    shoot(page, out, "ticket-card")
    context.close()


def analytics_and_lists(browser, base: str, out: Path) -> None:
    context, page = staff(browser, base, "analyst@okno.demo")
    page.goto(base + "/")
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    settle(page, 2500)
    shoot(page, out, "analytics")
    context.close()

    context, page = staff(browser, base, "director@okno.demo")
    page.goto(base + "/weekly")
    page.locator("#weekly-kpis").wait_for()
    settle(page, 2000)
    shoot(page, out, "weekly")
    context.close()

    context, page = staff(browser, base, "analyst@okno.demo", locale="en-US")  # demo logins keep no language
    page.goto(base + "/tickets")
    page.locator("#tickets-grid .ag-row").first.wait_for()
    settle(page)
    shoot(page, out, "tickets-en")
    context.close()


def portal_on_a_phone(browser, base: str, out: Path, requester: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="ru-RU", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(base + "/portal/login")
    page.fill("#portal-email", requester)
    page.click("#portal-send")
    page.locator("#portal-pin").wait_for()
    admin_context, admin = staff(browser, base, "admin@okno.demo")
    admin.goto(base + "/dev/outbox")
    pin_card = admin.locator("#devbox-list [data-kind=pin]", has_text=requester).first
    pin = re.search(r"\b(\d{6})\b", pin_card.locator("pre").inner_text()).group(1)
    admin_context.close()
    page.fill("#portal-pin", pin)
    page.click("#portal-verify")
    page.locator("#portal-requests").wait_for()
    settle(page, 500)
    shoot(page, out, "portal-phone")
    context.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="http://127.0.0.1:" + os.environ.get("PORT", "8050"))
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent))
    ap.add_argument("--requester", default="anton.lukyanov@vostok-group.example")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("OKNO_CHROMIUM", "/usr/bin/chromium"), args=ARGS)
        board_and_card(browser, a.base, out)
        analytics_and_lists(browser, a.base, out)
        portal_on_a_phone(browser, a.base, out, a.requester)
        browser.close()


if __name__ == "__main__":
    main()

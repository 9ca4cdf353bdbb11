"""The weekly summary as one self-contained HTML file (styles and plotly.js inlined: opens offline)
and as PDF (that file printed to A4 by headless Chromium, so both look the same).
"""
from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import jinja2
from plotly.offline import get_plotlyjs

from data.weekly import charts as weekly_charts
from data.weekly import format as weekly_format
from data.weekly import text as weekly_text
from data.config import ROOT, get_config
from data.i18n import translate

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
FILE_CHART_WIDTH = 700  # px: fits an A4 page's printable width at 96 dpi


class PdfUnavailable(RuntimeError):
    """No Chromium on this server: the HTML file is still available."""


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                              lstrip_blocks=True)


@lru_cache(maxsize=1)
def _css() -> str:
    """Bootstrap and the weekly styles, inlined (source-map comments dropped so nothing is fetched)."""
    parts = [(ROOT / "assets" / "vendor" / "bootstrap.min.css").read_text(), (ROOT / "assets" / "weekly.css").read_text()]
    return re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", "\n".join(parts))


def scope_name(summary: dict, locale: str) -> str:
    return ", ".join(summary.get("scope") or []) or translate("weekly.company", locale)


def filename(summary: dict, ext: str) -> str:
    return f"okno-weekly-{summary['week']}.{ext}"


def html(summary: dict, locale: str) -> str:
    """The whole summary as one HTML document that needs no network."""
    charts = []
    for _name, fig in weekly_charts.figures(summary, locale):
        fig.update_layout(width=FILE_CHART_WIDTH)
        charts.append(fig.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": False}))
    return _env().get_template("report.html").render(
        s=summary, locale=locale, figures=list(summary["company"]["figures"]), charts=charts,
        sentences=weekly_text.sentences(summary, locale), fmt=weekly_format, scope=scope_name(summary, locale),
        title=weekly_format.title(summary, locale), css=_css(), plotly_js=get_plotlyjs(),
        base_url=get_config().public_url.rstrip("/"),
        t=lambda key, **values: translate(key, locale, **values))


def pdf(document: str, timeout_ms: int = 30000) -> bytes:
    """Print the HTML file to A4 PDF in headless Chromium with every network request blocked.

    Runs in a thread of its own: Playwright's sync API refuses a thread with a running asyncio
    loop (an async channel worker, a test process that also drives a browser)."""
    chromium = get_config().chromium
    if not chromium.exists():
        raise PdfUnavailable(f"Chromium not found at {chromium}")
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print, document, timeout_ms, chromium).result()


def _print(document: str, timeout_ms: int, chromium: Path) -> bytes:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True)
            context.route("**/*", lambda route: route.abort())
            page = context.new_page()
            page.set_content(document, wait_until="load", timeout=timeout_ms)
            charts = document.count('class="plotly-graph-div"')
            page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
                                   timeout=timeout_ms)
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                            margin={"top": "12mm", "bottom": "12mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()

"""Every main page passes axe-core (WCAG 2 A and AA) with no serious or critical violations, for each role
that opens it: the staff pages as admin, agent and manager, the portal as a requester.

axe-core is vendored in tests/e2e/vendor (see its README) so the check needs no network or npm."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from data.db import session_scope
from data.intake import submit
from data.models import Outbox
from tests import factories as f
from tests import portal_factories as pf
from tests.e2e.conftest import login

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RUN = "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"


def serious(page) -> list[str]:
    """One line per serious or critical rule, with the first offending elements."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # Dash renders after the last callback answers
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(RUN)
    return [f"{page.url} {v['impact']}: {v['id']} — "
            + "; ".join(" ".join(n["target"]) + " " + n["html"][:300] for n in v["nodes"][:2])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def desk(live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        d = pf.desk(s)
        rt = pf.request_type(s, d["service"], fields=[
            {"key": "scope", "type": "select", "label": "Масштаб", "options": ["Массовая", "Локальная"]},
            {"key": "where", "type": "text", "label": "Где вы находитесь"},
            {"key": "remote", "type": "checkbox", "label": "Нужна удалённая помощь"}])
        d["service"].allowed_domains = ["corp.example"]
        requester_email = f"req-{tag}@corp.example"
        t = submit.submit(s, f.requester(s, email=requester_email), service_id=d["service"].id,
                          request_type_id=rt.id, title=f"Принтер {tag}", channel="portal",
                          values={"scope": "Локальная", "where": "305", "remote": True})
        emails = {role: f"{role}-{tag}@example.com" for role in ("admin", "agent", "manager")}
        f.user(s, "admin", None, email=emails["admin"])
        f.user(s, "agent", d["team"], email=emails["agent"])
        f.user(s, "manager", d["team"], email=emails["manager"])
        return dict(number=t.number, emails=emails, requester=requester_email)


STAFF_PAGES = {
    "admin": ["/board", "/tickets", "/ticket/{n}", "/", "/analytics/flow", "/weekly", "/admin"],
    "agent": ["/board", "/tickets", "/ticket/{n}"],
    "manager": ["/board", "/tickets", "/ticket/{n}", "/", "/analytics/flow", "/weekly"],
}


@pytest.mark.parametrize("role", list(STAFF_PAGES))
def test_staff_pages_pass_axe(page, live_server, desk, role):
    login(page, live_server, desk["emails"][role], f.PASSWORD)
    found = []
    for path in STAFF_PAGES[role]:
        page.goto(live_server + path.format(n=desk["number"]))
        found += serious(page)
    assert not found, "\n".join(found)


def portal_login(page, base: str, address: str) -> None:
    page.goto(base + "/portal/login")
    page.fill("#portal-email", address)
    page.click("#portal-send")
    page.wait_for_selector("#portal-pin")
    with session_scope() as s:
        row = s.scalar(select(Outbox).where(Outbox.recipient == address, Outbox.kind == "pin")
                       .order_by(Outbox.id.desc()).limit(1))
        pin = re.search(r"\b(\d{6})\b", row.body).group(1)
    page.fill("#portal-pin", pin)
    page.click("#portal-verify")
    page.wait_for_selector("#portal-requests")


def test_portal_pages_pass_axe(page, live_server, desk):
    page.goto(live_server + "/portal/login")
    found = serious(page)
    portal_login(page, live_server, desk["requester"])
    found += serious(page)
    page.goto(live_server + "/portal/new")
    page.wait_for_selector("#portal-new-service")
    found += serious(page)
    page.goto(f"{live_server}/portal/request/{desk['number']}")
    page.wait_for_selector("#portal-request-status")
    found += serious(page)
    assert not found, "\n".join(found)

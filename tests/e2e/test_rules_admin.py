"""An admin creates the rule "topic = Printer → type Hardware, assignee the sysadmin on duty" in the UI
and sees it fire on a new request."""
from __future__ import annotations

import json
import uuid

from data.tickets import actions as tickets
from data.db import session_scope
from data.models import RequestType, Rule, Ticket
from tests import factories as f
from tests.e2e.conftest import login


def field(kind: str, key: str, prefix: str = "rules") -> str:
    return "[id='" + json.dumps({"key": key, "type": f"{prefix}-{kind}"}, separators=(",", ":")) + "']"


def test_admin_builds_the_printer_rule_and_it_fires(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        admin = f.user(s, "admin", email=f"admin-{tag}@example.com", name=f"Админ {tag}")
        team = f.team(s, name=f"Sysadmins {tag}")
        sysadmin = f.user(s, "agent", team, name=f"Дежурный сисадмин {tag}")
        board = f.board(s, team, agents=[sysadmin])
        service = f.service(s, board, name=f"ИТ {tag}")
        printer = RequestType(service_id=service.id, code=f"printer{tag}", name=f"Printer {tag}")
        s.add(printer)
        s.flush()
        ids = dict(board=board.id, service=service.id, printer=printer.id, sysadmin=sysadmin.id, email=admin.email)

    login(page, live_server, ids["email"], f.PASSWORD)
    page.goto(f"{live_server}/admin/rules")
    # The form's own callbacks run when the page starts: filling it before they are done loses what was filled.
    page.wait_for_load_state("networkidle")
    page.fill(field("f", "name"), f"Printer → Hardware {tag}")
    page.select_option(field("f", "trigger"), "created")
    types = page.locator(field("m", "types"))
    types.click()
    page.keyboard.type(f"Printer {tag}")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.fill(field("f", "set_type"), "Hardware")
    page.select_option(field("f", "set_assignee"), str(ids["sysadmin"]))
    page.wait_for_load_state("networkidle")
    page.click("#rules-save")
    page.wait_for_selector("#slaadmin-saved")
    assert page.locator("#rules-table").get_by_text(f"Printer → Hardware {tag}").is_visible()
    with session_scope() as s:  # saved as it was built
        rule = s.query(Rule).filter_by(name=f"Printer → Hardware {tag}").one()
        assert (rule.trigger, (rule.conditions or {}).get("request_type_ids")) == ("created", [ids["printer"]]), \
            (rule.trigger, rule.conditions, rule.actions)

    with session_scope() as s:  # a requester submits a printer request (the portal calls the same service)
        t = tickets.create(s, None, title="Принтер зажевал бумагу", board_id=ids["board"], channel="portal",
                           service_id=ids["service"], request_type_id=ids["printer"])
        number = t.number
    with session_scope() as s:
        t = s.query(Ticket).filter_by(number=number).one()
        assert (t.card_type, t.assignee_id) == ("Hardware", ids["sysadmin"])

    page.reload()
    row = page.locator("#rules-table tr", has_text=f"Printer → Hardware {tag}")
    assert row.locator(".rule-count").inner_text() == "1"
    assert row.locator(".rule-last").inner_text() != ""
    assert not page.console_errors, page.console_errors

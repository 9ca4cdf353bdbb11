"""The audit log: admin changes with before → after, sign-ins, exports and refusals are rows; the table
is append-only in the database; retention prunes; only admins read it (and its CSV)."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from data import audit
from data.automation import scheduler
from data.catalog import admin as catalog_admin
from data.catalog import integrations, mailboxes
from data.db import read_session, session_scope
from data.errors import PermissionDenied
from data.exports import jobs as exports
from data.models import AuditEntry
from tests import factories as f


def _rows(session, **where):
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return session.scalars(stmt).all()


def test_an_admin_change_to_a_service_is_one_row_with_before_and_after(session):
    admin, board = f.user(session, "admin"), f.board(session)
    data = {"code": "it", "name": "IT", "board_id": board.id}
    service = catalog_admin.save_service(session, admin, None, data)
    catalog_admin.save_service(session, admin, service.id, {**data, "name": "IT support"})
    catalog_admin.save_service(session, admin, service.id, {**data, "name": "IT support"})  # nothing changed
    created, updated = _rows(session, object_type="services", object_id=str(service.id))
    assert (created.action, created.actor_id, created.before, created.after["name"]) == ("service.create", admin.id,
                                                                                         None, "IT")
    assert updated.action == "service.update" and updated.object_label == "IT support"
    assert audit.changes(updated) == [("name", "IT", "IT support")]


def test_secrets_never_reach_the_log(session):
    admin = f.user(session, "admin")
    _row, secret = integrations.create_token(session, admin, "Website form")
    box = mailboxes.save(session, admin, {"kind": "imap", "address": "help@example.com", "host": "imap.example.com",
                                          "username": "help"}, password="hunter2-mailbox")
    rows = _rows(session, actor_id=admin.id)
    assert [r.action for r in rows] == ["integration_token.create", "mailbox.create"]
    assert rows[0].after["token_hash"] == "***" and rows[1].after["secret"] == "***" and box.secret
    dumped = str([(r.before, r.after) for r in rows])
    assert secret not in dumped and "hunter2" not in dumped and secret[12:20] not in dumped


def test_update_delete_and_truncate_are_refused_by_the_database(session):
    audit.record(session, "someone", "test.row", ("things", 1, "a thing"))
    for statement in ("UPDATE audit_entries SET action = 'forged'", "DELETE FROM audit_entries",
                      "TRUNCATE audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            with session.begin_nested():
                session.execute(text(statement))
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.row")) == 1


def test_prune_removes_only_rows_older_than_the_retention(session, monkeypatch):
    now = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
    old = audit.record(session, "someone", "test.old")
    young = audit.record(session, "someone", "test.young")
    # Rows are written "now"; the test moves them back in time the only way the table allows: inserting.
    session.execute(text("INSERT INTO audit_entries (at, actor_label, action) VALUES "
                         "(:a, 'x', 'test.prune_old'), (:b, 'x', 'test.prune_young')"),
                    {"a": now - timedelta(days=31), "b": now - timedelta(days=29)})
    monkeypatch.setenv("OKNO_AUDIT_RETENTION_DAYS", "30")
    scheduler.tick(session, now)  # the scheduled prune runs on the tick
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("test.%"))))
    assert actions == {"test.prune_young", old.action, young.action}
    monkeypatch.setenv("OKNO_AUDIT_RETENTION_DAYS", "0")  # keep everything
    assert audit.prune_expired(session, now + timedelta(days=3650)) == 0
    with pytest.raises(DBAPIError):  # and the prune's permission ends with it
        with session.begin_nested():
            session.execute(text("DELETE FROM audit_entries"))


def test_only_admins_read_the_log_and_its_csv(session):
    manager, agent = f.user(session, "manager"), f.user(session, "agent")
    for user in (manager, agent, None):
        with pytest.raises(PermissionDenied):
            audit.query(session, user, {})
        with pytest.raises(PermissionDenied):
            list(audit.export_csv(session, user, {}))


def test_filters_pages_and_csv_of_the_filtered_set(session):
    admin, other = f.user(session, "admin", name="Anna Admin"), f.user(session, "admin", name="Boris Admin")
    board = f.board(session)
    for i in range(3):
        catalog_admin.save_service(session, admin, None, {"code": f"s{i}", "name": f"Service {i}", "board_id": board.id})
    catalog_admin.save_service(session, other, None, {"code": "b", "name": "Boris's service", "board_id": board.id})
    mine = audit.query(session, admin, {"actor": str(admin.id), "action": "service.create"})
    assert mine["total"] == 3 and {r["object"] for r in mine["rows"]} == {"Service 0", "Service 1", "Service 2"}
    assert audit.query(session, admin, {"text": "boris's"})["total"] == 1
    today = datetime.now(timezone.utc).date()
    assert audit.query(session, admin, {"date_to": (today - timedelta(days=2)).isoformat(),
                                        "object_type": "services"})["total"] == 0
    assert {"value": admin.id, "label": f"Anna Admin <{admin.email}>"} in mine["actors"]
    body = "".join(audit.export_csv(session, admin, {"actor": str(admin.id), "object_type": "services"}))
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(r["object"] for r in rows) == ["Service 0", "Service 1", "Service 2"]
    assert all(r["actor"] == f"Anna Admin <{admin.email}>" and r["action"] == "service.create" for r in rows)


def test_an_export_job_is_a_row(session):
    analyst = f.user(session, "analyst")
    job = exports.start(session, analyst, query={"status": "open"}, fmt="xlsx")
    (row,) = _rows(session, action="export.start", actor_id=analyst.id)
    assert row.object_id == str(job.id) and row.after["format"] == "xlsx"


# ---- over HTTP: sign-ins, the ticket-list export, a refusal (each in its own committed transaction) ----

@pytest.fixture(scope="module")
def people(database_url):
    with session_scope() as s:
        return {role: f.user(s, role, email=f"audit-{role}@example.com").id for role in ("agent", "director")}


def _sign_in(client, email, password, address):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def _latest(action: str, **where):
    with read_session() as s:
        rows = _rows(s, action=action, **where)[-1:]
        s.expunge_all()
        return rows


def test_sign_ins_and_failed_sign_ins_are_rows_with_the_address(client, people):
    assert _sign_in(client, "audit-agent@example.com", "wrong", "203.0.113.7").status_code == 401
    (failed,) = _latest("sign_in.failed", object_label="audit-agent@example.com")
    assert str(failed.address) == "203.0.113.7" and failed.actor_id is None
    assert _sign_in(client, "audit-agent@example.com", f.PASSWORD, "198.51.100.4").status_code == 302
    (ok,) = _latest("sign_in", actor_id=people["agent"])
    assert str(ok.address) == "198.51.100.4" and "audit-agent@example.com" in ok.actor_label


def test_the_ticket_list_export_and_a_refusal_are_rows(client, people):
    _sign_in(client, "audit-director@example.com", f.PASSWORD, "192.0.2.10")
    assert client.get("/tickets/export.csv?q=printer", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200
    (row,) = _latest("export.tickets_csv", actor_id=people["director"])
    assert row.after["filter"].get("q") == "printer" and str(row.address) == "192.0.2.10"
    client.get("/logout")
    _sign_in(client, "audit-agent@example.com", f.PASSWORD, "192.0.2.11")
    response = client.get("/exports/charts/flow.csv", environ_base={"REMOTE_ADDR": "192.0.2.11"})
    assert response.status_code == 403
    (refusal,) = _latest("permission.refused", actor_id=people["agent"])
    assert refusal.object_label == "GET /exports/charts/flow.csv" and str(refusal.address) == "192.0.2.11"
    assert refusal.after["message"].startswith("You may not")
    client.get("/logout")


def test_sign_out_is_a_row_with_the_address(client, people):
    _sign_in(client, "audit-agent@example.com", f.PASSWORD, "192.0.2.20")
    assert client.get("/logout", environ_base={"REMOTE_ADDR": "192.0.2.21"}).status_code == 302
    (row,) = _latest("sign_out", actor_id=people["agent"])
    assert str(row.address) == "192.0.2.21" and row.object_id == str(people["agent"])


def test_portal_pin_sign_ins_and_failures_are_rows(client):
    from data.intake import pins
    from tests.test_pins import last_pin
    email = "audit-portal@corp.example"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/portal/login").get_data(as_text=True)).group(1)
    client.post("/portal/login", data={"email": email, "csrf_token": token}, environ_base={"REMOTE_ADDR": "192.0.2.30"})
    with read_session() as s:
        code = last_pin(s, email)
    wrong = "000000" if code != "000000" else "111111"
    client.post("/portal/verify", data={"email": email, "pin": wrong, "csrf_token": token},
                environ_base={"REMOTE_ADDR": "192.0.2.31"})
    (failed,) = _latest("portal.sign_in.failed", object_label=email)
    assert str(failed.address) == "192.0.2.31" and failed.after == {"reason": "wrong"} and failed.actor_id is None
    response = client.post("/portal/verify", data={"email": email, "pin": code, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "192.0.2.32"})
    assert response.status_code == 302
    (ok,) = _latest("portal.sign_in", object_label=email)
    assert str(ok.address) == "192.0.2.32" and email in ok.actor_label and ok.object_type == "requesters"
    assert pins.AUDIT_ACTIONS["login"] == "portal.sign_in"

"""The approval channels end to end — the proof of the feature: an HR request waits for two approvals, one
given through the email link over real HTTP, one by the Telegram button through the real worker against a
loopback Bot API; then it lands on the board with its SLA clock having paused while it waited."""
from __future__ import annotations

import random
import re
import uuid
from datetime import datetime, timedelta, timezone

import requests
from sqlalchemy import select

from data.approvals import config as approval_config
from data.db import read_session, session_scope
from data.intake import requesters
from data.intake import submit as intake
from data.models import AuditEntry, Outbox, SlaPolicy, Ticket, TicketApproval, TicketEvent, TicketSla
from data.sla import recompute as sla
from tests import factories as f
from tests.portal_factories import request_type
from tests.telegram_fake_api import callback
from tests.telegram_support import Chat, api, cat, worker  # noqa: F401


def _hr_request(chat_id: int) -> dict:
    """A committed HR desk: the requester's manager approves by email, then the HR lead in Telegram."""
    tag = uuid.uuid4().hex[:8]
    with session_scope() as s:
        team = f.team(s, name=f"HR {tag}")
        board = f.board(s, team, name=f"HR board {tag}")
        service = f.service(s, board, code=f"hr{tag}", name="HR")
        s.add(SlaPolicy(name=f"HR {tag}", resolution_minutes=8 * 60, conditions={"service_ids": [service.id]}))
        manager = f.user(s, "manager", team, name=f"Manager {tag}", email=f"boss{tag}@example.com")
        manager.notify_channel = "email"
        hr_lead = f.user(s, "manager", team, name=f"HR lead {tag}")
        hr_lead.notify_channel, hr_lead.telegram_chat_id = "telegram", str(chat_id)
        rt = request_type(s, service, fields=[], name="Отпуск")
        approval_config.save(s, f.user(s, "admin"), rt.id, {"steps": [
            {"kind": "manager", "ref": None, "mode": "any"}, {"kind": "person", "ref": hr_lead.id, "mode": "any"}]})
        req = requesters.find_or_create_by_email(s, f"olga{tag}@example.com", "Ольга")
        req.manager_id = manager.id
        t = intake.submit(s, req, service_id=service.id, request_type_id=rt.id, title="Отпуск с 1 июля",
                          channel="portal", at=datetime.now(timezone.utc) - timedelta(hours=1))
        mail = s.scalar(select(Outbox).where(Outbox.ticket_id == t.id, Outbox.kind == "approval"))
        assert mail.channel == "email" and mail.recipient == manager.email
        return {"ticket_id": t.id, "number": t.number, "queue": f.column(board, "queue").id,
                "waiting": f.column(board, "waiting").id, "link": re.search(r"https?://\S+/approval/(\S+)\?d=approve",
                                                                             mail.body).group(1)}


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_hr_request_approved_by_email_link_and_telegram_button_lands_on_the_board_with_sla_paused(
        live_server, api, cat, worker):  # noqa: F811
    chat = Chat(api, random.randint(10**6, 10**9))
    d = _hr_request(chat.chat_id)
    with read_session() as s:
        assert s.get(Ticket, d["ticket_id"]).column_id == d["waiting"]

    # 1. The manager opens the email link: a page, no decision yet (mail scanners open links too).
    browser = requests.Session()
    page = browser.get(f"{live_server}/approval/{d['link']}?d=approve", headers={"Accept-Language": "ru"})
    assert page.status_code == 200 and "Отпуск с 1 июля" in page.text and "Согласовать" in page.text
    with read_session() as s:
        assert s.scalar(select(TicketApproval.decision).where(TicketApproval.ticket_id == d["ticket_id"])) is None
    done = browser.post(f"{live_server}/approval/{d['link']}", headers={"Accept-Language": "ru"},
                        data={"csrf_token": _csrf(page.text), "decision": "approve", "comment": "Не возражаю"})
    assert done.status_code == 200 and "Заявка согласована" in done.text
    again = browser.get(f"{live_server}/approval/{d['link']}", headers={"Accept-Language": "en"})
    assert again.status_code == 410 and "already decided" in again.text
    forged = browser.get(f"{live_server}/approval/{d['link'][:-3]}abc", headers={"Accept-Language": "en"})
    assert forged.status_code == 404 and "not valid" in forged.text

    # 2. The HR lead gets the Telegram message with buttons; a stranger's press of the same button is refused.
    chat.expect("Нужно ваше согласование")
    with read_session() as s:
        row_id = s.scalar(select(TicketApproval.id).where(TicketApproval.ticket_id == d["ticket_id"],
                                                          TicketApproval.step == 1))
    stranger = random.randint(10**6, 10**9)
    api.push(callback(f"ap:{row_id}:y", chat_id=stranger, query_id="forged-1"))
    api.wait_for(lambda: [a for a in api.sent("answerCallbackQuery") if a.get("callback_query_id") == "forged-1"])
    refused = [a for a in api.sent("answerCallbackQuery") if a.get("callback_query_id") == "forged-1"]
    assert "недействительна" in refused[0]["text"]
    chat.press("Согласовать")
    api.wait_for(lambda: [m for m in chat.messages() if "Ваше решение: согласовано" in (m.get("text") or "")])

    # 3. On the board, in the routed column, with the time it waited counted as paused.
    with session_scope() as s:
        t = s.get(Ticket, d["ticket_id"])
        assert t.column_id == d["queue"] and t.status == "queue"
        decisions = s.scalars(select(TicketApproval.channel).where(TicketApproval.ticket_id == t.id)
                              .order_by(TicketApproval.step)).all()
        assert decisions == ["email", "telegram"]
        events = s.scalars(select(TicketEvent.to_value).where(TicketEvent.ticket_id == t.id,
                                                              TicketEvent.kind == "approval")
                           .order_by(TicketEvent.id)).all()
        assert events == ["pending", "approved", "approved", "approved"]
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "approval.approve",
                                                    AuditEntry.object_id == str(t.id)).limit(1))
        sla.recompute_ticket(s, t)
        clock = s.scalar(select(TicketSla).where(TicketSla.ticket_id == t.id, TicketSla.target == "resolution"))
        assert clock.paused_seconds >= 3500  # the hour it waited for approval
        assert clock.state == "running" and clock.elapsed_seconds < 600

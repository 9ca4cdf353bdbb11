"""The company time zone comes from OKNO_TIMEZONE: a company outside Moscow sees its own clock."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from data.automation import scheduler
from data.models import Notification, SlaPolicy
from data.tickets import actions as tickets
from tests import factories as f


def test_sla_notice_shows_the_due_time_in_the_configured_zone(session, monkeypatch):
    monkeypatch.setenv("OKNO_TIMEZONE", "Asia/Vladivostok")  # UTC+10 all year
    agent = f.user(session, "agent")
    board = f.board(session, agents=[agent])
    service = f.service(session, board)
    session.add(SlaPolicy(name="one hour", first_response_minutes=60, conditions={"service_ids": [service.id]}))
    created = datetime(2025, 3, 5, 10, 0, tzinfo=timezone.utc)  # a Wednesday: no weekly summary is due
    t = tickets.create(session, None, title="VPN is down", board_id=board.id, service_id=service.id,
                       assignee_id=agent.id, at=created)
    assert scheduler.tick(session, datetime(2025, 3, 5, 10, 50, tzinfo=timezone.utc))["at_risk"] == 1
    text = session.scalar(select(Notification.text).where(Notification.ticket_id == t.id,
                                                          Notification.user_id == agent.id))
    assert "05.03 21:00" in text  # 11:00 UTC is 21:00 in Vladivostok (14:00 in Moscow)

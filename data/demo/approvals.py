"""The demo's approvals (`python -m data demo` runs this after the simulated year is loaded, through the
services, so the story has real links, events and outbox rows): HR's «Отпуск» needs the requester's manager, then the HR lead; the HR board gets a
«На согласовании» column in front; a few holiday requests wait at each step, one is approved, one rejected.
The demo manager (manager@okno.demo) is the manager of those requesters, so signing in as them shows
/approvals with work in it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data.approvals import config as approval_config
from data.approvals import decide
from data.intake import submit as intake
from data.models import Board, BoardColumn, RequestType, Requester, Service, Team, TicketApproval, User

# (requester index, title, days ago submitted, what happens: None = waits for the manager, then the decisions)
STORY = [
    (0, "Ежегодный отпуск в августе", 0.2, None),
    (1, "Отпуск за свой счёт на два дня", 0.6, None),
    (2, "Учебный отпуск на сессию", 1.5, ("approved",)),
    (3, "Отпуск с 1 по 14 июля", 3.0, ("approved", "approved")),
    (4, "Отпуск в конце квартала", 2.0, ("rejected",)),
]
REASON = "Конец квартала: закрытие отчётности. Давайте перенесём на первую половину следующего месяца."


def _column(session: Session, board: Board) -> BoardColumn:
    """«На согласовании» first on the board (positions are unique per board: shift in two steps)."""
    session.execute(text("UPDATE board_columns SET position = position + 1000 WHERE board_id = :b"), {"b": board.id})
    session.execute(text("UPDATE board_columns SET position = position - 999 WHERE board_id = :b"), {"b": board.id})
    column = BoardColumn(board_id=board.id, name="На согласовании", kind="waiting", position=0,
                         requester_status="На согласовании")
    session.add(column)
    session.flush()
    return column


def create(session: Session, now: datetime | None = None) -> int:
    """Returns how many demo requests went through approval (submitted up to `now`, the demo's present)."""
    rt = session.scalar(select(RequestType).join(Service, Service.id == RequestType.service_id)
                        .where(Service.code == "hr", RequestType.name == "Отпуск"))
    manager = session.scalar(select(User).where(User.email == "manager@okno.demo"))
    admin = session.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1))
    hr = session.scalar(select(Team).where(Team.name == "HR"))
    service = session.get(Service, rt.service_id) if rt is not None else None
    board = session.get(Board, service.board_id) if service is not None and service.board_id else None
    if None in (rt, manager, admin, hr, board) or not hr.lead_id:
        return 0
    column = _column(session, board)
    approval_config.save(session, admin, rt.id, {"column_id": column.id, "steps": [
        {"kind": "manager", "ref": None, "mode": "any"}, {"kind": "person", "ref": hr.lead_id, "mode": "any"}]})
    people = list(session.scalars(select(Requester).where(Requester.email.is_not(None)).order_by(Requester.id)
                                  .limit(len(STORY))))
    hr_lead = session.get(User, hr.lead_id)
    now = now or datetime.now(timezone.utc)
    made = 0
    for index, title, days, decisions in STORY:
        if index >= len(people):
            break
        requester = people[index]
        requester.manager_id = manager.id
        at = now - timedelta(days=days)
        values = {"date_from": (now + timedelta(days=30)).date().isoformat(),
                  "date_to": (now + timedelta(days=44)).date().isoformat(), "kind": "Ежегодный"}
        ticket = intake.submit(session, requester, service_id=rt.service_id, request_type_id=rt.id, title=title,
                               values=values, channel="portal", at=at)
        for step, decision in enumerate(decisions or ()):
            row = session.scalar(select(TicketApproval).where(TicketApproval.ticket_id == ticket.id,
                                                              TicketApproval.step == step).limit(1))
            who = manager if step == 0 else hr_lead
            decide.decide(session, who, row.id, decision, REASON if decision == "rejected" else "Не возражаю",
                          now=at + timedelta(hours=3 * (step + 1)))
        made += 1
    return made

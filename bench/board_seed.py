"""A busy board for the board benchmark and for looking at the board by hand.

`seed(session, cards=2000)` builds a team with a manager and agents, an agent-lane board with a
3-minute queue (Core12), a soft WIP limit, services, types, priorities, requesters, checklists,
child cards and `cards` open cards (plus some done). Rows go in with executemany, not one by one.
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from data.models import (Board, BoardColumn, ChecklistItem, Comment, Lane, Priority, ReplyTemplate, Requester, RequesterIdentity,
                         RequestType, Service, Team, Ticket, User)

COLUMNS = [("Очередь", "queue", None, 3), ("В работе", "in_progress", 40, None), ("Ждём ответа", "waiting", None, None),
           ("Готово", "done", None, None)]
PRIORITIES = [("urgent", "Срочно", "Urgent", "#dc3545"), ("high", "Высокий", "High", "#fd7e14"),
              ("normal", "Обычный", "Normal", "#0d6efd"), ("low", "Ждёт более двух дней", "Can wait", "#6c757d")]


def seed(session: Session, cards: int = 2000, agents: int = 6, password: str = "okno",
         email_domain: str | None = None) -> dict:
    rnd = random.Random(7)
    tag = uuid.uuid4().hex[:6]
    domain = email_domain or f"{tag}.bench"
    pw = generate_password_hash(password)
    team = Team(name=f"Первая линия {tag}", line_level=1)
    session.add(team)
    session.flush()
    manager = User(email=f"manager@{domain}", name="Марина Волкова", password_hash=pw, role="manager", team_id=team.id)
    staff = [User(email=f"agent{i}@{domain}", name=n, password_hash=pw, role="agent", team_id=team.id)
             for i, n in enumerate(["Алексей Петров", "Ольга Смирнова", "Игорь Белов", "Наталья Ким",
                                    "Сергей Орлов", "Дарья Лис", "Павел Зуев", "Юлия Рой"][:agents])]
    session.add_all([manager, *staff])
    session.flush()
    board = Board(name=f"ИТ-поддержка {tag}", lane_mode="agent", team_id=team.id)
    session.add(board)
    session.flush()
    cols = [BoardColumn(board_id=board.id, name=n, kind=k, position=i, wip_limit=w, time_limit_minutes=t)
            for i, (n, k, w, t) in enumerate(COLUMNS)]
    lanes = [Lane(board_id=board.id, name=a.name, position=i, user_id=a.id, wip_limit=300) for i, a in enumerate(staff)]
    session.add_all(cols + lanes)
    existing = {p.code: p for p in session.scalars(select(Priority))}
    prios = []
    for rank, (code, ru, en, color) in enumerate(PRIORITIES, 1):
        p = existing.get(code)
        if p is None:
            p = Priority(code=f"{code}-{tag}", name_ru=ru, name_en=en, rank=rank * 1000 + rnd.randint(0, 999), color=color)
            session.add(p)
        prios.append(p)
    svc = Service(code=f"it-{tag}", name="ИТ-поддержка", board_id=board.id, team_id=team.id)
    session.add(svc)
    session.flush()
    types = [RequestType(service_id=svc.id, code=f"{c}-{tag}", name=n) for c, n in
             [("printer", "Принтер"), ("access", "Доступ"), ("net", "Нет интернета"), ("soft", "Установка ПО")]]
    session.add_all(types)
    session.add(ReplyTemplate(name="Приняли в работу", body="{requester}, заявка #{number} принята. {agent}",
                              service_id=svc.id))
    requesters = [Requester(name=f"Сотрудник {i}", email=f"user{i}@{domain}") for i in range(200)]
    session.add_all(requesters)
    session.flush()
    session.add_all([RequesterIdentity(requester_id=r.id, channel="email", address=r.email) for r in requesters])
    now = datetime.now(timezone.utc)
    rows = []
    open_cols = [c for c in cols if c.kind != "done"]
    done_col = cols[-1]
    for i in range(cards + cards // 10):
        col = open_cols[i % 3 if i % 5 else 0] if i < cards else done_col
        lane = None if col.kind == "queue" and i % 4 == 0 else lanes[i % len(lanes)]
        created = now - timedelta(minutes=rnd.randint(1, 60 * 24 * 20))
        entered = max(created, now - timedelta(minutes=rnd.randint(0, 600)))
        rows.append(dict(title=f"{rnd.choice(['Не печатает принтер', 'Нужен доступ к 1С', 'Нет интернета', 'Установить Office'])} №{i}",
                         board_id=board.id, column_id=col.id, lane_id=lane.id if lane else None, status=col.kind,
                         position=float(i), channel=rnd.choice(["email", "telegram", "portal"]),
                         service_id=svc.id, request_type_id=rnd.choice(types).id, priority_id=rnd.choice(prios).id,
                         requester_id=rnd.choice(requesters).id, assignee_id=lane.user_id if lane else None,
                         team_id=team.id, created_at=created, updated_at=entered, column_entered_at=entered,
                         resolved_at=now - timedelta(days=rnd.randint(0, 10)) if col.kind == "done" else None,
                         sla_due_at=created + timedelta(hours=rnd.choice([8, 24, 72])) if i % 3 else None,
                         sla_at_risk_at=created + timedelta(hours=6) if i % 3 else None, blocked=i % 97 == 0,
                         blocked_reason="Ждём поставщика" if i % 97 == 0 else None))
    session.execute(insert(Ticket), rows)
    ids = list(session.scalars(select(Ticket.id).where(Ticket.board_id == board.id).order_by(Ticket.id)))
    session.execute(insert(ChecklistItem), [dict(ticket_id=t, text=f"Шаг {k}", position=k, done=k < (t % 4))
                                            for t in ids[::7] for k in range(3)])
    session.execute(insert(Comment), [dict(ticket_id=t, author_user_id=staff[0].id, is_public=True, body="Смотрим.",
                                           delivery_state="sent") for t in ids[::11]])
    session.execute(insert(Ticket), [dict(title=f"Дочерняя {k}", board_id=board.id, column_id=cols[k % 4].id,
                                          status=cols[k % 4].kind, position=-1.0 - k, channel="agent",
                                          parent_id=ids[k * 13], team_id=team.id)
                                     for k in range(30)])
    session.flush()
    return {"board_id": board.id, "manager_id": manager.id, "manager_email": manager.email,
            "agent_ids": [a.id for a in staff], "column_ids": [c.id for c in cols], "lane_ids": [l.id for l in lanes]}

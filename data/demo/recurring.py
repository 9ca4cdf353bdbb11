"""The demo's recurring requests: what accounting, HR and IT file every month or week."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.intake import recurring
from data.models import Service, User

# (name, service code, title, schedule, on whose behalf)
TEMPLATES = [
    ("Закрытие месяца", "accounting", "Закрытие месяца {period}: акты сверки и закрывающие документы",
     {"kind": "monthly_workday", "n": 1, "at": "09:00"}, "finance@okno.demo"),
    ("Табель учёта рабочего времени", "hr", "Табель за {period}: проверить и подписать",
     {"kind": "monthly_workday", "n": -1, "at": "12:00"}, "hr-office@okno.demo"),
    ("Проверка резервных копий", "it", "Проверка восстановления из резервной копии {date}",
     {"kind": "weekly", "weekdays": ["mon"], "at": "10:00"}, "it-ops@okno.demo"),
]


def create(session: Session) -> int:
    admin = session.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1))
    services = {s.code: s.id for s in session.scalars(select(Service))}
    made = 0
    for name, code, title, schedule, email in TEMPLATES:
        if code in services and admin is not None:
            recurring.save(session, admin, None, name=name, service_id=services[code], request_type_id=None,
                           title=title, requester_email=email, schedule=schedule)
            made += 1
    return made

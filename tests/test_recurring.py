"""Recurring requests: schedules in the company calendar, a preview, and filing exactly once each."""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text as sql
from sqlalchemy.orm import Session

from data.errors import PermissionDenied, ValidationError
from data.intake import recurring, schedules
from data.models import AuditEntry, RecurringRequest, RecurringRun, Service, Ticket
from tests import factories as f
from tests.portal_factories import request_type
from tests.test_jobs import start_workers, stop, wait_for
from tests.conftest import own_database as database_of_its_own

MSK = ZoneInfo("Europe/Moscow")
MONTHLY = {"kind": "monthly_workday", "n": 1, "at": "09:00"}


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


def weekdays_only(day: date) -> bool:
    return day.weekday() < 5


def test_every_first_working_day_of_the_month_on_the_russian_calendar(session):
    agent = f.user(session, "agent")
    dates = recurring.preview(session, agent, MONTHLY, None, after=msk(2026, 12, 2, 12, 0))
    # January 2027 starts after the New Year holidays (1–8 January and the weekend of the 9th–10th).
    assert dates == [msk(2027, 1, 11, 9), msk(2027, 2, 1, 9), msk(2027, 3, 1, 9), msk(2027, 4, 1, 9),
                     msk(2027, 5, 4, 9)]  # 1–3 May: the holiday, a weekend, the Monday off


def test_weekly_cron_and_last_working_day_schedules():
    monday = schedules.parse({"kind": "weekly", "weekdays": ["mon"], "at": "09:30"})
    assert schedules.occurrences(monday, weekdays_only, "Europe/Moscow", msk(2026, 12, 7, 9, 30), 2) == \
        [msk(2026, 12, 14, 9, 30), msk(2026, 12, 21, 9, 30)]  # strictly after: the 7th itself is past
    cron = schedules.parse({"kind": "cron", "cron": "0 18 * * 5", "workdays_only": False})
    assert schedules.occurrences(cron, weekdays_only, "Europe/Moscow", msk(2026, 12, 2), 1) == [msk(2026, 12, 4, 18)]
    last = schedules.parse({"kind": "monthly_workday", "n": -1, "at": "17:00"})
    assert schedules.occurrences(last, weekdays_only, "Europe/Moscow", msk(2026, 12, 2), 2) == \
        [msk(2026, 12, 31, 17), msk(2027, 1, 29, 17)]
    never = schedules.parse({"kind": "weekly", "weekdays": ["sun"], "workdays_only": True})
    assert schedules.occurrences(never, weekdays_only, "Europe/Moscow", msk(2026, 12, 2), 5) == []


@pytest.mark.parametrize("spec, field", [
    ({"kind": "yearly"}, "schedule_kind"),
    ({"kind": "monthly_workday", "n": 0}, "schedule_n"),
    ({"kind": "weekly", "weekdays": []}, "schedule_weekdays"),
    ({"kind": "cron", "cron": "every monday"}, "schedule_cron"),
    ({"kind": "weekly", "weekdays": ["mon"], "at": "25:00"}, "schedule_at"),
])
def test_a_schedule_that_is_not_one_names_the_field(spec, field):
    with pytest.raises(ValidationError) as err:
        schedules.parse(spec)
    assert field in err.value.fields


def _template(session, **over):
    admin = f.user(session, "admin")
    agent = f.user(session, "agent")
    board = f.board(session, agents=[agent])
    service = f.service(session, board, name="Бухгалтерия")
    rt = request_type(session, service, fields=[{"key": "period", "type": "text", "label": "Период"}])
    values = dict(name="Закрытие месяца", service_id=service.id, request_type_id=rt.id,
                  title="Закрытие месяца {period}", fields="period=прошлый месяц",
                  requester_email="Accounting@Example.com", assignee_id=agent.id, schedule=MONTHLY,
                  now=msk(2026, 12, 2, 12))
    values.update(over)
    return admin, agent, recurring.save(session, admin, None, **values)


def test_a_template_is_checked_when_saved_and_audited(session):
    admin, agent, row = _template(session)
    assert row.next_at == msk(2027, 1, 11, 9)
    assert row.fields == {"period": "прошлый месяц"}
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "recurring_requests",
                                                          AuditEntry.object_id == str(row.id))) \
        == "recurring_request.create"
    with pytest.raises(ValidationError) as err:
        recurring.save(session, admin, None, name="", service_id=row.service_id, request_type_id=row.request_type_id,
                       title="", fields="colour=red", requester_email="not an address", schedule={"kind": "?"})
    assert {"name", "title", "colour", "requester_email", "schedule_kind"} <= set(err.value.fields)
    with pytest.raises(PermissionDenied):
        recurring.save(session, f.user(session, "analyst"), row.id, name="x", service_id=row.service_id,
                       request_type_id=None, title="x", requester_email="a@example.com", schedule=MONTHLY)


def test_the_occurrence_is_filed_once_and_the_next_date_follows(session):
    _admin, agent, row = _template(session)
    assert recurring.file_due(session, msk(2027, 1, 11, 8, 59)) == 0
    assert recurring.file_due(session, msk(2027, 1, 11, 9, 0, 30)) == 1
    ticket = session.scalar(select(Ticket).join(RecurringRun, RecurringRun.ticket_id == Ticket.id)
                            .where(RecurringRun.recurring_id == row.id))
    assert ticket.title == "Закрытие месяца 01.2027" and ticket.fields == {"period": "прошлый месяц"}
    assert ticket.assignee_id == agent.id and ticket.channel == "agent"
    assert row.next_at == msk(2027, 2, 1, 9)
    # Whatever happens to next_at (a restored backup, a worker that read it before the commit), the
    # occurrence's row keeps the request from being filed twice.
    row.next_at = msk(2027, 1, 11, 9)
    session.flush()
    assert recurring.file_due(session, msk(2027, 1, 11, 9, 5)) == 0
    assert session.scalar(select(func.count()).select_from(RecurringRun).where(RecurringRun.recurring_id == row.id)) == 1


def test_missed_occurrences_are_filed_when_a_worker_comes_back(session):
    _admin, _agent, row = _template(session, schedule={"kind": "weekly", "weekdays": ["mon"], "at": "09:00"})
    assert row.next_at == msk(2026, 12, 7, 9)
    assert recurring.file_due(session, msk(2026, 12, 22, 10)) == 3  # the 7th, the 14th and the 21st
    assert row.next_at == msk(2026, 12, 28, 9)


def test_a_template_that_cannot_be_filed_records_why(session):
    _admin, _agent, row = _template(session)
    session.get(Service, row.service_id).is_active = False
    session.flush()
    assert recurring.file_due(session, msk(2027, 1, 11, 9, 1)) == 0
    listed = {r["id"]: r for r in recurring.listing(session, f.user(session, "manager"))}
    assert listed[row.id]["last_error"] and listed[row.id]["last_number"] is None
    assert row.next_at == msk(2027, 2, 1, 9)  # not retried forever: the next date is the next month's


@pytest.fixture
def own_database():
    """A database of its own: these tests commit, and the shared test database must not see their tickets."""
    with database_of_its_own("okno_recurring") as url_engine:
        yield url_engine


def test_two_workers_at_the_same_minute_file_one_request(own_database):
    _url, engine = own_database
    with Session(engine) as s:
        _admin, _agent, row = _template(s)
        rid = row.id
        s.commit()
    barrier = threading.Barrier(2)
    counts = []

    def worker():
        with Session(engine) as s:
            barrier.wait()
            counts.append(recurring.file_due(s, msk(2027, 1, 11, 9, 0, 30)))
            s.commit()
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(counts) == [0, 1]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(RecurringRun).where(RecurringRun.recurring_id == rid)) == 1


def test_two_worker_processes_file_a_due_request_once(own_database):
    """The periodic job `recurring_requests` in two real `python -m ingest worker` processes."""
    url, engine = own_database
    with Session(engine) as s:
        _admin, _agent, row = _template(s, now=datetime.now(timezone.utc))
        row.next_at = datetime.now(timezone.utc) - timedelta(seconds=30)  # due now
        rid = row.id
        s.commit()

    def runs() -> list:
        with engine.connect() as c:
            return list(c.execute(sql("SELECT ticket_id FROM recurring_runs WHERE recurring_id = :r"), {"r": rid}))
    workers = start_workers(url, 2)
    try:
        assert wait_for(lambda: len(runs()) >= 1, 75), "the periodic job did not file the request"
        time.sleep(3)  # room for a second filing, if there were one
    finally:
        codes = stop(workers)
    assert len(runs()) == 1 and runs()[0][0] is not None
    with engine.connect() as c:
        assert c.scalar(sql("SELECT count(*) FROM tickets WHERE title LIKE 'Закрытие месяца%'")) == 1
    assert codes == [0, 0]

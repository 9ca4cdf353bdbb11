"""The Russian production calendar: built-in years, imported official files, and SLA clocks that follow them."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from data.errors import PermissionDenied, ValidationError
from data.models import AuditEntry, BusinessCalendar, SlaPolicy
from data.sla import admin as sla_admin
from data.sla import policies, production
from data.sla.calendars import Calendar, add, between
from data.sla.production_formats import parse
from data.tickets import actions as tickets
from tests import factories as f

MSK = ZoneInfo("Europe/Moscow")
NINE_TO_SIX = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


def russian(session) -> Calendar:
    row = BusinessCalendar(name=f"RU {datetime.now().timestamp()}", timezone="Europe/Moscow", hours=NINE_TO_SIX,
                           country="RU")
    session.add(row)
    session.flush()
    return policies.calendar_from_row(session, row)


def test_built_in_years_know_transfers_working_saturdays_and_shortened_eves():
    y2025 = production.built_in("RU", 2025)
    assert {date(2025, 5, 2), date(2025, 5, 8), date(2025, 11, 3), date(2025, 12, 31)} <= y2025.off
    assert y2025.work == {date(2025, 11, 1)}
    # The eves of 8 March, 1 May, 12 June, and the working Saturday before 4 November: 247 days, 1,972 hours.
    assert y2025.short == {date(2025, 3, 7), date(2025, 4, 30), date(2025, 6, 11), date(2025, 11, 1)}
    y2027 = production.built_in("RU", 2027)
    assert date(2027, 2, 20) in y2027.work and date(2027, 2, 20) in y2027.short
    assert date(2027, 2, 22) in y2027.off
    # A Friday before a Monday holiday is not an eve: the weekend lies between.
    assert date(2026, 2, 20) not in production.built_in("RU", 2026).short
    # A working Saturday before the New Year holidays is shortened even though they fall in the next year.
    assert date(2024, 12, 28) in production.built_in("RU", 2024).short


def test_a_clock_on_the_russian_calendar_skips_the_new_year_holidays(session):
    cal = russian(session)
    # 31 December 2026 is a day off by transfer and 1–10 January are holidays and a weekend: half an hour
    # on 30 December, the remaining hour and a half on Monday 11 January 2027.
    assert add(cal, msk(2026, 12, 30, 17, 30), timedelta(hours=2)) == msk(2027, 1, 11, 10, 30)
    assert between(cal, msk(2026, 12, 30, 0, 0), msk(2027, 1, 12, 0, 0)) == timedelta(hours=9 + 9)


def test_a_shortened_working_saturday_counts_eight_hours(session):
    cal = russian(session)
    assert between(cal, msk(2027, 2, 20, 0, 0), msk(2027, 2, 21, 0, 0)) == timedelta(hours=8)
    assert between(cal, msk(2027, 2, 22, 0, 0), msk(2027, 2, 24, 0, 0)) == timedelta(0)  # a transfer and a holiday


def test_shortening_takes_the_hour_from_the_end_of_the_day():
    cal = Calendar(timezone="Europe/Moscow", hours={"fri": [["09:00", "13:00"], ["14:00", "17:30"]]},
                   short_days=frozenset({date(2027, 4, 30)}))
    assert cal.day_intervals(date(2027, 4, 30)) == [(540, 780), (840, 990)]  # 17:30 → 16:30
    half = Calendar(timezone="UTC", hours={"fri": [["09:00", "13:00"], ["14:00", "14:30"]]},
                    short_days=frozenset({date(2027, 4, 30)}))
    assert half.day_intervals(date(2027, 4, 30)) == [(540, 750)]  # the last half hour, then 30 min of the first


def calendar_xml(year: int, days: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<calendar year="{year}" lang="ru" country="ru">'
            f'<holidays><holiday id="1" title="Новогодние каникулы"/></holidays><days>{days}</days></calendar>').encode()


# A made-up decree for 2026: 30 November becomes a day off (t=1), 5 December a working Saturday (t=3),
# 3 December shortened (t=2); Saturdays listed as off are no exception.
XML_2026 = calendar_xml(2026, '<day d="01.01" t="1" h="1"/><day d="01.03" t="1" h="1"/><day d="11.30" t="1"/>'
                              '<day d="12.05" t="3" f="11.30"/><day d="12.03" t="2"/>')


def test_the_official_xml_replaces_the_built_in_year_and_moves_open_clocks(session):
    admin = f.user(session, "admin")
    cal_row = BusinessCalendar(name="RU import", timezone="Europe/Moscow", hours=NINE_TO_SIX, country="RU")
    session.add(cal_row)
    session.flush()
    session.add(SlaPolicy(name="everything", position=0, resolution_minutes=60, resolution_calendar_id=cal_row.id))
    board = f.board(session)
    # Friday 27 November 2026, 17:30: the hour ends on Monday 30 November at 09:30 — until the decree.
    t = tickets.create(session, admin, title="Payslip", board_id=board.id, at=msk(2026, 11, 27, 17, 30))
    assert t.resolution_due_at == msk(2026, 11, 30, 9, 30)

    years = sla_admin.import_production_calendar(session, admin, "RU", XML_2026, "calendar2026.xml")
    assert years == [2026]
    days, source = production.year_days(session, "RU", 2026)
    assert source == "calendar2026.xml"
    assert days.off == {date(2026, 1, 1), date(2026, 11, 30)}  # 3 January is a Saturday: no exception
    assert days.work == {date(2026, 12, 5)} and days.short == {date(2026, 12, 3)}
    session.refresh(t)
    assert t.resolution_due_at == msk(2026, 12, 1, 9, 30)  # the open ticket's clock followed at once
    cal = policies.calendar_from_row(session, cal_row)
    assert between(cal, msk(2026, 12, 5, 0, 0), msk(2026, 12, 6, 0, 0)) == timedelta(hours=9)
    assert between(cal, msk(2026, 12, 3, 0, 0), msk(2026, 12, 4, 0, 0)) == timedelta(hours=8)
    assert between(cal, msk(2026, 1, 5, 0, 0), msk(2026, 1, 6, 0, 0)) == timedelta(hours=9)  # the file rules
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "production_year.imported")
                            .order_by(AuditEntry.id.desc())).first()
    assert entry.object_id == "RU-2026" and entry.after == {"off": 2, "work": 1, "short": 1}

    sla_admin.forget_production_year(session, admin, "RU", 2026)
    assert production.year_days(session, "RU", 2026)[1] == "builtin"
    session.refresh(t)
    assert t.resolution_due_at == msk(2026, 11, 30, 9, 30)


def test_an_imported_year_beyond_the_built_in_ones_reaches_the_clock(session):
    admin = f.user(session, "admin")
    sla_admin.import_production_calendar(session, admin, "RU", calendar_xml(2040, '<day d="03.07" t="2"/>'), "2040.xml")
    cal = russian(session)
    assert between(cal, msk(2040, 3, 7, 0, 0), msk(2040, 3, 8, 0, 0)) == timedelta(hours=8)


def test_the_open_data_csv_with_shortened_and_moved_days():
    header = "Год/Месяц,Январь,Февраль,Март,Апрель,Май,Июнь,Июль,Август,Сентябрь,Октябрь,Ноябрь,Декабрь,Всего"
    # 2025 as published: 1–8 January off, 7* March shortened, 2+ May moved, 1 November a working Saturday.
    row = ('2025,"1,2,3,4,5,6,7,8,11,12,18,19,25,26","1,2,8,9,15,16,22,23","1,2,7*,8,9,15,16,22,23,29,30",'
           '"5,6,12,13,19,20,26,27,30*","1,2+,3,4,8+,9,10,11,17,18,24,25,31","1,7,8,11*,12,13+,14,15,21,22,28,29",'
           '"5,6,12,13,19,20,26,27","2,3,9,10,16,17,23,24,30,31","6,7,13,14,20,21,27,28","4,5,11,12,18,19,25,26",'
           '"1*,2,3+,4,8,9,15,16,22,23,29,30","6,7,13,14,20,21,27,28,31+",247')
    years = parse(f"{header}\n{row}\n".encode("cp1251"))
    y = years[2025]
    assert y.work == {date(2025, 11, 1)}
    assert y.short == {date(2025, 3, 7), date(2025, 4, 30), date(2025, 6, 11), date(2025, 11, 1)}
    assert {date(2025, 5, 2), date(2025, 5, 8), date(2025, 6, 13), date(2025, 11, 3), date(2025, 12, 31)} <= y.off
    assert y.off == production.built_in("RU", 2025).off  # the package and the official set agree on 2025
    assert y.short == production.built_in("RU", 2025).short


@pytest.mark.parametrize("content, key", [
    (b"not a calendar", "errors.production.no_year"),
    (b"<calendar><days/></calendar>", "errors.production.no_year"),
    (b'<calendar year="2031"><days><day d="02.30" t="1"/></days></calendar>', "errors.production.bad_day"),
    (b"<calendar year=", "errors.production.unreadable"),
    (b"2031,1,2", "errors.production.bad_row"),
])
def test_a_bad_file_is_refused_with_a_reason(session, content, key):
    admin = f.user(session, "admin")
    with pytest.raises(ValidationError) as err:
        sla_admin.import_production_calendar(session, admin, "RU", content, "bad.xml")
    assert err.value.key == key


def test_only_admins_import_and_only_known_countries(session):
    with pytest.raises(PermissionDenied):
        sla_admin.import_production_calendar(session, f.user(session, "manager"), "RU", XML_2026, "x.xml")
    with pytest.raises(ValidationError):
        sla_admin.import_production_calendar(session, f.user(session, "admin"), "XX", XML_2026, "x.xml")
    with pytest.raises(ValidationError) as err:
        sla_admin.save_calendar(session, f.user(session, "admin"), None, name="Mars", timezone="UTC",
                                hours={"mon": "09:00-18:00"}, country="MA")
    assert "country" in err.value.fields

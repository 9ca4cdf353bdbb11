"""Exports: ticket-list jobs stream CSV/XLSX with progress on the job row; saved exports re-run."""
from __future__ import annotations

import csv
import io
import uuid

import openpyxl
import pytest

from data.exports import jobs as exports
from data.tickets import actions as tickets
from data.db import read_session, session_scope
from data.errors import NotFound, PermissionDenied, ValidationError
from data.models import ExportJob
from tests import factories as f


@pytest.fixture(scope="module")
def seeded(engine):
    """Committed data (the export streams in its own connections, as in a web worker)."""
    tag = uuid.uuid4().hex[:8]
    with session_scope() as s:
        team = f.team(s, name=f"Export team {tag}")
        lead = f.user(s, "manager", team)
        analyst = f.user(s, "analyst")
        board = f.board(s, team)
        svc = f.service(s, board, name=f"ИТ {tag}")
        for i in range(25):
            tickets.create(s, lead, title=f"Сбой «{tag}», №{i}", board_id=board.id, service_id=svc.id, channel="email")
        s.expunge_all()
    return dict(tag=tag, lead=lead, analyst=analyst, board=board.id)


def _run(user, job_id) -> bytes:
    job = exports.open_job(user, job_id)
    return b"".join(exports.stream(user, job))


def _job(job_id) -> ExportJob:
    with read_session() as s:
        job = s.get(ExportJob, job_id)
        s.expunge(job)
        return job


def test_csv_export_streams_chosen_columns_with_bom_and_iso_dates(seeded):
    with session_scope() as s:
        job = exports.start(s, seeded["analyst"], query={"q": seeded["tag"]},
                            columns=["number", "title", "created_at", "bogus"], fmt="csv")
        job_id = job.id
    assert _job(job_id).rows_total == 25
    data = _run(seeded["analyst"], job_id)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["number", "title", "created_at"]
    assert len(rows) == 26 and all(seeded["tag"] in r[1] for r in rows[1:])
    assert rows[1][2][10] == "T" and rows[1][2][-6] in "+-"  # ISO 8601 with offset
    done = _job(job_id)
    assert (done.state, done.rows_done) == ("done", 25)


def test_xlsx_export_has_real_dates(seeded):
    with session_scope() as s:
        job_id = exports.start(s, seeded["lead"], query={"q": seeded["tag"]}, columns=["number", "created_at"],
                               fmt="xlsx").id
    data = _run(seeded["lead"], job_id)
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("number", "created_at") and len(rows) == 26
    assert rows[1][1].year >= 2024  # a datetime, not text
    assert _job(job_id).state == "done"


def test_someone_elses_job_is_refused(seeded):
    with session_scope() as s:
        job_id = exports.start(s, seeded["lead"], query={"q": seeded["tag"]}).id
    with pytest.raises(PermissionDenied):
        exports.open_job(seeded["analyst"], job_id)


def test_saved_export_reruns_with_its_filter_and_columns(seeded):
    with session_scope() as s:
        saved = exports.save(s, seeded["analyst"], name="Сбои", query={"q": seeded["tag"], "status": "queue"},
                             columns=["title", "status"], fmt="csv")
        saved_id = saved.id
        # Saving again under the same name overwrites it.
        exports.save(s, seeded["analyst"], name="Сбои", query={"q": seeded["tag"]}, columns=["title"], fmt="csv")
        assert [r.name for r in exports.saved(s, seeded["analyst"])] == ["Сбои"]
    with session_scope() as s:
        job_id = exports.run_saved(s, seeded["analyst"], saved_id).id
    rows = list(csv.reader(io.StringIO(_run(seeded["analyst"], job_id).decode("utf-8-sig"))))
    assert rows[0] == ["title"] and len(rows) == 26
    with session_scope() as s, pytest.raises(NotFound):
        exports.run_saved(s, seeded["lead"], saved_id)  # not theirs


def test_bad_input_is_a_clear_error(seeded):
    with session_scope() as s:
        with pytest.raises(ValidationError):
            exports.save(s, seeded["analyst"], name="  ", query={}, columns=None)
        with pytest.raises(ValidationError):
            exports.start(s, seeded["analyst"], query={}, fmt="pdf")


def test_streamed_xlsx_keeps_text_as_text_and_drops_illegal_characters():
    from datetime import date, datetime

    from data.exports.xlsx import xlsx_chunks
    rows = [("=HYPERLINK(\"x\")", "a\x00b <&>", 3, 2.5, None, datetime(2026, 11, 9, 14, 5), date(2026, 11, 9))]
    body = b"".join(xlsx_chunks(["formula", "text", "int", "float", "none", "when", "day"], rows))
    got = list(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert got[1][:5] == ('\'=HYPERLINK("x")', "ab <&>", 3, 2.5, None)  # formulas neutralised (OWASP)
    assert got[1][5] == datetime(2026, 11, 9, 14, 5) and got[1][6].date() == date(2026, 11, 9)


def test_analytics_chart_data_as_xlsx_has_real_dates():
    from datetime import date

    from components.chart_card import chart_xlsx
    rows = [{"bucket": "2026-11-09", "created": 12, "label": "ИТ"}, {"bucket": "2026-11-10", "created": 7, "label": "HR"}]
    got = list(openpyxl.load_workbook(io.BytesIO(chart_xlsx(rows, "throughput"))).active.iter_rows(values_only=True))
    assert got[0] == ("bucket", "created", "label")
    assert got[1][0].date() == date(2026, 11, 9) and got[1][1:] == (12, "ИТ")


def test_xlsx_job_rows_are_written_by_postgresql_with_real_types_and_the_readers_language(seeded):
    """The ticket list's XLSX: rows formatted in SQL and COPYed out; a spreadsheet reads numbers as numbers,
    dates as the company's local time, text exactly as typed (formulas neutralised), codes translated."""
    from zoneinfo import ZoneInfo

    from data.config import get_config
    from data.models import Ticket
    title = f"Счёт {seeded['tag']} A&B <b> C:\\temp\\x\tвкладка\nстрока\rконец \"кавычки\""
    with session_scope() as s:
        ticket = tickets.create(s, seeded["lead"], title=title, board_id=seeded["board"], channel="telegram")
        number, created = ticket.number, ticket.created_at
        formula = tickets.create(s, seeded["lead"], title=f"=1+1 {seeded['tag']}-f", board_id=seeded["board"]).number
        job_id = exports.start(s, seeded["lead"], query={"q": seeded["tag"]},
                               columns=["number", "title", "status", "channel", "created_at", "resolved_at"],
                               fmt="xlsx").id
    job = exports.open_job(seeded["lead"], job_id)
    data = b"".join(exports.stream(seeded["lead"], job, "en"))
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0] == ("number", "title", "status", "channel", "created_at", "resolved_at")
    by_number = {r[0]: r for r in rows[1:]}
    assert len(rows) == 28 and all(isinstance(n, int) for n in by_number)
    got = by_number[number]
    assert got[1] == title
    assert got[2:4] == ("Queue", "Telegram")
    local = created.astimezone(ZoneInfo(get_config().timezone)).replace(tzinfo=None)
    assert abs((got[4] - local).total_seconds()) < 0.01 and got[5] is None
    assert by_number[formula][1] == f"'=1+1 {seeded['tag']}-f"
    assert (_job(job_id).state, _job(job_id).rows_done) == ("done", 27)


def test_sql_written_cells_keep_every_type_and_drop_what_xml_forbids(engine):
    """Each kind of value, through PostgreSQL's formatting and COPY, as openpyxl reads it back."""
    from datetime import date, datetime, timezone
    from decimal import Decimal

    from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, literal, select, text

    from data.exports import sheet_rows
    from data.exports.xlsx import workbook_chunks
    values = [literal(42, Integer), literal(Decimal("-3.25"), Numeric), literal(True, Boolean),
              literal(date(2026, 3, 8), Date), literal(datetime(2026, 3, 8, 9, 30, tzinfo=timezone.utc), DateTime(True)),
              literal(None, String), literal("a\x01b\x07c\x0bd\x1f&amp; <tag> \\ \t\r\n ё", String),
              literal("C:\\temp\\new", String)]  # a backslash alone must be escaped too
    stmt = select(sheet_rows.row(values))
    with read_session() as s:
        s.execute(text("SET LOCAL TimeZone = 'Asia/Yekaterinburg'"))  # UTC+5, for this transaction
        body = sheet_rows.copy_rows(s, stmt)
        data = b"".join(workbook_chunks(["i", "n", "b", "d", "t", "none", "text", "path"], body))
    got = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))[1]
    assert got[:3] == (42, -3.25, True)
    assert got[3].date() == date(2026, 3, 8) and got[4] == datetime(2026, 3, 8, 14, 30)
    assert got[5] is None
    assert got[6] == "abcd&amp; <tag> \\ \t\r\n ё" and got[7] == "C:\\temp\\new"


def test_sql_written_sheet_stops_at_a_worksheets_rows_with_a_note(engine):
    from sqlalchemy import Integer, func, select

    from data.exports import sheet_rows
    from data.exports.xlsx import OVERFLOW_ROW, workbook_chunks
    series = select(func.generate_series(1, 10, type_=Integer).label("n")).subquery()
    stmt = select(sheet_rows.row([series.c.n])).order_by(series.c.n)
    seen = []
    with read_session() as s:
        data = b"".join(workbook_chunks(["n"], sheet_rows.copy_rows(s, stmt, limit=7, overflow=OVERFLOW_ROW,
                                                                    progress=seen.append)))
    got = [r[0] for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    assert got[:8] == ["n", 1, 2, 3, 4, 5, 6, 7]
    assert got[8].startswith("… the rest does not fit") and len(got) == 9 and seen[-1] == 7


def _excel_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # UTF-8 with BOM: Excel reads Cyrillic
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_csv_for_russian_excel_has_semicolons_russian_dates_and_translated_headers_and_statuses(seeded):
    """What Russian Excel opens as a table on double-click: `;` between fields, dd.mm.yyyy hh:mm in the
    company's time zone, headers and statuses as the Russian UI shows them."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from data.config import get_config
    from data.models import Ticket
    columns = ["number", "title", "status", "channel", "created_at", "resolved_at"]
    with session_scope() as s:
        job_id = exports.start(s, seeded["analyst"], query={"q": seeded["tag"]}, columns=columns, fmt="csv").id
        created = {t.number: t.created_at for t in s.query(Ticket).filter(Ticket.title.contains(seeded["tag"]))}
    job = exports.open_job(seeded["analyst"], job_id)
    data = b"".join(exports.stream(seeded["analyst"], job, "ru", excel="ru"))
    rows = _excel_rows(data)
    assert rows[0] == ["№", "Тема", "Статус", "Канал", "Создана", "Решена"]
    assert len(rows) >= 26 and all(len(r) == 6 for r in rows)
    first = next(r for r in rows[1:] if r[1].startswith("Сбой"))  # one of the seeded email tickets
    assert first[2] == "В очереди" and first[3] == "Почта"
    when = datetime.strptime(first[4], "%d.%m.%Y %H:%M")  # a date Russian Excel recognises
    local = created[int(first[0])].astimezone(ZoneInfo(get_config().timezone)).replace(tzinfo=None, second=0,
                                                                                      microsecond=0)
    assert when == local and first[5] == ""
    assert "«" in first[1] and "," in first[1]  # the title's comma needs no quoting trick with `;`
    assert _job(job_id).state == "done"


def test_plain_csv_is_unchanged_for_scripts(seeded):
    with session_scope() as s:
        job_id = exports.start(s, seeded["analyst"], query={"q": seeded["tag"]},
                               columns=["number", "status", "created_at"], fmt="csv").id
    job = exports.open_job(seeded["analyst"], job_id)
    data = b"".join(exports.stream(seeded["analyst"], job, None))  # no locale, no excel: as the API always had
    assert data.startswith("\ufeff".encode()) and b";" not in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["number", "status", "created_at"] and rows[1][1] == "queue"
    assert rows[1][2][10] == "T" and rows[1][2][-6] in "+-"


def test_chart_data_for_russian_excel_has_decimal_commas():
    from datetime import date, datetime

    from data.exports.files import csv_chunks
    rows = [(date(2026, 11, 9), datetime(2026, 11, 9, 14, 5), 2.5, 12, "-минус", -0.75)]
    data = b"".join(csv_chunks(["День", "Когда", "Дней", "Заявок", "Текст", "Изменение"], rows, excel="ru"))
    got = _excel_rows(data)
    assert got[1] == ["09.11.2026", "09.11.2026 14:05", "2,5", "12", "'-минус", "-0,75"]
    plain = list(csv.reader(io.StringIO(b"".join(csv_chunks(["a", "b"], [(2.5, date(2026, 1, 2))])).decode("utf-8-sig"))))
    assert plain[1] == ["2.5", "2026-01-02"]


def test_the_csv_route_is_plain_without_the_switch_and_for_russian_excel_with_it(client, seeded):
    """`/tickets/export.csv`: scripts that never sent `excel=` keep the plain file; `excel=ru` is Excel's."""
    from sqlalchemy import select

    from data.models import User
    from tests.dash_support import sign_in
    with read_session() as s:
        email = s.scalar(select(User.email).where(User.id == seeded["analyst"].id))
    sign_in(client, email, f.PASSWORD)
    query = f"q={seeded['tag']}&columns=number,status,created_at"
    plain = client.get(f"/tickets/export.csv?{query}", headers={"Accept-Language": "ru"}).get_data()
    rows = list(csv.reader(io.StringIO(plain.decode("utf-8-sig"))))
    assert rows[0] == ["number", "status", "created_at"] and rows[1][2][10] == "T"
    excel = client.get(f"/tickets/export.csv?{query}&excel=ru", headers={"Accept-Language": "ru"}).get_data()
    rows = _excel_rows(excel)
    assert rows[0] == ["№", "Статус", "Создана"] and rows[1][2][2] == "." and len(rows) >= 26

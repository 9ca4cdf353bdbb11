"""Spreadsheet formulas in user text come out of every export as plain text (OWASP CSV injection)."""
from __future__ import annotations

import csv
import io
import uuid

import openpyxl
import pytest

from components import chart_card
from data.db import session_scope
from data.exports import jobs as exports
from data.exports.files import rows_file
from data.tickets import actions as tickets
from tests import factories as f

FORMULA = '=HYPERLINK("http://x","y")'
NASTY = [FORMULA, "+1+2", "-1-2", "@SUM(A1)"]  # titles are stripped: tab and CR are tested below


@pytest.fixture(scope="module")
def seeded(engine):
    tag = uuid.uuid4().hex[:8]
    with session_scope() as s:
        team = f.team(s, name=f"Inject team {tag}")
        lead = f.user(s, "manager", team)
        analyst = f.user(s, "analyst")
        board = f.board(s, team)
        svc = f.service(s, board, name=f"ИТ {tag}")
        for title in NASTY:
            tickets.create(s, lead, title=f"{title} {tag}", board_id=board.id, service_id=svc.id, channel="email")
        tickets.create(s, lead, title=f"Принтер {tag}", board_id=board.id, service_id=svc.id, channel="email")
        s.expunge_all()
    return dict(tag=tag, analyst=analyst)


def _export(seeded, fmt) -> bytes:
    with session_scope() as s:
        job_id = exports.start(s, seeded["analyst"], query={"q": seeded["tag"]},
                               columns=["number", "title"], fmt=fmt).id
    job = exports.open_job(seeded["analyst"], job_id)
    return b"".join(exports.stream(seeded["analyst"], job))


def _titles(values, tag) -> dict[str, str]:
    return {v.removesuffix(f" {tag}"): v for v in values if isinstance(v, str) and v.endswith(tag)}


def test_copy_csv_export_neutralises_formulas(seeded):
    rows = list(csv.reader(io.StringIO(_export(seeded, "csv").decode("utf-8-sig"), newline="")))
    titles = _titles([r[1] for r in rows[1:]], seeded["tag"])
    assert sorted(titles) == sorted(["'" + t for t in NASTY] + ["Принтер"])
    assert all(r[0].isdigit() for r in rows[1:])  # ticket numbers stay numbers


def test_xlsx_export_neutralises_formulas(seeded):
    wb = openpyxl.load_workbook(io.BytesIO(_export(seeded, "xlsx")))
    values = [row for row in wb.active.iter_rows(min_row=2, values_only=True)]
    titles = _titles([r[1] for r in values], seeded["tag"])
    assert titles["'" + FORMULA] == f"'{FORMULA} {seeded['tag']}"
    assert sorted(titles) == sorted(["'" + t for t in NASTY] + ["Принтер"])
    assert all(isinstance(r[0], int) for r in values)
    for row in wb.active.iter_rows(min_row=2):
        assert row[1].data_type != "f"


def test_chart_data_files_neutralise_text_and_keep_negative_numbers():
    header, rows = ["team", "change", "ratio"], [(FORMULA, -3, -2.5), ("-minus", 4, 0.5), ("\tcmd", 0, 1)]
    text = b"".join(rows_file("csv", header, rows)).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[1] == ["'" + FORMULA, "-3", "-2.5"] and parsed[2][0] == "'-minus" and parsed[3][0] == "'\tcmd"
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(rows_file("xlsx", header, rows))))
    got = list(wb.active.iter_rows(min_row=2, values_only=True))
    assert got == [("'" + FORMULA, -3, -2.5), ("'-minus", 4, 0.5), ("'\tcmd", 0, 1)]


def test_analytics_chart_downloads_neutralise(app):
    rows = [{"bucket": "2026-03-02", "label": FORMULA, "n": -1}]
    out = chart_card.download_csv(1, rows, {"name": "throughput"})
    parsed = list(csv.reader(io.StringIO(out["content"].lstrip("\ufeff"))))
    assert parsed[1] == ["2026-03-02", "'" + FORMULA, "-1"]
    wb = openpyxl.load_workbook(io.BytesIO(chart_card.chart_xlsx(rows, "throughput")))
    assert list(wb.active.iter_rows(min_row=2, values_only=True))[0][1:] == ("'" + FORMULA, -1)

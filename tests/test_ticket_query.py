"""Ticket list filters, sorting, counting and the streamed CSV export, on real PostgreSQL."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from data.tickets import query as tq
from data.tickets import actions as tickets
from tests import factories as f


@pytest.fixture
def world(session):
    team = f.team(session)
    lead = f.user(session, "manager", team)
    alice = f.user(session, "agent", team, name="Alice")
    board = f.board(session, team, agents=[alice])
    it, hr = f.service(session, board, name="IT"), f.service(session, board, name="HR")
    made = []
    for i, (svc, channel, title) in enumerate([(it, "email", "Принтер сломался"), (it, "telegram", "Нет интернета"),
                                               (hr, "portal", "Отпуск в мае"), (hr, "email", "Справка 2-НДФЛ")]):
        made.append(tickets.create(session, lead, title=title, board_id=board.id, service_id=svc.id, channel=channel,
                                   at=datetime(2026, 3, 1 + i, 9, tzinfo=timezone.utc)))
    tickets.assign(session, lead, made[1].id, alice.id)
    return dict(lead=lead, alice=alice, it=it, hr=hr, made=made, board=board)


def titles(rows):
    return [r["title"] for r in rows]


def test_parse_filter_keeps_valid_and_reports_invalid():
    f_, problems = tq.parse_filter({"service": "1,x,2", "status": "queue,bogus", "created_from": "2026-02-30",
                                    "channel": "email", "q": "  принтер "})
    assert f_.service == [1, 2] and f_.status == ["queue"] and f_.channel == ["email"] and f_.q == "принтер"
    assert f_.created_from is None
    assert problems == ["service=x", "status=bogus", "created_from=2026-02-30"]
    assert tq.parse_filter(f_.to_query())[0] == f_  # the URL round-trips


def test_filters_combine(session, world):
    lead, board = world["lead"], world["board"]
    base = {"board": str(board.id)}
    page = lambda **q: titles(tq.page(session, lead, tq.parse_filter({**base, **q})[0],
                                      sort=[{"colId": "created_at", "sort": "asc"}]))
    assert page(service=str(world["hr"].id)) == ["Отпуск в мае", "Справка 2-НДФЛ"]
    assert page(channel="email") == ["Принтер сломался", "Справка 2-НДФЛ"]
    assert page(assignee=str(world["alice"].id)) == ["Нет интернета"]
    assert page(assignee="0", service=str(world["it"].id)) == ["Принтер сломался"]
    assert page(q="ПРИНТЕР") == ["Принтер сломался"]
    assert page(q=f"#{world['made'][2].number}") == ["Отпуск в мае"]
    assert page(created_from="2026-03-02", created_to="2026-03-03") == ["Нет интернета", "Отпуск в мае"]
    assert page(q="100%_") == []  # LIKE wildcards are literal


def test_sort_and_paging(session, world):
    f_ = tq.parse_filter({"board": str(world["board"].id)})[0]
    desc = titles(tq.page(session, world["lead"], f_, sort=[{"colId": "title", "sort": "desc"}]))
    assert desc == sorted(desc, reverse=True)
    second = tq.page(session, world["lead"], f_, offset=1, limit=2, sort=[{"colId": "created_at", "sort": "asc"}])
    assert titles(second) == ["Нет интернета", "Отпуск в мае"]
    assert tq.page(session, world["lead"], f_, sort=[{"colId": "no_such; drop", "sort": "asc"}])  # ignored


def test_count_is_exact_below_cap(session, world):
    f_ = tq.parse_filter({"board": str(world["board"].id)})[0]
    assert tq.count(session, world["lead"], f_) == (4, True)


def test_export_streams_whole_filtered_set_as_csv_with_bom(session, world):
    f_ = tq.parse_filter({"board": str(world["board"].id), "channel": "email"})[0]
    data = b"".join(tq.export_csv(session, world["lead"], f_, ["number", "title", "service", "created_at"]))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["Справка 2-НДФЛ", "Принтер сломался"]  # newest first
    assert rows[1]["created_at"] == "2026-03-01T12:00:00+03:00"  # ISO 8601, company time zone
    assert rows[0]["service"] == "HR"


def test_count_beyond_cap_or_too_costly_is_the_planners_estimate(session, world, monkeypatch):
    f_ = tq.parse_filter({"board": str(world["board"].id)})[0]
    monkeypatch.setattr(tq, "COUNT_COST_CAP", 0)  # counting these rows would cost more than allowed
    n, exact = tq.count(session, world["lead"], f_)
    assert not exact and n >= 1
    monkeypatch.setattr(tq, "COUNT_COST_CAP", 10_000)
    monkeypatch.setattr(tq, "COUNT_CAP", 0)  # more rows expected than counted exactly
    assert tq.count(session, world["lead"], f_) == (n, False)


def test_priority_assignee_and_service_sorts_follow_every_change(session, world):
    """The list sorts on the tickets' stored keys; renaming, re-ranking, reassigning and moving a
    ticket to another service re-sort it at once (the database keeps the keys, whoever writes)."""
    from sqlalchemy import text
    lead, alice, it, hr, made = world["lead"], world["alice"], world["it"], world["hr"], world["made"]
    urgent, low = f.priority(session, "urgent"), f.priority(session, "low")
    from data.models import Team
    bob = f.user(session, "agent", session.get(Team, lead.team_id), name="Bob")
    f_ = tq.parse_filter({"board": str(world["board"].id)})[0]

    def by(key, direction="asc"):
        return titles(tq.page(session, lead, f_, sort=[{"colId": key, "sort": direction}]))

    tickets.set_priority(session, lead, made[0].id, low.id)
    tickets.set_priority(session, lead, made[3].id, urgent.id)
    assert by("priority") == ["Справка 2-НДФЛ", "Принтер сломался", "Отпуск в мае", "Нет интернета"]
    assert by("priority", "desc") == ["Нет интернета", "Отпуск в мае", "Принтер сломался", "Справка 2-НДФЛ"]
    session.execute(text("UPDATE priorities SET rank = :r WHERE id = :id"), {"r": urgent.rank + 10_000, "id": urgent.id})
    assert by("priority")[:2] == ["Принтер сломался", "Справка 2-НДФЛ"]  # "urgent" now ranks below "low"

    tickets.assign(session, lead, made[2].id, bob.id)
    assert by("assignee")[:2] == ["Нет интернета", "Отпуск в мае"]  # Alice, Bob, then the unassigned
    alice.name = "Zoe"
    session.flush()
    assert by("assignee")[:2] == ["Отпуск в мае", "Нет интернета"]

    assert by("service")[:2] == ["Справка 2-НДФЛ", "Отпуск в мае"]  # HR before IT, newest first within
    it.name = "Accounts"
    session.flush()
    assert by("service")[:2] == ["Нет интернета", "Принтер сломался"]
    made[3].service_id = it.id  # e.g. a rule or an agent changing the ticket's service
    session.flush()
    assert by("service")[:3] == ["Справка 2-НДФЛ", "Нет интернета", "Принтер сломался"]


@pytest.mark.parametrize("key", ["priority", "assignee", "service"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_each_stored_sort_can_walk_its_index(session, world, key, direction):
    """With sorting made prohibitively expensive, the plan of a sorted page has no Sort node: the
    ORDER BY is one an index delivers (at a million tickets the planner then walks it and stops)."""
    from sqlalchemy import text
    f_ = tq.parse_filter({})[0]
    stmt = tq._select(tq.EXPORT_COLUMNS).where(tq.matching(f_)).order_by(
        *tq._order([{"colId": key, "sort": direction}])).limit(100)
    compiled = stmt.compile(dialect=session.bind.dialect, compile_kwargs={"render_postcompile": True})
    session.execute(text("SET LOCAL enable_sort = off"))
    plan = session.connection().exec_driver_sql("EXPLAIN " + compiled.string, compiled.params).scalars().all()
    session.execute(text("RESET enable_sort"))
    assert not any(line.strip().startswith(("Sort", "->  Sort", "Incremental Sort")) or "  Sort " in line
                   for line in plan), "\n".join(plan)
    assert any(f"ix_tickets_{tq.SORT_KEYS[key].key}" in line for line in plan), "\n".join(plan)


def test_export_writes_statuses_channels_and_priorities_in_the_readers_language(session, world):
    """The CSV comes straight from COPY; the translations are joined in its SQL."""
    lead, made = world["lead"], world["made"]
    urgent = f.priority(session, "urgent")
    urgent.name_en, urgent.name_ru = "Urgent", "Срочно"
    session.flush()
    tickets.set_priority(session, lead, made[1].id, urgent.id)
    f_ = tq.parse_filter({"board": str(world["board"].id), "channel": "telegram"})[0]
    columns = ["title", "status", "channel", "priority_name"]

    def export(locale):
        data = b"".join(tq.export_csv(session, lead, f_, columns, locale=locale)).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(data)))

    assert export(None)[0] == {"title": "Нет интернета", "status": "queue", "channel": "telegram",
                               "priority_name": "Срочно"}
    assert export("ru")[0] == {"title": "Нет интернета", "status": "В очереди", "channel": "Telegram",
                               "priority_name": "Срочно"}
    assert export("en")[0] == {"title": "Нет интернета", "status": "Queue", "channel": "Telegram",
                               "priority_name": "Urgent"}

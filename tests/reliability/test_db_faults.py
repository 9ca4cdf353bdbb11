"""A database connection cut in the middle of work (pg_terminate_backend: what a restart or a failover does).

A read is read again, once; a write is not repeated and the user is told that nothing was changed — in
the page's fault alert (Dash), as JSON (the API), never as a 500. Over HTTP: a burst of board polls, moves
and page loads while every connection of the server is cut again and again ends in no 500.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from bench.live_app import Browser
from data import db
from data.models import Team
from tests.reliability.live import live_okno, terminate
from web import faults


def cut(pid: int) -> None:
    """End one backend from another connection."""
    admin = create_engine(db.database_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    admin.dispose()


def test_a_read_cut_off_is_read_again_once(database_url):
    runs = []

    def read():
        with db.read_session() as s:
            runs.append(s.execute(text("SELECT pg_backend_pid()")).scalar())
            if len(runs) == 1:
                cut(runs[0])
            return s.execute(text("SELECT count(*) FROM tickets")).scalar()

    assert db.retry_reads(read) >= 0
    assert len(runs) == 2 and runs[0] != runs[1]


def test_a_read_that_fails_twice_reaches_the_caller(database_url):
    runs = []

    def read():
        with db.read_session() as s:
            runs.append(1)
            cut(s.execute(text("SELECT pg_backend_pid()")).scalar())
            s.execute(text("SELECT 1"))

    with pytest.raises(OperationalError) as err:
        db.retry_reads(read)
    assert db.unreachable(err.value) and len(runs) == 2


def test_a_write_cut_off_is_not_repeated(database_url):
    runs = []

    def write():
        with db.session_scope() as s:
            runs.append(1)
            s.execute(text("UPDATE tickets SET title = title WHERE false"))
            cut(s.execute(text("SELECT pg_backend_pid()")).scalar())
            s.execute(text("SELECT 1"))

    with pytest.raises(OperationalError):
        db.retry_reads(write)
    assert len(runs) == 1


def test_what_counts_as_unreachable(database_url):
    refused = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(OperationalError) as down:
        refused.connect()
    assert db.unreachable(down.value)
    with pytest.raises(OperationalError) as timeout, db.read_session() as s:
        s.execute(text("SET LOCAL statement_timeout = 10"))
        s.execute(text("SELECT pg_sleep(1)"))
    assert not db.unreachable(timeout.value)  # the database answered: a slow query is not an outage


def test_a_callback_whose_write_is_cut_says_nothing_was_changed(app, database_url):
    """The boundary's answer to a Dash callback: the fault alert with the message, in the viewer's language."""
    from dash._utils import AttributeDict
    name = f"cut-{uuid.uuid4().hex[:8]}"

    def write_like_a_callback():
        with db.session_scope() as s:
            s.add(Team(name=name))
            s.flush()
            cut(s.execute(text("SELECT pg_backend_pid()")).scalar())
        return "{}"

    with app.test_request_context("/_dash-update-component", method="POST", headers={"Accept-Language": "ru"}):
        answer = json.loads(faults.guard_callback(write_like_a_callback, AttributeDict(updated_props={})))
    fault = answer["response"][faults.FAULT]
    assert fault["is_open"] is True
    assert fault["children"] == "База данных недоступна, ничего не изменено. Попробуйте ещё раз чуть позже."
    with db.read_session() as s:
        assert s.scalar(select(Team.id).where(Team.name == name)) is None


@pytest.fixture(scope="module")
def okno(tmp_path_factory):
    with live_okno(tmp_path_factory.mktemp("cuts"), "okno_cuts", "okno-cuts") as served:
        yield served


def test_connections_cut_during_a_burst_of_requests_give_no_500(okno):
    base, w, url, log = okno
    from tests.reliability.test_callback_fuzz import body
    stop = threading.Event()
    kills = []

    def killer():
        while not stop.is_set():
            kills.append(terminate(url, "okno-cuts"))
            time.sleep(0.3)

    def agent(browser: Browser) -> list:
        answers = []
        for i in range(25):
            if i % 5 == 0:
                r = browser.page("/board")
            else:
                req = body(refresh, [None])
                req["inputs"][2]["value"], req["state"][0]["value"] = {}, w["board_a"]
                req["state"][1]["value"] = {"board": -1, "columns": {}}
                req["changedPropIds"] = ["board-poll.n_intervals"]
                if i % 5 == 2:  # a move: the first wins, the others are told the card changed meanwhile
                    column = w["progress_a"] if i % 2 else w["queue_a"]
                    req["inputs"][0]["value"] = {"ticket": w["ticket_a"], "version": w["version_a"],
                                                 "column": column, "ts": i}
                    req["changedPropIds"] = ["board-move.data"]
                r = browser.callback(req)
            answers.append((r.status_code, r.text))
        return answers

    browsers = [Browser(base, w["manager"], w["password"]) for _n in range(6)]  # signed in before the cuts
    refresh = next(s for s in browsers[0].dependencies() if "board-revs.data" in s["output"])
    thread = threading.Thread(target=killer)
    thread.start()
    try:
        with ThreadPoolExecutor(6) as pool:
            answers = [a for batch in pool.map(agent, browsers) for a in batch]
    finally:
        stop.set()
        thread.join()
        for browser in browsers:
            browser.close()
    assert sum(kills) > 0
    bad = [(status, text[:200]) for status, text in answers
           if status >= 500 and not (status == 503 and "unreachable" in text)]
    assert not bad, bad[:5]
    assert not [t for _s, t in answers if "Traceback" in t or "Error id" in t]
    told = [t for _s, t in answers if "The database is unreachable" in t]
    served = [t for s, t in answers if s == 200 and "unreachable" not in t]
    assert served, "nothing was served at all"
    print(f"{len(answers)} answers, {len(told)} said the database was unreachable, {sum(kills)} connections cut")
    # One cut, as a restart of the database makes: every pooled connection is dead, and every request after
    # it is served (pool_pre_ping replaces them; a read cut mid-query is read again).
    browser = Browser(base, w["manager"], w["password"])
    try:
        assert terminate(url, "okno-cuts") > 0
        for _n in range(10):
            poll = body(refresh, [None])
            poll["inputs"][2]["value"], poll["state"][0]["value"] = {}, w["board_a"]
            poll["state"][1]["value"] = {"board": -1, "columns": {}}
            poll["changedPropIds"] = ["board-poll.n_intervals"]
            answer = browser.callback(poll)
            assert answer.status_code == 200 and "okno-fault" not in answer.text, answer.text[:300]
    finally:
        browser.close()

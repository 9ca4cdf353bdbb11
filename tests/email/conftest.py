"""Loopback peers for the email tests (started once per test process) and committed fixtures."""
from __future__ import annotations

import itertools

import pytest

from sqlalchemy import delete

from data import db
from data.models import Mailbox, Outbox
from tests import factories
from tests.email.peers import Dovecot, SmtpSink

_seq = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot():
    server = Dovecot()
    for n in range(1, 41):  # users exist before start: dovecot reads the passwd-file once here
        server.add_user(f"help{n}@okno.test", "pw")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(monkeypatch, database_url):
    # Mail that other test files of this process left queued (a PIN, a notification) is not this test's to
    # send: deliver_due() would send it first and the test would count it.
    with db.session_scope() as s:
        s.execute(delete(Outbox).where(Outbox.channel == "email", Outbox.state == "queued"))
    sink = SmtpSink().start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(sink.port))
    yield sink
    sink.stop()


@pytest.fixture
def imap_boxes(database_url, dovecot):
    """Makes committed services + IMAP mailboxes on the test dovecot, each with its own user (tests don't share mail)."""
    def make():
        n = next(_seq)
        address = f"help{n}@okno.test"
        with db.session_scope() as s:
            board = factories.board(s, name=f"Email board {address}")
            service = factories.service(s, board, code=f"mail{n}", name=f"Mail {n}")
            box = Mailbox(name=address, kind="imap", address=address, service_id=service.id, host="127.0.0.1",
                          port=dovecot.port, use_ssl=False, username=address,
                          secret="env:OKNO_SECRET_TEST_IMAP_PASSWORD")
            s.add(box)
            s.flush()
            ids = (box.id, service.id)
        return {"mailbox_id": ids[0], "service_id": ids[1], "address": address}
    return make


@pytest.fixture
def imap_box(imap_boxes):
    """A committed service + IMAP mailbox on the test dovecot, with its own user."""
    return imap_boxes()


@pytest.fixture(autouse=True)
def _imap_password(monkeypatch):
    monkeypatch.setenv("OKNO_SECRET_TEST_IMAP_PASSWORD", "pw")


@pytest.fixture(scope="session")
def ews():
    from tests.email.ews_server import EwsServer
    server = EwsServer(user="help@corp.test", password="pw").start()
    yield server
    server.stop()


@pytest.fixture
def ews_box(database_url, ews):
    n = next(_seq)
    with db.session_scope() as s:
        board = factories.board(s, name=f"EWS board {n}")
        service = factories.service(s, board, code=f"ews{n}", name=f"Exchange {n}")
        box = Mailbox(name=f"Exchange {n}", kind="ews", address=f"help{n}@corp.test", aliases=["help@corp.test"],
                      service_id=service.id, host=ews.url, username="help@corp.test", auth_type="basic",
                      secret="env:OKNO_SECRET_TEST_IMAP_PASSWORD")
        s.add(box)
        s.flush()
        ids = (box.id, service.id)
    ews.state.items.clear()
    ews.state.sent.clear()
    yield {"mailbox_id": ids[0], "service_id": ids[1]}
    with db.session_scope() as s:  # the shared EWS peer feeds one mailbox at a time
        s.get(Mailbox, ids[0]).enabled = False

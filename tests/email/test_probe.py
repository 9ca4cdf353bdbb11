""""Test connection" on the mailbox form against a real dovecot on loopback: the settings as typed are tried
(nothing is saved), and a failure says what the server said, in the admin's language."""
from __future__ import annotations

import time

import pytest

from data import db
from data.catalog import mailboxes
from data.errors import PermissionDenied, ValidationError
from data.models import Mailbox
from ingest.email.probe import probe
from tests import factories
from tests.dash_support import load_user, signed_in
from tests.email.peers import free_port


@pytest.fixture
def admin(database_url):
    with db.session_scope() as s:
        user_id = factories.user(s, "admin").id
    return load_user(user_id)


def _typed(imap_box, dovecot, **changes) -> dict:
    return {"name": "Help", "kind": "imap", "address": imap_box["address"], "host": "127.0.0.1",
            "port": dovecot.port, "use_ssl": False, "username": imap_box["address"], "folder": "INBOX", **changes}


def _try(admin, values, password=None, mailbox_id=None):
    with db.read_session() as s:
        box = mailboxes.probe_settings(s, admin, values, mailbox_id, password)
    return probe(box, timeout=5)


def test_the_typed_settings_sign_in_and_open_the_folder(dovecot, imap_box, admin):
    with db.read_session() as s:
        before = s.query(Mailbox).count()
    result = _try(admin, _typed(imap_box, dovecot), password="pw")
    assert result.ok, result.text.message("en")
    assert "INBOX" in result.text.message("ru") and "Подключение работает" in result.text.message("ru")
    with db.read_session() as s:
        assert s.query(Mailbox).count() == before  # nothing saved


def test_a_wrong_password_shows_the_servers_answer_in_the_admins_language(dovecot, imap_box, admin):
    started = time.monotonic()
    result = _try(admin, _typed(imap_box, dovecot), password="wrong")
    assert not result.ok and time.monotonic() - started < 10
    ru, en = result.text.message("ru"), result.text.message("en")
    assert ru.startswith(f"Сервер не принял вход для {imap_box['address']}: ")
    assert en.startswith("The server refused the sign-in") and "AUTHENTICATIONFAILED" in en  # dovecot's own words


def test_editing_without_retyping_the_password_uses_the_stored_one(dovecot, imap_box, admin):
    result = _try(admin, {"folder": "INBOX"}, mailbox_id=imap_box["mailbox_id"])
    assert result.ok, result.text.message("en")
    missing = _try(admin, {"folder": "Nowhere"}, mailbox_id=imap_box["mailbox_id"])
    assert not missing.ok and "Nowhere" in missing.text.message("en")


def test_nothing_listening_and_bad_input_answer_at_once(dovecot, imap_box, admin):
    closed = _try(admin, _typed(imap_box, dovecot, port=free_port()), password="pw")
    assert not closed.ok and closed.text.message("ru").startswith("Не удалось подключиться к 127.0.0.1:")
    with pytest.raises(ValidationError) as err:
        _try(admin, _typed(imap_box, dovecot, host=""), password="pw")
    assert "host" in err.value.fields
    with db.session_scope() as s:
        agent_id = factories.user(s, "agent").id
    with pytest.raises(PermissionDenied):
        _try(load_user(agent_id), _typed(imap_box, dovecot), password="pw")


def test_the_form_button_shows_the_result(app, dovecot, imap_box, admin):
    from pages.admin import mailboxes as page
    values = _typed(imap_box, dovecot)
    states = [values.get(f) for f, _l, _k in page.FIELDS] + [False, True, False] + ["wrong", None]
    with signed_in(app, admin):
        alert = page.test_connection(1, *states)
    assert alert.color == "danger" and alert.id == "mbx-probe-failed"
    assert "AUTHENTICATIONFAILED" in str(alert.children)
    states[-2] = "pw"
    with signed_in(app, admin):
        assert page.test_connection(1, *states).id == "mbx-probe-ok"


def test_an_exchange_mailbox_is_probed_through_ews(ews, admin):
    typed = {"name": "Exchange", "kind": "ews", "address": "help@corp.test", "host": ews.url,
             "username": "help@corp.test", "auth_type": "basic"}
    ok = _try(admin, typed, password="pw")
    assert ok.ok, ok.text.message("en")
    refused = _try(admin, typed, password="wrong")
    assert not refused.ok and refused.text.message("ru").startswith("Exchange (")

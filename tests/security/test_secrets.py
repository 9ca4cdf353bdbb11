"""Secrets stay secret: mailbox passwords read only OKNO_SECRET_* variables; the bot token never reaches a log."""
from __future__ import annotations

import logging
import random
import uuid

import pytest

from data.catalog import mailboxes
from data.catalog.secrets import reveal, seal
from data.errors import ValidationError
from tests import factories
from tests.telegram_support import Chat, WorkerThread, api, cat  # noqa: F401


@pytest.mark.parametrize("password", ["env:PATH", "env:DATABASE_URL", "env:SECRET_KEY", "env:okno_secret_x",
                                      "env:OKNO_SECRET_", "env:OKNO_SECRET_X;rm"])
def test_env_reference_outside_the_prefix_is_refused(password):
    with pytest.raises(ValidationError) as err:
        seal(password)
    assert err.value.key == "errors.secret_env_prefix" and "password" in err.value.fields
    with pytest.raises(ValidationError):
        reveal(password)  # a reference stored before the rule is not followed either


def test_admin_form_refuses_env_path_with_a_translated_message(session):
    admin = factories.user(session, "admin")
    values = {"kind": "imap", "address": f"box-{uuid.uuid4().hex[:6]}@okno.test", "host": "127.0.0.1"}
    with pytest.raises(ValidationError) as err:
        mailboxes.save(session, admin, values, password="env:PATH")
    assert "OKNO_SECRET_" in err.value.message("en") and "PATH" in err.value.message("en")
    assert "OKNO_SECRET_" in err.value.message("ru") and "переменн" in err.value.message("ru")


def test_env_reference_with_the_prefix_is_read(monkeypatch):
    monkeypatch.setenv("OKNO_SECRET_HELPDESK_PW", "s3cret")
    assert seal("env:OKNO_SECRET_HELPDESK_PW") == "env:OKNO_SECRET_HELPDESK_PW"
    assert reveal("env:OKNO_SECRET_HELPDESK_PW") == "s3cret"
    assert reveal(seal("typed password")) == "typed password"


def test_bot_token_is_absent_from_logs(api, cat, caplog):  # noqa: F811
    for name in ("httpx", "httpcore", "telegram"):  # as in a fresh process: nothing set these yet
        logging.getLogger(name).setLevel(logging.NOTSET)
    caplog.set_level(logging.DEBUG)
    worker = WorkerThread(api).start()
    try:
        chat = Chat(api, random.randint(10**6, 10**9))
        chat.send("/start")
        chat.expect("Здравствуйте")
    finally:
        worker.stop()
    assert api.calls, "the bot talked to the API"
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert len(caplog.records) > 0
    assert api.token not in logged and api.token.split(":")[1] not in logged

"""The gettext catalogs: every message id the code uses is translated in both languages, and an error
raised by a service reaches each person in their own language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask_login import LoginManager, login_user

from components.i18n import error_message
from data.errors import PermissionDenied
from data.i18n import CATALOGS, LOCALES
from data.tickets import actions as tickets
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:[.\[!:][^{}]*)?\}")
# English needs the word form ("3 requests"), Russian says "new requests — 3" and needs only the number.
DIFFERENT_PLACEHOLDERS = {"weekly.say.received"}


@pytest.fixture(scope="module")
def used():
    """Message id -> where the code uses it, found as `make translations-extract` finds it (babel.cfg)."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalogs():
    out = {}
    for locale in LOCALES:
        with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            out[locale] = read_po(fh, locale=locale)
    return out


def _translated(catalog) -> dict[str, str]:
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def test_every_message_id_in_the_code_is_translated_in_both_catalogs(used, catalogs):
    for locale, catalog in catalogs.items():
        translated = _translated(catalog)
        missing = {msgid: where[0] for msgid, where in used.items() if msgid not in translated}
        assert not missing, f"translations/{locale}: no translation for {missing}"


def test_both_catalogs_have_the_same_ids(catalogs):
    ru, en = ({m.id for m in catalogs[locale] if m.id} for locale in ("ru", "en"))
    assert ru - en == set() and en - ru == set()


def test_every_catalog_id_is_found_in_the_code(used, catalogs):
    # An id built at run time (f"status.{kind}") must be marked with N_ where it is written: otherwise
    # `make translations-update` drops it from the catalogs and people see the bare key.
    unseen = sorted(m.id for m in catalogs["en"] if m.id and m.id not in used)
    assert not unseen, f"not found by extraction (mark them with N_): {unseen}"


def test_placeholders_are_the_same_in_both_languages(catalogs):
    ru, en = _translated(catalogs["ru"]), _translated(catalogs["en"])
    differ = {msgid: (en[msgid], ru[msgid]) for msgid in en.keys() & ru.keys() - DIFFERENT_PLACEHOLDERS
              if set(PLACEHOLDER.findall(en[msgid])) != set(PLACEHOLDER.findall(ru[msgid]))}
    assert not differ


def test_catalogs_compile(catalogs):
    for locale, catalog in catalogs.items():
        problems = [(m.id, errors) for m, errors in catalog.check()]
        assert not problems, f"translations/{locale}: {problems}"


# ---- an error raised in data/, in the language of whoever sees it ----

@pytest.fixture
def people(session):
    board = f.board(session)
    ru, en = f.user(session, "analyst"), f.user(session, "analyst")
    ru.locale, en.locale = "ru", "en"
    return board, ru, en


def _refusal(session, board, user) -> PermissionDenied:
    with pytest.raises(PermissionDenied) as err:  # an analyst only reads
        tickets.create(session, user, title="Принтер не печатает", board_id=board.id)
    return err.value


def test_a_service_refusal_reads_in_each_users_language(session, people):
    board, ru, en = people
    assert _refusal(session, board, ru).message(ru.locale) == "Вам нельзя создавать заявки"
    assert _refusal(session, board, en).message(en.locale) == "You may not create tickets"


def test_a_page_shows_the_refusal_in_the_viewers_language(session, people):
    board, ru, en = people
    app = Flask(__name__)
    app.secret_key = "test"
    LoginManager(app).user_loader(lambda _id: None)  # no session cookie here: a visitor is anonymous
    for user, text in ((ru, "Вам нельзя создавать заявки"), (en, "You may not create tickets")):
        with app.test_request_context("/board"):
            login_user(user)
            assert error_message(_refusal(session, board, user)) == text
    with app.test_request_context("/portal", headers={"Accept-Language": "en-GB,en;q=0.9"}):  # nobody signed in
        assert error_message(_refusal(session, board, ru)) == "You may not create tickets"
    with app.test_request_context("/portal", headers={"Cookie": "okno_lang=ru", "Accept-Language": "en"}):
        assert error_message(_refusal(session, board, ru)) == "Вам нельзя создавать заявки"

"""Import: the real-world corpus (every message a ticket, a comment or an explained skip), CLI, IMAP folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data import db
from data.models import Attachment, InboundMessage, Mailbox, Ticket
from ingest.email.mailbox_import import run_import
from tests import factories
from tests.email.helpers import CORPUS, mail, needs_corpus

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("database_url")


def _service(code):
    with db.session_scope() as s:
        board = factories.board(s, name=f"Import {code}")
        return factories.service(s, board, code=code, name=f"Import {code}").id


@needs_corpus
def test_the_whole_corpus_imports_without_an_unhandled_error_and_again_creates_nothing():
    service_id = _service("corpus")
    files = [p for p in CORPUS.rglob("*") if p.is_file()]
    counts = run_import(service_id=service_id, path=str(CORPUS))
    assert "failed" not in counts, counts
    assert sum(counts.values()) == len(files)
    # Every file has its outcome; none answers a ticket of ours, so no comments. Samples with the same content
    # (10 repeats) are imported once; samples that reuse a Message-ID with other content are messages of
    # their own; a "still being retried" report is a delay notice, not a bounce.
    assert counts == {"tickets_created": 66, "duplicate": 10, "skipped: no sender address": 24,
                      "skipped: bounce (not ours)": 6, "skipped: bounce (no message of ours named)": 6,
                      "skipped: bulk mail (Precedence: bulk)": 5, "skipped: spam complaint": 2,
                      "skipped: read receipt": 1, "skipped: delivery delay notice": 1}
    with db.read_session() as s:
        titles = set(s.scalars(select(Ticket.title).where(Ticket.service_id == service_id)))
        assert "Simple text. How are you? Как ты поживаешь?" in titles
        assert s.scalar(select(func.count()).select_from(Attachment).join(Ticket)
                        .where(Ticket.service_id == service_id)) > 10
    again = run_import(service_id=service_id, path=str(CORPUS))
    assert set(again) == {"duplicate"}


def test_cli_import_of_an_mbox_prints_counts(tmp_path):
    _service("mboxcli")
    mbox = tmp_path / "old.mbox"
    with mbox.open("wb") as f:
        for n in range(3):
            f.write(b"From someone@example.com Thu Jan  1 00:00:00 2026\n")
            f.write(mail(subject=f"Старое письмо {n}", sender=f"old{n}@example.com") + b"\n")
    done = subprocess.run([sys.executable, "-m", "ingest", "email", "--import", str(mbox), "--service", "mboxcli"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"tickets_created": 3}


def test_cli_add_mailbox_then_import_a_server_folder_since_a_date(dovecot):
    _service("foldercli")
    address = "help40@okno.test"
    dovecot.append(address, mail(to=address, subject="Из архива"), folder="INBOX", flags="(\\Seen)")
    cli = [sys.executable, "-m", "ingest", "email"]
    env = {**os.environ, "OKNO_SECRET_ARCHIVE_PW": "pw"}
    added = subprocess.run(cli + ["add-mailbox", "--kind", "imap", "--address", address, "--service", "foldercli",
                                  "--host", "127.0.0.1", "--port", str(dovecot.port), "--no-ssl",
                                  "--password-env", "OKNO_SECRET_ARCHIVE_PW"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert added.returncode == 0, added.stderr
    with db.read_session() as s:
        box = s.scalar(select(Mailbox).where(Mailbox.address == address))
        assert box.secret == "env:OKNO_SECRET_ARCHIVE_PW"
        box_id = box.id
    done = subprocess.run(cli + ["import", "--mailbox", str(box_id), "--folder", "INBOX", "--since", "2020-01-01"],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"tickets_created": 1}
    assert "\\Seen" in dovecot.flags(address)[0]  # an import changes nothing on the server
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)
                        .where(InboundMessage.source == f"mailbox:{box_id}")) == 1
    bad = subprocess.run(cli + ["add-mailbox", "--kind", "ews", "--address", "x@y.z", "--service", "foldercli",
                                "--ews-url", "mail.example.com"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "full URL" in bad.stderr

"""Every command line refuses what it cannot use — not a number, 0 or less, an id PostgreSQL cannot hold, an
unknown email, service, team, mailbox or module — with a short message and exit 2, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from data import db
from data.catalog import integrations
from data.models import AuditEntry, IntegrationToken
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def command(module: str, argv: list[str], capsys) -> tuple[int, str, str]:
    """Run `python -m <module> argv` in this process: (exit code, stdout, stderr)."""
    main = __import__(f"{module}.__main__", fromlist=["main"]).main
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's usage error
        code = stop.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def service_code(database_url):
    with db.session_scope() as s:
        service = f.service(s, f.board(s, f.team(s)))
        return service.code


REFUSED = [
    ("data", ["demo", "--tickets", "0"]), ("data", ["demo", "--tickets", "-3"]), ("data", ["demo", "--tickets", "x"]),
    ("data", ["demo", "--seed", "1.5"]), ("data", ["sla-backfill", "--batch", "0"]),
    ("data", ["sla-backfill", "--batch", "-1"]), ("data", ["create-user", "a@b.example", "A", "wizard"]),
    ("data", ["create-user", "a@b.example", "A", "agent", "--password", "Long-enough-pass-42", "--team", "no team"]),
    ("data", ["set-password", "nobody@nowhere.example", "--password", "Long-enough-pass-42"]),
    ("data", ["weekly-send", "--week", "2026-W99"]), ("data", ["weekly-send", "--week", "last"]),
    ("data", ["create-integration-token", "no-such-service"]), ("data", ["no-such-command"]), ("data", []),
    ("ingest", []), ("ingest", ["no-such-channel"]),
    ("ingest", ["worker", "--concurrency", "0"]), ("ingest", ["worker", "--concurrency", "-2"]),
    ("ingest", ["worker", "--concurrency", "many"]), ("ingest", ["worker", "--shutdown-timeout", "-1"]),
    ("ingest", ["worker", "--import", "no.such.module"]), ("ingest", ["scheduler", "--interval", "0"]),
    ("ingest", ["scheduler", "--interval", "nan"]), ("ingest", ["telegram", "--poll-timeout", "-5"]),
    ("ingest", ["telegram", "--sweep-interval", "0"]), ("ingest", ["email", "--interval", "0"]),
    ("ingest", ["email", "import", "--mailbox", "0", "--path", "/tmp"]),
    ("ingest", ["email", "import", "--mailbox", "99999999999999999999", "--path", "/tmp"]),
    ("ingest", ["email", "import", "--mailbox", "999999", "--path", "/tmp"]),
    ("ingest", ["email", "import", "--service", "no-such-service", "--path", "/tmp"]),
    ("ingest", ["email", "import", "--path", "/tmp"]),
    ("ingest", ["email", "import", "--since", "yesterday", "--mailbox", "1"]),
    ("ingest", ["email", "retry", "0"]), ("ingest", ["email", "retry", "999999"]),
    ("ingest", ["email", "retry", "1e30"]),
    ("ingest", ["email", "add-mailbox", "--kind", "imap", "--address", "a@b.example", "--service", "x",
                "--port", "70000"]),
]


@pytest.mark.parametrize("module,argv", REFUSED, ids=[" ".join([m, *a]) or m for m, a in REFUSED])
def test_a_wrong_argument_is_one_message_and_exit_2(database_url, capsys, module, argv):
    code, _out, err = command(module, argv, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    # argparse prints its usage first; the message is one line: the last, or the first one for a refusal
    assert [line for line in lines if "error" in line.lower()][:1] in ([lines[-1]], [lines[0]]), err


def test_an_unknown_service_to_import_into_names_it(database_url, capsys):
    code, _out, err = command("ingest", ["email", "import", "--service", "no-such-service", "--path", "/tmp"], capsys)
    assert code == 2 and "no-such-service" in err


def test_a_path_that_does_not_exist_is_refused(database_url, capsys, service_code):
    code, _out, err = command("ingest", ["email", "import", "--service", service_code, "--path", "/no/such/dir"],
                              capsys)
    assert code == 2 and "/no/such/dir" in err


def test_demo_into_a_database_with_data_is_refused_not_a_traceback(database_url, capsys, service_code):
    code, _out, err = command("data", ["demo", "--tickets", "1"], capsys)
    assert code == 2 and "already has data" in err and "Traceback" not in err


def test_a_database_that_cannot_be_reached_is_one_line_and_exit_1():
    env = {**os.environ, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}
    done = subprocess.run([sys.executable, "-m", "data", "sla-backfill"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "database is unreachable" in done.stderr and "Traceback" not in done.stderr


def test_create_integration_token_prints_a_working_token_and_audits_it(database_url, capsys, service_code):
    code, out, err = command("data", ["create-integration-token", service_code, "--name", "HR portal"], capsys)
    assert code == 0, err
    secret = out.strip()
    assert secret.startswith("okno_") and "\n" not in secret  # stdout is the secret alone, for a script
    with db.session_scope() as s:
        token = integrations.authenticate(s, secret)
        assert token is not None and token.name == "HR portal"
        assert token.service_id is not None
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "integration_token.create",
                                                  AuditEntry.object_id == str(token.id)))
        assert entry is not None and entry.actor_label == "python -m data create-integration-token"
        assert secret not in str(entry.after)  # the audit log keeps the prefix, never the secret


def test_create_integration_token_by_service_id_has_a_default_name(database_url, capsys, service_code):
    with db.read_session() as s:
        from data.models import Service
        service_id = s.scalar(select(Service.id).where(Service.code == service_code))
    code, out, _err = command("data", ["create-integration-token", str(service_id)], capsys)
    assert code == 0
    with db.read_session() as s:
        token = s.scalar(select(IntegrationToken).where(IntegrationToken.prefix == out.strip()[:12]))
        assert token.service_id == service_id and service_code in token.name

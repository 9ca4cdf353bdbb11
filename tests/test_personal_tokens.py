"""Personal access tokens: only a hash is kept, a token acts as its live owner, revocation works at once,
creation and revocation are audited; the command line prints one; requesters cannot hold one."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from data.__main__ import main as data_cli
from data.catalog import integrations
from data.db import read_session, session_scope
from data.errors import LimitExceeded, NotFound, PermissionDenied, ValidationError
from data.identity import tokens
from data.models import AuditEntry, PersonalToken, User
from tests import factories as f


def _audit(session, action, object_id):
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                    AuditEntry.object_id == str(object_id))).all()


def test_a_token_is_stored_as_a_hash_and_acts_as_its_owner(session):
    analyst = f.user(session, "analyst")
    row, secret = tokens.create(session, analyst, analyst, "  Power   BI  ")
    assert secret.startswith("okno_pat_") and len(secret) > 40 and row.name == "Power BI"
    stored = session.execute(text("SELECT * FROM personal_tokens WHERE id = :id"), {"id": row.id}).mappings().one()
    assert secret not in str(dict(stored)) and stored["prefix"] == secret[:12] and len(stored["token_hash"]) == 64
    assert row.last_used_at is None
    assert tokens.authenticate(session, secret).id == analyst.id
    assert row.last_used_at is not None
    (created,) = _audit(session, "personal_token.create", row.id)
    assert created.actor_id == analyst.id and created.after["token_hash"] == "***" and created.after["name"] == "Power BI"
    assert [t.id for t in tokens.listing(session, analyst)] == [row.id]


def test_revoked_tokens_and_switched_off_owners_stop_working(session):
    manager, other, admin = f.user(session, "manager"), f.user(session, "analyst"), f.user(session, "admin")
    row, secret = tokens.create(session, manager, manager, "script")
    with pytest.raises(NotFound):  # someone else's token is not even confirmed to exist
        tokens.revoke(session, other, row.id)
    tokens.revoke(session, manager, row.id)
    tokens.revoke(session, manager, row.id)  # twice: nothing more happens
    assert tokens.authenticate(session, secret) is None
    (revoked,) = _audit(session, "personal_token.revoke", row.id)
    assert revoked.before["revoked_at"] is None and revoked.after["revoked_at"] is not None
    assert tokens.listing(session, manager)[0].revoked_at is not None  # still listed, for the record
    row2, secret2 = tokens.create(session, manager, manager, "second")
    tokens.revoke(session, admin, row2.id)  # an admin may revoke anyone's
    row3, secret3 = tokens.create(session, manager, manager, "third")
    manager.is_active = False
    assert tokens.authenticate(session, secret3) is None


def test_the_two_kinds_of_token_do_not_open_each_others_doors(session):
    admin = f.user(session, "admin")
    _row, integration_secret = integrations.create_token(session, admin, "Intranet")
    _row, personal_secret = tokens.create(session, admin, admin, "mine")
    assert tokens.authenticate(session, integration_secret) is None
    assert integrations.authenticate(session, personal_secret) is None
    for junk in (None, "", "okno_pat_", "okno_pat_" + "x" * 300, "Bearer " + personal_secret):
        assert tokens.authenticate(session, junk) is None


def test_names_limits_and_who_may_hold_one(session):
    agent, analyst = f.user(session, "agent"), f.user(session, "analyst")
    for bad in ("", "   ", None, "x" * 201):
        with pytest.raises(ValidationError) as err:
            tokens.create(session, analyst, analyst, bad)
        assert "name" in err.value.fields
    with pytest.raises(PermissionDenied):  # nobody makes tokens for someone else in the app
        tokens.create(session, analyst, agent, "for you")
    with pytest.raises(PermissionDenied):  # a requester is not staff
        tokens.create(session, "someone", f.requester(session, email="req@corp.example"), "mine")
    for i in range(tokens.MAX_LIVE):
        tokens.create(session, analyst, analyst, f"t{i}")
    with pytest.raises(LimitExceeded):
        tokens.create(session, analyst, analyst, "one too many")


def test_create_token_on_the_command_line(engine, capsys):
    email = f"cli-{uuid.uuid4().hex[:6]}@example.com"
    with session_scope() as s:
        user_id = f.user(s, "analyst", email=email).id
    assert data_cli(["create-token", email, "--name", "Grafana"]) == 0
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("okno_pat_") and "\n" not in secret and "not shown again" in err
    with session_scope() as s:
        assert tokens.authenticate(s, secret).id == user_id
        row = s.scalar(select(PersonalToken).where(PersonalToken.user_id == user_id))
        assert row.name == "Grafana"
        (created,) = _audit(s, "personal_token.create", row.id)
        assert created.actor_label == "python -m data create-token"
    assert data_cli(["create-token", "nobody@example.com"]) == 2
    assert "No user with the email nobody@example.com" in capsys.readouterr().err
    assert data_cli(["create-token", email, "--name", "  "]) == 2
    assert "error:" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        data_cli(["create-token"])
    assert usage.value.code == 2
    with read_session() as s:
        assert len(tokens.listing(s, s.get(User, user_id))) == 1  # the refused tries made none

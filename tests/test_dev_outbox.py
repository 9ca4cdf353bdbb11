"""Demo mode's outbox page and the /analytics address."""
from __future__ import annotations

import uuid

import pytest

from data.db import session_scope
from data.errors import NotFound, PermissionDenied
from data.messaging import dev_outbox, outbox
from tests import factories as f
from tests.dash_support import load_user, plain, sign_in, signed_in


def test_only_admins_in_demo_mode_read_the_outbox(session, monkeypatch):
    admin, agent = f.user(session, "admin"), f.user(session, "agent")
    outbox.queue(session, channel="email", kind="pin", recipient="req@example.com", subject="PIN", body="Код: 123456")
    monkeypatch.setenv("OKNO_DEMO", "0")
    with pytest.raises(NotFound):
        dev_outbox.recent(session, admin)
    monkeypatch.setenv("OKNO_DEMO", "1")
    assert dev_outbox.recent(session, admin)[0]["body"] == "Код: 123456"
    with pytest.raises(PermissionDenied):
        dev_outbox.recent(session, agent)


def test_the_page_shows_pins_in_demo_mode_only(app, monkeypatch):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        admin = f.user(s, "admin")
        outbox.queue(s, channel="email", kind="pin", recipient=f"pin-{tag}@example.com", body=f"PIN {tag}")
    from pages import dev_outbox as page
    monkeypatch.setenv("OKNO_DEMO", "1")
    with signed_in(app, load_user(admin.id)):
        assert f"PIN {tag}" in str(plain(page.layout()))
    monkeypatch.setenv("OKNO_DEMO", "0")
    with signed_in(app, load_user(admin.id)):
        assert f"PIN {tag}" not in str(plain(page.layout()))


def test_analytics_address_opens_the_overview(client):
    with session_scope() as s:
        email = f.user(s, "manager").email
    sign_in(client, email, f.PASSWORD)
    response = client.get("/analytics")
    assert response.status_code == 302 and response.headers["Location"] == "/"

"""Saved views of the ticket list: who sees them, who may share and delete them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data.errors import NotFound, PermissionDenied, ValidationError
from data.models import AuditEntry
from data.tickets import saved_views as views
from tests import factories as f


@pytest.fixture
def people(session):
    team, other = f.team(session), f.team(session)
    lead = f.user(session, "manager", team)
    team.lead_id = lead.id
    ann, bob = f.user(session, "agent", team), f.user(session, "agent", team)
    outsider = f.user(session, "agent", other)
    session.flush()
    return dict(team=team, other=other, lead=lead, ann=ann, bob=bob, outsider=outsider)


def _names(session, user):
    return [v.name for v in views.visible(session, user)]


def test_a_private_view_is_seen_by_its_owner_only(session, people):
    mine = views.save(session, people["ann"], name="Мои срочные", query={"priority": "1", "bogus": "x"})
    assert mine.filter == {"priority": "1"}  # the filter as the list writes it; unknown keys dropped
    assert _names(session, people["ann"]) == ["Мои срочные"]
    assert _names(session, people["bob"]) == [] and _names(session, people["lead"]) == []
    with pytest.raises(NotFound):
        views.get(session, people["bob"], mine.id)


def test_a_shared_view_is_seen_by_the_team_and_not_by_others(session, people):
    shared = views.save(session, people["ann"], name="VPN", query={"tag": "vpn"}, team_id=people["team"].id)
    assert _names(session, people["bob"]) == ["VPN"] and _names(session, people["lead"]) == ["VPN"]
    assert _names(session, people["outsider"]) == []
    assert views.get(session, people["bob"], shared.id).filter == {"tag": "vpn"}
    with pytest.raises(NotFound):
        views.get(session, people["outsider"], shared.id)


def test_sharing_with_a_team_one_is_not_in_is_refused(session, people):
    with pytest.raises(PermissionDenied):
        views.save(session, people["ann"], name="Чужое", query={}, team_id=people["other"].id)


def test_saving_the_same_name_updates_the_view(session, people):
    first = views.save(session, people["ann"], name="Очередь", query={"status": "queue"})
    again = views.save(session, people["ann"], name=" Очередь ", query={"status": "waiting"})
    assert again.id == first.id and again.filter == {"status": "waiting"}
    with pytest.raises(ValidationError):
        views.save(session, people["ann"], name="   ", query={})


def test_delete_own_and_leads_delete_the_teams_shared_views(session, people):
    own = views.save(session, people["bob"], name="Своё", query={})
    shared = views.save(session, people["ann"], name="Общее", query={}, team_id=people["team"].id)
    with pytest.raises(PermissionDenied):
        views.delete(session, people["bob"], shared.id)  # a teammate sees it but may not delete it
    views.delete(session, people["bob"], own.id)
    views.delete(session, people["lead"], shared.id)
    assert _names(session, people["ann"]) == [] and _names(session, people["bob"]) == []
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "saved_view.delete")).one()
    assert entry.actor_id == people["lead"].id and entry.object_label == "Общее"


def test_an_admin_deletes_a_shared_view_but_not_a_private_one(session, people):
    admin = f.user(session, "admin")
    shared = views.save(session, people["ann"], name="Общее", query={}, team_id=people["team"].id)
    private = views.save(session, people["ann"], name="Личное", query={})
    with pytest.raises(PermissionDenied):
        views.delete(session, admin, private.id)
    views.delete(session, admin, shared.id)
    assert _names(session, people["ann"]) == ["Личное"]

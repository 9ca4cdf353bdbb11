"""The "send now" button on /weekly/subscriptions sends the last full week to the subscriptions its user manages."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data.errors import PermissionDenied
from data.models import Outbox, WeeklyDelivery
from data.weekly import delivery as weekly_delivery
from data.weekly import subscriptions as weekly_subscriptions
from tests import factories as f


def test_send_now_sends_only_the_actors_own_subscriptions(session):
    admin, agent = f.user(session, "admin"), f.user(session, "agent")
    anna, boris = f.user(session, "director", email="anna.d@example.com"), f.user(session, "director")
    assert weekly_delivery.send_now(session, anna) == {"queued": 0}  # nothing subscribed yet
    mine = weekly_subscriptions.save(session, admin, user_id=anna.id, locale="en")
    theirs = weekly_subscriptions.save(session, admin, user_id=boris.id)
    assert weekly_delivery.send_now(session, anna)["queued"] == 1
    sent = session.execute(select(WeeklyDelivery.subscription_id, Outbox.recipient, WeeklyDelivery.manual)
                           .join(Outbox, Outbox.id == WeeklyDelivery.outbox_id)
                           .where(WeeklyDelivery.subscription_id.in_([mine.id, theirs.id]))).all()
    assert [tuple(r) for r in sent] == [(mine.id, "anna.d@example.com", True)]
    with pytest.raises(PermissionDenied):
        weekly_delivery.send_now(session, agent)

"""The worker against an EWS endpoint on loopback, through exchangelib: read, mark read, reply."""
from __future__ import annotations

from email import message_from_bytes, policy

from sqlalchemy import select

from data import db
from data.tickets import actions as tickets
from data.models import Comment, Ticket
from ingest.email.out import deliver_due
from ingest.email.worker import poll_mailbox
from tests import factories
from tests.email.helpers import mail


def test_exchange_mail_becomes_a_ticket_then_the_reply_goes_out_through_ews(ews, ews_box):
    item = ews.state.deliver(mail(sender="petr@corp.test", to="help@corp.test", message_id="<ex-1@corp.test>",
                                  subject="Автоматический перенос: нет"))
    ews.state.deliver(mail(sender="petr@corp.test", subject="old, already read"), is_read=True)
    result = poll_mailbox(ews_box["mailbox_id"])
    assert result.error is None and result.counts == {"processed": 1}
    assert item.is_read
    assert {"GetFolder", "FindItem", "GetItem", "UpdateItem"} <= set(ews.state.operations)
    with db.read_session() as s:
        ticket_id, number = s.execute(select(Ticket.id, Ticket.number)
                                      .where(Ticket.service_id == ews_box["service_id"])).one()
    # Marked unread again by a person: fetched again, recognised, no second ticket.
    item.is_read = False
    assert poll_mailbox(ews_box["mailbox_id"]).counts == {"duplicate": 1}

    with db.session_scope() as s:
        agent = factories.user(s, role="agent")
        comment_id = tickets.comment(s, agent, ticket_id, "Уже чиним.", public=True).id
    assert deliver_due()["sent"] == 1
    [raw] = ews.state.sent
    sent = message_from_bytes(raw, policy=policy.default)
    assert sent["In-Reply-To"] == "<ex-1@corp.test>" and f"[#{number}]" in sent["Subject"]
    assert sent["To"] == "petr@corp.test"
    with db.read_session() as s:
        assert s.get(Comment, comment_id).delivery_state == "sent"

    # The answer to our reply threads onto the ticket by our Message-ID.
    ews.state.deliver(mail(sender="petr@corp.test", in_reply_to=sent["Message-ID"], subject="Re: спасибо",
                           body="Спасибо"))
    assert poll_mailbox(ews_box["mailbox_id"]).counts == {"processed": 1}
    with db.read_session() as s:
        assert s.scalars(select(Comment.body).where(Comment.ticket_id == ticket_id,
                                                    Comment.channel == "email")).all() == ["Спасибо"]


def test_exchange_out_of_office_is_parked_and_marked_read(ews, ews_box):
    oof = ews.state.deliver(mail(sender="petr@corp.test", subject="Автоматический ответ: Принтер",
                                 headers={"X-Auto-Response-Suppress": "All",
                                          "X-MS-Exchange-Inbox-Rules-Loop": "petr@corp.test"}))
    assert poll_mailbox(ews_box["mailbox_id"]).counts == {"skipped": 1}
    assert oof.is_read
    with db.read_session() as s:
        assert s.scalar(select(Ticket.id).where(Ticket.service_id == ews_box["service_id"])) is None

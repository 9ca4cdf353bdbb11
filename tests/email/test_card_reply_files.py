"""A reply with a file sent from the card reaches the requester's mailbox with the file attached (real SMTP peer)."""
from __future__ import annotations

import base64
from email import message_from_bytes, policy

from sqlalchemy import select

from data import db
from data.models import Attachment, Outbox, Ticket
from ingest.email.out import deliver_due
from ingest.email.worker import poll_mailbox
from tests import factories
from tests.dash_support import load_user, signed_in
from tests.email.helpers import mail


def test_card_reply_with_a_file_goes_out_as_an_email_attachment(app, dovecot, imap_box, smtp):
    from pages import ticket as page
    user = imap_box["address"]
    dovecot.append(user, mail(to=user, sender="olga@example.com", subject="Счёт не открывается"))
    poll_mailbox(imap_box["mailbox_id"])
    with db.session_scope() as s:
        number = s.scalar(select(Ticket.number).where(Ticket.service_id == imap_box["service_id"]))
        agent_id = factories.user(s, role="agent").id
    pdf = b"%PDF-1.4 invoice"
    upload = "data:application/pdf;base64," + base64.b64encode(pdf).decode()
    with signed_in(app, load_user(agent_id)):
        drawn = page.send_reply(1, number, "Счёт во вложении.", [upload], ["invoice.pdf"])
    assert drawn[0]["color"] == "success"
    assert "invoice.pdf" in str(drawn[1].to_plotly_json())  # shown under the new comment on the card
    with db.read_session() as s:
        [row] = s.scalars(select(Outbox).where(Outbox.recipient == "olga@example.com", Outbox.kind == "reply"))
        assert [a["filename"] for a in row.payload["attachments"]] == ["invoice.pdf"]
        assert s.scalar(select(Attachment.comment_id).where(Attachment.filename == "invoice.pdf")) == row.comment_id
    assert deliver_due()["sent"] >= 1
    [raw] = [raw for _from, rcpt, raw in smtp.messages if rcpt == ["olga@example.com"]]
    sent = message_from_bytes(raw, policy=policy.default)
    [part] = list(sent.iter_attachments())
    assert part.get_filename() == "invoice.pdf" and part.get_content() == pdf
    assert "Счёт во вложении." in sent.get_body(("plain",)).get_content()

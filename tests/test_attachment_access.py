"""Who may download a file: staff who may read its ticket; a requester only from their own request and never
one attached to an internal note. Anyone else gets NotFound, as if the file did not exist."""
from __future__ import annotations

import pytest

from data.errors import NotFound
from data.tickets import actions as tickets
from data.tickets import attachments
from tests import factories as f


def _file(name: str) -> list[dict]:
    return [{"filename": name, "content": b"%PDF-1.4", "content_type": "application/pdf"}]


def test_staff_and_the_own_requester_download_public_files(session):
    agent, analyst, gone = f.user(session, "agent"), f.user(session, "analyst"), f.user(session, "agent")
    gone.is_active = False  # a switched-off account
    anna, boris = f.requester(session, email="anna@corp.example"), f.requester(session, email="boris@corp.example")
    t = tickets.create(session, agent, title="Invoice", board_id=f.board(session).id, requester_id=anna.id)
    reply = tickets.comment(session, agent, t.id, "Here it is", public=True)
    note = tickets.comment(session, agent, t.id, "Scan of the original", public=False)
    on_ticket, = attachments.store(session, t, _file("invoice.pdf"))
    on_reply, = attachments.store(session, t, _file("receipt.pdf"), reply)
    on_note, = attachments.store(session, t, _file("internal.pdf"), note)
    for staff in (agent, analyst):
        assert {attachments.get(session, staff, a.id).filename for a in (on_ticket, on_reply, on_note)} == \
            {"invoice.pdf", "receipt.pdf", "internal.pdf"}
    assert attachments.get(session, anna, on_reply.id).content == b"%PDF-1.4"
    assert attachments.get(session, anna, on_ticket.id).filename == "invoice.pdf"
    refused = [(anna, on_note.id), (boris, on_ticket.id), (gone, on_ticket.id), (None, on_ticket.id),
               (agent, on_note.id + 100000)]
    for who, attachment_id in refused:
        with pytest.raises(NotFound):
            attachments.get(session, who, attachment_id)

"""Status changes told to Telegram requesters, when the service asks for it (Service.notify).

Runs as a hook in the transaction that moved the card; the message waits in the outbox and the
Telegram worker delivers it. Only the status the requester sees counts (BoardColumn.requester_status,
else the column kind), so moves between two columns that look the same to them stay quiet.
"""
from __future__ import annotations

import importlib.util

from . import hooks, outbox
from .i18n import translate
from .models import BoardColumn, Requester, Service


def requester_status(column: BoardColumn | None, locale: str) -> str | None:
    if column is None:
        return None
    return column.requester_status or translate(f"status.{column.kind}", locale)


@hooks.on("moved")
def notify_status_change(session, trigger, ticket, actor, old=None, **_context) -> None:
    if not old or old.get("column") == ticket.column_id or ticket.service_id is None:
        return
    if importlib.util.find_spec("data.notify") is not None:
        return  # the portal's data/notify.py tells requesters in every channel; don't say it twice
    service = session.get(Service, ticket.service_id)
    if service is None or not (service.notify or {}).get("on_status_change"):
        return
    target = outbox.requester_address(session, ticket)
    if target is None or target[0] != "telegram":
        return  # email requesters are told by the email channel
    requester = session.get(Requester, ticket.requester_id)
    locale = (requester.locale if requester else None) or "ru"
    status = requester_status(session.get(BoardColumn, ticket.column_id), locale)
    if status == requester_status(session.get(BoardColumn, old["column"]), locale):
        return
    outbox.queue(session, channel="telegram", kind="notification", recipient=target[1], ticket=ticket,
                 body=translate("tg.status", locale, number=ticket.number, title=ticket.title, status=status))

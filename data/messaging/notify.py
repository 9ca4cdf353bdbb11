"""Telling people: the assignee of a new card (in the app and by their notify_channel), and the
requester when their request's requester-facing status changes (per the service's notify settings)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import hooks
from data.messaging import outbox
from data.i18n import N_, translate
from data.models import BoardColumn, Notification, Outbox, Requester, Service, Ticket, User


def notify_assignee(session: Session, ticket: Ticket) -> None:
    """An in-app notification, plus an email or Telegram message when the person prefers one."""
    if ticket.assignee_id:
        notify_user(session, session.get(User, ticket.assignee_id), ticket, "assigned", N_("notify.assigned"),
                    N_("notify.assigned_subject"), number=ticket.number, title=ticket.title)


def notify_user(session: Session, user: User | None, ticket: Ticket | None, kind: str, key: str,
                subject_key: str, **values) -> None:
    """Tell one active staff user, in their language: in the app, and by email or Telegram if they chose it."""
    if user is None or not user.is_active:
        return
    text = translate(key, user.locale, **values)
    session.add(Notification(user_id=user.id, ticket_id=ticket.id if ticket else None, kind=kind[:30], text=text))
    if user.notify_channel == "email" and user.email:
        outbox.queue(session, channel="email", kind="notification", recipient=user.email, body=text,
                     subject=translate(subject_key, user.locale, **values), ticket=ticket)
    elif user.notify_channel == "telegram" and user.telegram_chat_id:
        outbox.queue(session, channel="telegram", kind="notification", recipient=user.telegram_chat_id, body=text,
                     ticket=ticket)


@hooks.on("moved")
def requester_status_changed(session: Session, trigger: str, ticket: Ticket, actor, old: dict | None = None,
                             **_context) -> None:
    """When the status the requester sees changes, tell them in the channel they wrote from."""
    if not old or not ticket.requester_id or old.get("column") == ticket.column_id or not ticket.service_id:
        return
    service = session.get(Service, ticket.service_id)
    if service is None or not (service.notify or {}).get("on_status_change"):
        return
    before = session.get(BoardColumn, old["column"]) if old.get("column") else None
    after = session.get(BoardColumn, ticket.column_id)
    status = after.requester_status if after else None
    if not status or (before is not None and before.requester_status == status):
        return
    target = outbox.requester_address(session, ticket)
    if target is None:
        return
    locale = (session.get(Requester, ticket.requester_id).locale or "ru")
    channel, address = target
    subject = translate("notify.status_subject", locale, number=ticket.number, status=status)
    body = translate("notify.status", locale, number=ticket.number, title=ticket.title, status=status)
    coalesce_status(session, ticket, channel, address, status, subject, body, status_window(service),
                    before.requester_status if before is not None else None)


DEFAULT_STATUS_WINDOW = timedelta(minutes=2)


def status_window(service: Service) -> timedelta:
    """How long a status message waits for the next change of the same request (service.notify
    "status_window_minutes"; 0 sends at once)."""
    minutes = (service.notify or {}).get("status_window_minutes")
    return DEFAULT_STATUS_WINDOW if minutes is None else timedelta(minutes=max(int(minutes), 0))


def coalesce_status(session: Session, ticket: Ticket, channel: str, address: str, status: str, subject: str,
                    body: str, window: timedelta, before: str | None) -> Outbox | None:
    """One message per meaningful change: a status message waits `window` before it is sent; a newer status
    within the window replaces it (keeping its send time, so moves can't postpone it forever), and a
    status equal to what the requester last knew (the last status message, else the status before the
    first change) withdraws it. Returns the row that will be sent, if any."""
    mine = (Outbox.ticket_id == ticket.id, Outbox.channel == channel, Outbox.recipient == address,
            Outbox.kind == "notification", Outbox.payload.has_key("status"))
    # attempts == 0: not yet claimed by a worker. The lock waits for a worker claiming it right now, and
    # the condition is then re-checked, so a message being sent is never rewritten.
    pending = session.scalar(select(Outbox).where(*mine, Outbox.state == "queued", Outbox.attempts == 0)
                             .order_by(Outbox.id.desc()).limit(1).with_for_update())
    told = session.scalar(select(Outbox.payload["status"].astext)
                          .where(*mine, (Outbox.state == "sent") | ((Outbox.state == "queued") & (Outbox.attempts > 0)))
                          .order_by(Outbox.id.desc()).limit(1))
    known = (pending.payload or {}).get("from") if pending is not None else (told if told is not None else before)
    if status == known:  # back where the requester last knew it was: nothing to say
        if pending is not None:
            session.delete(pending)
        return None
    payload = {"auto_submitted": True, "status": status, "from": known}
    if pending is not None:
        pending.subject, pending.body, pending.payload = subject, body, payload
        return pending
    row = outbox.queue(session, channel=channel, kind="notification", recipient=address, ticket=ticket,
                       subject=subject, body=body, payload=payload)
    row.next_attempt_at = datetime.now(timezone.utc) + window
    return row

"""Time-based work, once a minute from the worker (`python -m ingest scheduler`): SLA at-risk and
breach signals with their notifications and rules, and "no activity for a period" rules.

Also the weekly summary on Monday mornings (data/weekly_delivery.deliver_due).
`tick(session, now)` is idempotent: a clock is announced at risk once and breached once (the
notified_at columns of ticket_sla), and a no-activity rule fires once per quiet period.
Rows are claimed with SKIP LOCKED, so two workers can share the work.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from data import audit
from data.automation import rules
from data.config import company_tz
from data.sla import recompute as sla
from data.messaging import staff as staff_notify
from data.i18n import N_, translate
from data.models import Rule, RuleLog, Ticket, TicketSla

BATCH = 500
log = logging.getLogger(__name__)

_DUE = """
SELECT id FROM ticket_sla
WHERE stopped_at IS NULL AND {column} <= :now AND {flag} IS NULL
ORDER BY {column} LIMIT :limit FOR UPDATE SKIP LOCKED"""
_QUIET = text("""
SELECT t.id FROM tickets t
WHERE t.status <> 'done' AND t.updated_at <= :cutoff
  AND NOT EXISTS (SELECT 1 FROM rule_log l WHERE l.rule_id = :rule AND l.ticket_id = t.id AND l.at >= t.updated_at)
ORDER BY t.updated_at LIMIT :limit FOR UPDATE OF t SKIP LOCKED""")


def tick(session: Session, now: datetime | None = None) -> dict:
    """Announce clocks that turned at risk or breached; run no-activity rules. Returns counts."""
    now = now or datetime.now(timezone.utc)
    session.info["okno_now"] = now
    try:
        breached = _signal(session, now, "due_at", "breach_notified_at", "sla_breached", N_("sla.notify.breached"))
        at_risk = _signal(session, now, "at_risk_at", "at_risk_notified_at", "sla_at_risk", N_("sla.notify.at_risk"))
        quiet = _no_activity(session, now)
    finally:
        session.info.pop("okno_now", None)
    audit.prune_expired(session, now)  # the audit log's retention (OKNO_AUDIT_RETENTION_DAYS)
    return {"at_risk": at_risk, "breached": breached, "no_activity": quiet, "weekly": _weekly_summary(session, now)}


def _weekly_summary(session: Session, now: datetime) -> int:
    """Monday morning: queue the weekly summary (idempotent; a failure here never undoes the SLA work)."""
    from data.weekly import delivery as weekly_delivery
    try:
        with session.begin_nested():
            return weekly_delivery.deliver_due(session, now)["queued"]
    except Exception:  # noqa: BLE001 — logged; the next tick tries again
        log.exception("weekly summary delivery failed")
        return 0


def _signal(session: Session, now: datetime, column: str, flag: str, trigger: str, key: str) -> int:
    ids = list(session.scalars(text(_DUE.format(column=column, flag=flag)), {"now": now, "limit": BATCH}))
    count = 0
    for row in session.scalars(select(TicketSla).where(TicketSla.id.in_(ids)).order_by(getattr(TicketSla, column))):
        ticket = session.get(Ticket, row.ticket_id)
        values = {flag: now}
        if flag == "breach_notified_at":
            values["at_risk_notified_at"] = row.at_risk_notified_at or now  # no "at risk" after the breach
        session.execute(update(TicketSla).where(TicketSla.id == row.id).values(**values)
                        .execution_options(synchronize_session=False))
        if trigger == "sla_breached":
            sla.recompute_ticket(session, ticket, now)  # the ticket's breached flags turn on now
        due = row.due_at
        for user in staff_notify.assignee_and_lead(session, ticket):
            locale = user.locale or "ru"
            local_due = due.astimezone(company_tz()).strftime("%d.%m %H:%M") if due else "—"
            staff_notify.notify(session, user, ticket, trigger, key, number=ticket.number, title=ticket.title,
                                target=translate(f"sla.target.{row.target}", locale), due=local_due)
        rules.run(session, trigger, ticket, now=now, target=row.target)
        count += 1
    return count


def _no_activity(session: Session, now: datetime) -> int:
    count = 0
    for rule in session.scalars(select(Rule).where(Rule.is_active, Rule.trigger == "no_activity")
                                .order_by(Rule.position, Rule.id)).all():
        minutes = int((rule.trigger_options or {}).get("minutes") or 0)
        if minutes <= 0:
            continue
        ids = list(session.scalars(_QUIET, {"cutoff": now - timedelta(minutes=minutes), "rule": rule.id,
                                            "limit": BATCH}))
        for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(ids))):
            if rules.conditions_hold(session, rule, ticket, now):
                count += rules.fire(session, rule, ticket, "no_activity", now)
            else:
                # Remember that this quiet period was looked at, so the rule is not re-checked every minute.
                session.add(RuleLog(rule_id=rule.id, ticket_id=ticket.id, trigger="no_activity", outcome="skipped",
                                    at=now))
    return count

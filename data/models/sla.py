"""SLA: business calendars, SLA policies, per-ticket SLA results; automation rules and their log."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, Double, ForeignKey, ForeignKeyConstraint, Index,
                        Integer, String, Text, UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.config import get_config
from data.db import Base
from data.i18n import N_
from data.models._types import TZ, in_list, now_column
from data.models.tickets import Ticket

SLA_TARGETS = ("first_response", "next_response", "resolution")
SLA_STATES = ("running", "paused", "met", "breached")
RULE_TRIGGERS = ("created", "field_changed", "moved", "commented", "sla_at_risk", "sla_breached", "no_activity",
                 "rated")
# Shown as _(f"sla.target.{target}") and _(f"slaadmin.trigger.{trigger}"): the message ids, for extraction.
TARGET_LABELS = {"first_response": N_("sla.target.first_response"), "next_response": N_("sla.target.next_response"),
                 "resolution": N_("sla.target.resolution")}
TRIGGER_LABELS = {"created": N_("slaadmin.trigger.created"), "field_changed": N_("slaadmin.trigger.field_changed"),
                  "moved": N_("slaadmin.trigger.moved"), "commented": N_("slaadmin.trigger.commented"),
                  "sla_at_risk": N_("slaadmin.trigger.sla_at_risk"),
                  "sla_breached": N_("slaadmin.trigger.sla_breached"),
                  "no_activity": N_("slaadmin.trigger.no_activity"), "rated": N_("slaadmin.trigger.rated")}


# "No activity for a period" rules look for open tickets untouched since a cutoff, every minute.
Index("ix_tickets_open_updated", Ticket.updated_at, postgresql_where=text("status <> 'done'"))


class BusinessCalendar(Base):
    """Working hours per weekday (several intervals a day), a time zone, holidays, extra working days and
    shortened days (an hour less, as before a public holiday in Russia).

    hours: {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], ..., "sun": []}
    country: when set ("RU"), the country's production calendar (data/sla/production.py) adds its days off,
    working weekend days and shortened days to the calendar's own lists.
    """

    __tablename__ = "business_calendars"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(60), default=lambda: get_config().timezone)
    hours: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    holidays: Mapped[list[date]] = mapped_column(ARRAY(Date), default=list, server_default="{}")
    extra_days: Mapped[list[date]] = mapped_column(ARRAY(Date), default=list, server_default="{}")
    short_days: Mapped[list[date]] = mapped_column(ARRAY(Date), default=list, server_default="{}")
    country: Mapped[str | None] = mapped_column(String(2))
    updated_at: Mapped[datetime] = now_column()


class ProductionYear(Base):
    """A year of a country's production calendar imported by an admin (official XML or CSV); it replaces
    the built-in year (the `holidays` package) for that country."""

    __tablename__ = "production_years"
    __table_args__ = (CheckConstraint("year BETWEEN 1990 AND 2200", name="year"),)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = now_column()
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ProductionDay(Base):
    """One exceptional day of an imported year: off (a weekday off), work (a working weekend day), short."""

    __tablename__ = "production_days"
    __table_args__ = (CheckConstraint(in_list("kind", ("off", "work", "short")), name="kind"),
                      CheckConstraint("extract(year FROM day) = year", name="in_year"),
                      ForeignKeyConstraint(["country", "year"], ["production_years.country", "production_years.year"],
                                           name="fk_production_days_country_production_years", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(5))


class SlaPolicy(Base):
    """Targets chosen by conditions; policies are tried in `position` order and the first match wins.

    conditions: {"service_ids": [..], "request_type_ids": [..], "priority_ids": [..], "organisations": [..]}
    (an empty or missing list matches anything). A target without minutes is not tracked; a target
    without a calendar runs 24/7.
    """

    __tablename__ = "sla_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    conditions: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    first_response_calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_calendars.id", ondelete="SET NULL"))
    next_response_minutes: Mapped[int | None] = mapped_column(Integer)
    next_response_calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_calendars.id", ondelete="SET NULL"))
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_calendars.id", ondelete="SET NULL"))
    # "At risk" when this share of the target is left, or this many minutes, whichever comes first.
    at_risk_share: Mapped[float] = mapped_column(Double, default=0.2, server_default="0.2")
    at_risk_minutes: Mapped[int | None] = mapped_column(Integer, default=60, server_default="60")
    updated_at: Mapped[datetime] = now_column()


class TicketSla(Base):
    """One SLA target of one ticket in one cycle (resolution restarts on reopen; next response per message).

    Recomputed from the ticket's history on every change; the notified_at columns survive recomputation
    so that at-risk and breach notifications go out once.
    """

    __tablename__ = "ticket_sla"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target", "cycle"),
        CheckConstraint(in_list("target", SLA_TARGETS), name="target"),
        CheckConstraint(in_list("state", SLA_STATES), name="state"),
        # The scheduler looks for running clocks about to turn at risk or breached.
        Index("ix_ticket_sla_running_due", "due_at", postgresql_where=text("stopped_at IS NULL")),
        Index("ix_ticket_sla_running_risk", "at_risk_at", postgresql_where=text("stopped_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    target: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    target_seconds: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(TZ)
    stopped_at: Mapped[datetime | None] = mapped_column(TZ)
    due_at: Mapped[datetime | None] = mapped_column(TZ)  # when elapsed business time reaches the target
    at_risk_at: Mapped[datetime | None] = mapped_column(TZ)
    elapsed_seconds: Mapped[float] = mapped_column(Double, default=0)
    paused_seconds: Mapped[float] = mapped_column(Double, default=0)
    state: Mapped[str] = mapped_column(String(10))
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    computed_at: Mapped[datetime] = now_column()
    at_risk_notified_at: Mapped[datetime | None] = mapped_column(TZ)
    breach_notified_at: Mapped[datetime | None] = mapped_column(TZ)


class Rule(Base):
    """An automation rule: when `trigger` happens and `conditions` hold, run `actions` in order.

    trigger_options: {"field": "priority"} | {"column_id": 5} | {"minutes": 240} | {"public": true} |
                     {"max_score": 2} (trigger "rated")
    conditions: {"service_ids", "request_type_ids", "priority_ids", "channels": [..],
                 "fields": {"key": "value"}, "time_from": "09:00", "time_to": "18:00", "timezone"}
    actions: [{"type": "set_type", "value"} | {"type": "set_assignee", "user_id"} |
              {"type": "set_priority", "priority_id"} | {"type": "set_lane", "lane_id"} |
              {"type": "set_column", "column_id"} | {"type": "add_checklist", "items": [..]} |
              {"type": "create_children", "board_id", "titles": [..]} | {"type": "reply_template", "template_id"} |
              {"type": "notify_user", "user_id"} | {"type": "notify_team", "team_id"} | {"type": "notify_team_lead"} |
              {"type": "escalate"}]
    """

    __tablename__ = "rules"
    __table_args__ = (CheckConstraint(in_list("trigger", RULE_TRIGGERS), name="trigger"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    trigger: Mapped[str] = mapped_column(String(20))
    trigger_options: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    conditions: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    actions: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    fire_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_fired_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = now_column()


class RuleLog(Base):
    """What rules did: fired, failed (the change was rolled back) or stopped by the loop guard."""

    __tablename__ = "rule_log"
    __table_args__ = (Index("ix_rule_log_rule_ticket", "rule_id", "ticket_id", "at"),
                      CheckConstraint(in_list("outcome", ("fired", "error", "loop_stopped", "skipped")), name="outcome"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(12))
    message: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = now_column()

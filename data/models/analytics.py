"""Daily analytics rollups, maintained by data/metrics/rollup.py (not by the ORM).

One row per (local day, ticket attributes) and stream: tickets created that day, tickets that are
done and were last resolved that day, reopen events, first entries into each flow stage. A
year of a million tickets becomes some hundred thousand narrow rows, so wide views stay fast.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, SmallInteger, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ

CYCLE_BUCKETS = 61  # cycle time 1..60 days, the last bucket holds everything longer
# First-response time bins (minutes, lower edges; the last bin is open-ended). Fine enough for a
# median within a few minutes at the short end; every edge of the chart's bins is among them.
RESPONSE_EDGES_MIN = (0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 90, 105, 120, 150, 180,
                      240, 300, 360, 480, 600, 720, 960, 1200, 1440, 1800, 2160, 2880, 3600, 4320, 5760, 7200,
                      10080, 14400, 20160, 30240, 43200)


class AnalyticsDaily(Base):
    __tablename__ = "analytics_daily"
    __table_args__ = (Index("ix_analytics_daily_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    service_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    board_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    priority_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(10))
    created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_hours: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))  # 24 local hours
    response_hist: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))  # per RESPONSE_EDGES_MIN bin
    response_breached: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))  # of those, SLA breached
    unanswered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_sla_met: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_sla_breached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_reopened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cycle_hist: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))  # CYCLE_BUCKETS counts
    reopens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reached: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))  # first entries: queue..done
    stream: Mapped[int] = mapped_column(SmallInteger)  # 0 created, 1 resolved, 2 reopens, 3 stages


class AnalyticsState(Base):
    """One row: when the rollup was last brought up to date and up to which event."""

    __tablename__ = "analytics_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(TZ)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)

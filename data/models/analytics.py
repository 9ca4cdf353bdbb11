"""Analytics rollups, maintained by data/metrics/rollup.py (not by the ORM): caches of the event history
that give the same numbers as computing from it (tests/test_metrics_rollup_random.py checks that).

analytics_daily: one row per (local day, ticket attributes, stream) with counts — tickets created that
day (and by local hour), resolutions (entries into done) with their cycle's SLA outcome, reopens, and
the net number of tickets entering each status (so the number in a status at the end of any day is a
running sum, backward moves included).
analytics_dist: exact distributions — per (metric, local day, ticket attributes) the number of values
equal to each whole hour (cycle time, lead time of resolutions) or whole minute (first responses). The
metrics are defined at that precision, so percentiles merged from these counts are exact; summed per
month (data/metrics/rollup_tables.py) a year at a million tickets is thousands of rows, not millions.
Both have one row per key (unique, NULLs equal): a refresh adds to a row in place (data/metrics/rollup_delta.py).
analytics_tickets: per ticket, the state the rollup last counted — what a refresh subtracts before it adds
the ticket's state now.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, Double, Index, Integer, Numeric, SmallInteger, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ

# analytics_dist.metric: what `value` measures (and in which unit).
CYCLE_HOURS, LEAD_HOURS, FIRST_RESPONSE_MINUTES = 1, 2, 3
# analytics_daily.stream
CREATED, RESOLVED, REOPENS, STATUS_NET = 0, 1, 2, 3
# analytics_monthly.group_kind: whose month (the ticket's current assignee or team)
AGENT_GROUP, TEAM_GROUP = 0, 1
# analytics_monthly.scope: which tickets the row counts (all, or those of one service, team or board)
ALL_SCOPE, SERVICE_SCOPE, TEAM_SCOPE, BOARD_SCOPE = 0, 1, 2, 3


DIMS = ("service_id", "team_id", "board_id", "assignee_id", "priority_id", "channel")  # = data.metrics.sql.DIMS


class _Dims:
    service_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    board_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    priority_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(10))


class AnalyticsDaily(_Dims, Base):
    __tablename__ = "analytics_daily"
    __table_args__ = (Index("ix_analytics_daily_day", "day"),
                      Index("ux_analytics_daily_key", "stream", "day", *DIMS, unique=True,
                            postgresql_nulls_not_distinct=True))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    stream: Mapped[int] = mapped_column(SmallInteger)  # CREATED, RESOLVED, REOPENS, STATUS_NET
    day: Mapped[date] = mapped_column(Date)
    created: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_hours: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))  # 24 local hours
    resolved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_sla_met: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_sla_breached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status_net: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))  # entries − exits: queue..done


class AnalyticsDist(_Dims, Base):
    __tablename__ = "analytics_dist"
    __table_args__ = (Index("ix_analytics_dist_metric_day", "metric", "day"),
                      Index("ux_analytics_dist_key", "metric", "day", "value", *DIMS, unique=True,
                            postgresql_nulls_not_distinct=True))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    metric: Mapped[int] = mapped_column(SmallInteger)  # CYCLE_HOURS, LEAD_HOURS, FIRST_RESPONSE_MINUTES
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)
    breached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # first responses: SLA breached


class _FlowSums:
    cycles: Mapped[int] = mapped_column(Integer)  # resolutions whose cycle entered in-progress
    skipped: Mapped[int] = mapped_column(Integer)  # resolutions without such a cycle (left out of efficiency)
    # Seconds of those cycles, numeric so that sums of sums are exact (data/metrics/efficiency.py).
    active_s: Mapped[Decimal] = mapped_column(Numeric)
    queued_s: Mapped[Decimal] = mapped_column(Numeric)
    blocked_s: Mapped[Decimal] = mapped_column(Numeric)


class AnalyticsFlow(_Dims, _FlowSums, Base):
    """Flow efficiency's sums per local day of resolution and ticket attributes (data/metrics/rollup_flow.py)."""
    __tablename__ = "analytics_flow"
    # One row per key (NULLs equal): a refresh adds to it in place (data/metrics/rollup_flow_delta.py).
    __table_args__ = (Index("ux_analytics_flow_key", "day", *DIMS, unique=True, postgresql_nulls_not_distinct=True),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date)


class AnalyticsFlowCoarse(_FlowSums, Base):
    """analytics_flow summed without assignee, priority and channel."""
    __tablename__ = "analytics_flow_coarse"
    __table_args__ = (Index("ux_analytics_flow_coarse_key", "day", *DIMS[:3], unique=True,
                            postgresql_nulls_not_distinct=True),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    service_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    board_id: Mapped[int | None] = mapped_column(Integer)


class AnalyticsSle(_Dims, Base):
    """Per local day of resolution, ticket attributes and column left in the cycle: how many resolutions left it
    at each whole-hour age (the per-column SLEs of the aging chart, data/metrics/sle.py)."""
    __tablename__ = "analytics_sle"
    __table_args__ = (Index("ux_analytics_sle_key", "day", *DIMS, "column_id", "status", "hours", unique=True,
                            postgresql_nulls_not_distinct=True),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    column_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(12))  # the column's kind then
    hours: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)


class AnalyticsSleMonth(Base):
    """analytics_sle summed per local month without assignee, priority and channel."""
    __tablename__ = "analytics_sle_month"
    __table_args__ = (Index("ux_analytics_sle_month_key", "month", *DIMS[:3], "column_id", "status", "hours",
                            unique=True, postgresql_nulls_not_distinct=True),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # first local day of the month
    service_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    board_id: Mapped[int | None] = mapped_column(Integer)
    column_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(12))
    hours: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)


class _CsatCounts:
    agent_id: Mapped[int | None] = mapped_column(Integer)  # ratings.agent_id: who resolved it
    asked: Mapped[int] = mapped_column(Integer)  # questions (one per resolution asked about)
    rated: Mapped[int] = mapped_column(Integer)  # answered
    score_sum: Mapped[int] = mapped_column(Integer)


class AnalyticsCsat(_Dims, _CsatCounts, Base):
    """Satisfaction per local day of the resolution asked about, ticket attributes and agent
    (data/metrics/rollup_csat.py)."""
    __tablename__ = "analytics_csat"
    __table_args__ = (Index("ix_analytics_csat_day", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date)


class AnalyticsCsatCoarse(_CsatCounts, Base):
    """analytics_csat summed without assignee, priority and channel."""
    __tablename__ = "analytics_csat_coarse"
    __table_args__ = (Index("ix_analytics_csat_coarse_day", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    service_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    board_id: Mapped[int | None] = mapped_column(Integer)


class AnalyticsMonthly(Base):
    """Before/after's samples, kept exact: per (agent or team, local month, scope) the resolutions of that
    month, their SLA outcomes and the median and 85th-percentile cycle time (percentile_cont over that
    group-month's own resolutions, in days). Percentiles don't add up, so each scope a filter can ask for
    has rows of its own: everything (scope_id 0), one service, one team, one board. Rebuilt with the
    rollup; a refresh recomputes only the rows whose resolutions changed (data/metrics/monthly.py)."""

    __tablename__ = "analytics_monthly"
    group_kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # AGENT_GROUP, TEAM_GROUP
    scope: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # ALL_SCOPE, SERVICE_SCOPE, ...
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 for ALL_SCOPE
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # first local day of the month
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resolved: Mapped[int] = mapped_column(Integer)
    sla_met_n: Mapped[int] = mapped_column(Integer)  # resolutions whose cycle met every SLA target
    sla_n: Mapped[int] = mapped_column(Integer)  # resolutions with an SLA target
    handle_p50: Mapped[float | None] = mapped_column(Double)  # cycle time, days (hours precision)
    handle_p85: Mapped[float | None] = mapped_column(Double)


class AnalyticsTicket(_Dims, Base):
    """A ticket as the rollup last counted it: its attributes, creation and first-reply times, the SLA
    outcomes of its cycles and the newest of its events counted (its status history is its events up to
    that one). Written by a rebuild for every ticket and by each refresh for the tickets it redid."""

    __tablename__ = "analytics_tickets"
    ticket_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # no foreign key
    last_event_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TZ)
    first_response_at: Mapped[datetime | None] = mapped_column(TZ)
    fr_breached: Mapped[bool | None] = mapped_column(Boolean)  # first-response target (cycle 1); NULL: none
    res_cycles: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))  # resolution targets: cycles …
    res_breached: Mapped[list[bool] | None] = mapped_column(ARRAY(Boolean))  # … and whether each was breached


class AnalyticsState(Base):
    """One row: when the rollup was last brought up to date and up to which event."""

    __tablename__ = "analytics_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(TZ)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)

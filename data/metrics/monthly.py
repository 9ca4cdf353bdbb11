"""Before/after's samples kept in a table (analytics_monthly): per agent or team, local month and scope, the
month's resolutions, SLA outcomes and exact median / 85th-percentile cycle time.

Percentiles don't add up, so a row is computed with percentile_cont over exactly the resolutions it
stands for, and the table has a row set per scope a filter can ask for: everything, one service, one
team, one board. `rebuild` computes every month; `refresh` recomputes each local month in which a
ticket with new events has a resolution — all groups of that month, since a reassignment moves the
ticket's resolutions from one agent's month to another's. The rollup (data/metrics/rollup.py) calls
both with its own watermark. `read` answers compare.monthly() for the filters the table covers and
None for the others (the caller computes those from the rollup's distributions or the events); both
give identical numbers (tests/test_metrics_monthly.py).
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.config import get_config
from data.metrics import rows
from data.metrics.filters import TicketFilter, tz
from data.metrics.sql import CYCLE_DAYS, resolution_rows
from data.models.analytics import AGENT_GROUP, ALL_SCOPE, BOARD_SCOPE, SERVICE_SCOPE, TEAM_GROUP, TEAM_SCOPE
from data.tickets.status import DONE, placed

GROUP_KINDS = {"assignee_id": AGENT_GROUP, "team_id": TEAM_GROUP}
SCOPES = {"service": SERVICE_SCOPE, "team": TEAM_SCOPE, "board": BOARD_SCOPE}
# Filter fields the table has no rows for (any value set means: not covered).
_UNCOVERED = ("type", "column", "priority", "status", "channel", "sla", "created_from", "created_to",
              "resolved_from", "resolved_to", "q", "mine")

# Every resolution counts in its agent's and its team's month, once per scope (scope_id 0: everything).
# `r` is resolution_rows over [lo, hi); each row's percentiles are over that group-month-scope alone.
INSERT = f"""
    INSERT INTO analytics_monthly (group_kind, group_id, month, scope, scope_id, resolved, sla_met_n, sla_n,
                                   handle_p50, handle_p85)
    SELECT g.kind, g.id, x.month, s.scope, s.id, count(*), count(*) FILTER (WHERE x.sla_met = 1), count(x.sla_met),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY {CYCLE_DAYS.replace("r.", "x.")}),
           percentile_cont(0.85) WITHIN GROUP (ORDER BY {CYCLE_DAYS.replace("r.", "x.")})
    FROM (SELECT date_trunc('month', r.done_at AT TIME ZONE :tz)::date AS month, r.*
          FROM ({resolution_rows("TRUE", "{lo}", "{hi}")}) AS r) AS x
    CROSS JOIN LATERAL (VALUES ({AGENT_GROUP}, x.assignee_id), ({TEAM_GROUP}, x.team_id)) AS g(kind, id)
    CROSS JOIN LATERAL (VALUES ({ALL_SCOPE}, 0), ({SERVICE_SCOPE}, x.service_id), ({TEAM_SCOPE}, x.team_id),
                               ({BOARD_SCOPE}, x.board_id)) AS s(scope, id)
    WHERE g.id IS NOT NULL AND s.id IS NOT NULL
    GROUP BY g.kind, g.id, x.month, s.scope, s.id"""


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=tz())


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def rebuild(session: Session) -> None:
    """Every month of the history."""
    session.execute(text("TRUNCATE analytics_monthly"))
    session.execute(text(INSERT.format(lo="'-infinity'::timestamptz", hi="'infinity'::timestamptz")),
                    {"tz": get_config().timezone})
    session.execute(text("ANALYZE analytics_monthly"))


def changed_months(session: Session, since: int, last: int) -> list[date]:
    """The local months in which tickets with events in (since, last] have a resolution (an entry into done)."""
    return [r[0] for r in session.execute(text(f"""
        WITH changed AS (SELECT DISTINCT ticket_id FROM ticket_events WHERE id > :since AND id <= :last)
        SELECT DISTINCT date_trunc('month', e.at AT TIME ZONE :tz)::date
        FROM ticket_events e JOIN changed c ON c.ticket_id = e.ticket_id
        WHERE {placed('e')} AND e.to_status = '{DONE}' AND e.from_status IS DISTINCT FROM '{DONE}'
        ORDER BY 1"""), {"since": since, "last": last, "tz": get_config().timezone})]


def refresh(session: Session, since: int, last: int) -> list[date]:
    """Recompute the months touched by events in (since, last]; returns them."""
    months = changed_months(session, since, last)
    sql = text(INSERT.format(lo=":lo", hi=":hi"))
    for month in months:
        session.execute(text("DELETE FROM analytics_monthly WHERE month = :m"), {"m": month})
        session.execute(sql, {"tz": get_config().timezone, "lo": _midnight(month),
                              "hi": _midnight(_next_month(month))})
    return months


def scope_of(f: TicketFilter, column: str) -> tuple[int, int] | None:
    """The (scope, scope_id) whose rows answer `f` for groups by `column`, or None when the table can't:
    a viewer's reach, several values of service/team/board or more than one of them, any other condition
    (an agent filter only picks agents' rows)."""
    if getattr(f, "reach", None) is not None or any(getattr(f, k) for k in _UNCOVERED):
        return None
    if f.assignee and column != "assignee_id":
        return None
    chosen = [(scope, getattr(f, key)) for key, scope in SCOPES.items() if getattr(f, key)]
    if not chosen:
        return ALL_SCOPE, 0
    if len(chosen) == 1 and len(chosen[0][1]) == 1:
        return chosen[0][0], chosen[0][1][0]
    return None


def read(session: Session, f: TicketFilter, column: str, since: date, until: date) -> list[dict] | None:
    """compare.monthly()'s rows for the months in [since, until) (only months with resolutions), or None
    when the table doesn't cover the filter."""
    scope = scope_of(f, column)
    if scope is None:
        return None
    agents = " AND m.group_id = ANY(:agents)" if f.assignee else ""
    return rows(session, f"""
        SELECT m.group_id AS id, m.month, m.resolved, m.handle_p50, m.handle_p85, m.sla_met_n, m.sla_n
        FROM analytics_monthly m
        WHERE m.group_kind = :kind AND m.scope = :scope AND m.scope_id = :scope_id
          AND m.month >= :since AND m.month < :until{agents}""",
                {"kind": GROUP_KINDS[column], "scope": scope[0], "scope_id": scope[1], "since": since,
                 "until": until, "agents": list(f.assignee)})

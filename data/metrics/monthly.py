"""Before/after's samples kept in a table (analytics_monthly): per agent or team, local month and scope, the
month's resolutions, SLA outcomes and exact median / 85th-percentile cycle time.

Percentiles don't add up, so a row is computed with percentile_cont over exactly the resolutions it
stands for, and the table has a row set per scope a filter can ask for: everything, one service, one
team, one board. `rebuild` computes every month; on a refresh the rollup (data/metrics/rollup_delta.py)
compares the changed tickets' resolutions as it last counted them with what they are now (`items`) and
`recompute`s only the (group, month, scope) rows where they differ — a reassignment moves the ticket's
resolutions from one agent's month to another's, a new resolution changes its agent's and team's
current month, a reopen changes nothing until the ticket is resolved again. `read` answers compare.monthly() for the filters the table covers and
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

GROUP_KINDS = {"assignee_id": AGENT_GROUP, "team_id": TEAM_GROUP}
SCOPES = {"service": SERVICE_SCOPE, "team": TEAM_SCOPE, "board": BOARD_SCOPE}
# Filter fields the table has no rows for (any value set means: not covered).
_UNCOVERED = ("type", "column", "priority", "status", "channel", "sla", "created_from", "created_to",
              "resolved_from", "resolved_to", "q", "mine")

# Every resolution counts in its agent's and its team's month, once per scope (scope_id 0: everything).
# `r` is resolution_rows over [lo, hi) of the tickets matching {w} in the relations {tickets}, {events}, {sla};
# `{keys}` can narrow the rows to some (group, month, scope) keys before they are grouped.
_SOURCES = {"tickets": "tickets", "events": "ticket_events", "sla": "ticket_sla"}
ITEMS = f"""
    SELECT g.kind, g.id AS group_id, x.month, s.scope, s.id AS scope_id, x.ticket_id, x.cycle, x.cycle_hours, x.sla_met
    FROM (SELECT date_trunc('month', r.done_at AT TIME ZONE :tz)::date AS month, r.*
          FROM ({resolution_rows("{w}", "{lo}", "{hi}", tickets="{tickets}", events="{events}", sla="{sla}",
                                 number="NULL::int")}) AS r) AS x
    CROSS JOIN LATERAL (VALUES ({AGENT_GROUP}, x.assignee_id), ({TEAM_GROUP}, x.team_id)) AS g(kind, id)
    CROSS JOIN LATERAL (VALUES ({ALL_SCOPE}, 0), ({SERVICE_SCOPE}, x.service_id), ({TEAM_SCOPE}, x.team_id),
                               ({BOARD_SCOPE}, x.board_id)) AS s(scope, id)
    WHERE g.id IS NOT NULL AND s.id IS NOT NULL {{keys}}"""
# Each row's percentiles are over that group-month-scope's resolutions alone.
INSERT = f"""
    INSERT INTO analytics_monthly (group_kind, group_id, month, scope, scope_id, resolved, sla_met_n, sla_n,
                                   handle_p50, handle_p85)
    SELECT i.kind, i.group_id, i.month, i.scope, i.scope_id, count(*), count(*) FILTER (WHERE i.sla_met = 1),
           count(i.sla_met),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY {CYCLE_DAYS.replace("r.", "i.")}),
           percentile_cont(0.85) WITHIN GROUP (ORDER BY {CYCLE_DAYS.replace("r.", "i.")})
    FROM ({ITEMS}) AS i
    GROUP BY i.kind, i.group_id, i.month, i.scope, i.scope_id"""
_EVERYTHING = {"lo": "'-infinity'::timestamptz", "hi": "'infinity'::timestamptz", "w": "TRUE"}


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=tz())


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def rebuild(session: Session) -> None:
    """Every month of the history."""
    session.execute(text("TRUNCATE analytics_monthly"))
    session.execute(text(INSERT.format(keys="", **_SOURCES, **_EVERYTHING)), {"tz": get_config().timezone})
    session.execute(text("ANALYZE analytics_monthly"))


def items(old: dict, new: dict, into: str) -> list[str]:
    """Statements that put into table `into` the keys (group_kind, group_id, month, scope, scope_id) whose
    rows differ between two states of the same tickets (`old` and `new` name their relations: resolutions
    added or gone, a reassignment, another SLA outcome). Only these rows need recomputing."""
    def of(sources: dict, name: str) -> str:
        return f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS {ITEMS.format(keys='', **sources, **_EVERYTHING)}"
    return [f"DROP TABLE IF EXISTS {into}, {into}_old, {into}_new", of(old, f"{into}_old"), of(new, f"{into}_new"),
            f"""CREATE TEMPORARY TABLE {into} ON COMMIT DROP AS
            SELECT DISTINCT kind AS group_kind, group_id, month, scope, scope_id
            FROM ((TABLE {into}_new EXCEPT ALL TABLE {into}_old) UNION ALL (TABLE {into}_old EXCEPT ALL TABLE {into}_new)) AS d"""]


def recompute(session: Session, keys: str) -> int:
    """Recompute the rows whose keys the table `keys` holds, month by month, each from all resolutions of the
    month by tickets now in the keys' groups (not the whole month: that is what takes seconds at a
    million tickets). Returns the number of keys."""
    n = session.execute(text(f"SELECT count(*) FROM {keys}")).scalar()
    if not n:
        return 0
    session.execute(text(f"ANALYZE {keys}"))
    session.execute(text(f"""
        DELETE FROM analytics_monthly m USING {keys} k
        WHERE (m.group_kind, m.group_id, m.month, m.scope, m.scope_id) = (k.group_kind, k.group_id, k.month, k.scope, k.scope_id)"""))
    mine = (f"AND (g.kind, g.id, x.month, s.scope, s.id) IN (SELECT group_kind, group_id, month, scope, scope_id"
            f" FROM {keys} WHERE month = :m)")
    groups = (f"(t.assignee_id IN (SELECT group_id FROM {keys} WHERE group_kind = {AGENT_GROUP} AND month = :m)"
              f" OR t.team_id IN (SELECT group_id FROM {keys} WHERE group_kind = {TEAM_GROUP} AND month = :m))")
    sql = text(INSERT.format(keys=mine, w=groups, lo=":lo", hi=":hi", **_SOURCES))
    for (month,) in session.execute(text(f"SELECT DISTINCT month FROM {keys} ORDER BY 1")).all():
        session.execute(sql, {"tz": get_config().timezone, "m": month, "lo": _midnight(month),
                              "hi": _midnight(_next_month(month))})
    return n


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

"""Before/after's samples kept in a table (analytics_monthly): per agent or team, local month and scope, the
month's resolutions, SLA outcomes and exact median / 85th-percentile cycle time.

Percentiles don't add up, so a row is computed with percentile_cont over exactly the resolutions it
stands for, and the table has a row set per scope a filter can ask for: everything, one service, one
team, one board. Every row is computed from the rollup's exact monthly distributions (analytics_dist_month)
and SLA counts (analytics_daily_agent), with percentile_cont's own arithmetic: `rebuild` computes every
row, and a refresh (data/metrics/rollup_delta.py) `recompute`s only the rows whose sums its changes touch
— a new resolution changes its agent's and team's current month, a reassignment moves the ticket's
resolutions from one agent's months to another's, a reopen alone changes nothing. `read` answers compare.monthly() for the filters the table covers and
None for the others (the caller computes those from the rollup's distributions or the events); both
give identical numbers (tests/test_metrics_monthly.py).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.metrics import rollup_bulk, rows
from data.metrics.filters import TicketFilter
from data.models.analytics import (AGENT_GROUP, ALL_SCOPE, BOARD_SCOPE, CYCLE_HOURS, RESOLVED, SERVICE_SCOPE, TEAM_GROUP,
                                   TEAM_SCOPE)

GROUP_KINDS = {"assignee_id": AGENT_GROUP, "team_id": TEAM_GROUP}
SCOPES = {"service": SERVICE_SCOPE, "team": TEAM_SCOPE, "board": BOARD_SCOPE}
# Filter fields the table has no rows for (any value set means: not covered).
_UNCOVERED = ("type", "column", "priority", "status", "channel", "sla", "created_from", "created_to",
              "resolved_from", "resolved_to", "q", "mine")

# Every resolution counts in its agent's and its team's month, once per scope (scope_id 0: everything): `{src}`'s
# rows as (group_kind, group_id, month, scope, scope_id, ...) keys; `{where}` narrows them to some keys.
def _keyed(src: str, month: str, columns: str, where: str) -> str:
    return f"""
    SELECT g.kind AS group_kind, g.id AS group_id, {month} AS month, s.scope, s.id AS scope_id, {columns}
    FROM {src} AS d
    CROSS JOIN LATERAL (VALUES ({AGENT_GROUP}, d.assignee_id), ({TEAM_GROUP}, d.team_id)) AS g(kind, id)
    CROSS JOIN LATERAL (VALUES ({ALL_SCOPE}, 0), ({SERVICE_SCOPE}, d.service_id), ({TEAM_SCOPE}, d.team_id),
                               ({BOARD_SCOPE}, d.board_id)) AS s(scope, id)
    WHERE g.id IS NOT NULL AND s.id IS NOT NULL {where}
    GROUP BY 1, 2, 3, 4, 5{", 6" if "value" in columns else ""}"""


_KEY = "group_kind, group_id, month, scope, scope_id"


def _percentile(p: str) -> str:
    """percentile_cont(p) over the exact distribution `c` (cycle hours with running counts `upto` of `total`),
    with PostgreSQL's own arithmetic on the same float8 values (orderedsetaggs.c: the rows at floor and ceil of
    p·(n−1), lo + (p·(n−1) − floor) · (hi − lo)), so the figure is the one percentile_cont gives over the
    resolutions themselves. Grouped by the key alone (`total` is the same on each of its rows: grouping by it
    too made PostgreSQL sort 1.7 million rows again at a million tickets), so outside the aggregates the
    key's total is max(c.total)."""
    def pos(total: str) -> str:
        return f"({p}::float8 * ({total} - 1)::float8)"
    row, key = pos("c.total"), pos("max(c.total)")
    at = lambda k: f"(min(c.value) FILTER (WHERE c.upto > {k}) / 24.0)::float8"  # noqa: E731
    lo, hi = at(f"floor({row})"), at(f"ceil({row})")
    return f"CASE WHEN floor({key}) = ceil({key}) THEN {lo} ELSE {lo} + (({key} - floor({key})) * ({hi} - {lo})) END"


# Each row from the rollup's exact monthly cycle-time distributions (analytics_dist_month) and its SLA counts
# (analytics_daily_agent): both carry the assignee and the team, so every group and scope is a sum of them.
INSERT = f"""
    INSERT INTO analytics_monthly (group_kind, group_id, month, scope, scope_id, resolved, sla_met_n, sla_n,
                                   handle_p50, handle_p85)
    WITH h AS ({_keyed("analytics_dist_month", "d.month", "d.value, sum(d.n) AS n",
                       f"AND d.metric = {CYCLE_HOURS} {{where}}")}),
    c AS (SELECT h.*, sum(h.n) OVER (PARTITION BY {_KEY} ORDER BY h.value) AS upto,
                 sum(h.n) OVER (PARTITION BY {_KEY}) AS total FROM h),
    p AS (SELECT {_KEY}, max(c.total) AS total, {_percentile("0.5")} AS p50, {_percentile("0.85")} AS p85
          FROM c GROUP BY {_KEY}),
    s AS ({_keyed("analytics_daily_agent", "date_trunc('month', d.day)::date",
                  "sum(d.resolved_sla_met) AS met, sum(d.resolved_sla_met + d.resolved_sla_breached) AS with_sla",
                  f"AND d.stream = {RESOLVED} {{where_days}}")})
    SELECT p.group_kind, p.group_id, p.month, p.scope, p.scope_id, p.total, coalesce(s.met, 0), coalesce(s.with_sla, 0),
           p.p50, p.p85
    FROM p LEFT JOIN s USING ({_KEY}) WHERE p.total > 0 {{final}}"""


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def rebuild(session: Session) -> None:
    """Every month of the history, from the rollup's tables (data/metrics/rollup_tables.py: built first)."""
    session.execute(text("TRUNCATE analytics_monthly"))
    # A statement that may run in parallel (rollup_bulk: like the rest of a full build).
    rollup_bulk.execute(session, INSERT.format(where="", where_days="", final=""))
    session.execute(text("ANALYZE analytics_monthly"))


def changed_keys(into: str) -> str:
    """A statement putting into the table `into` the keys of the rows that the refresh's changes to the rollup
    (okno_dist_delta, okno_daily_delta: already applied) touch: a new resolution changes its agent's and team's
    current month, a reassignment moves resolutions from one agent's months to another's, a reopen alone
    changes nothing."""
    def keys(src: str, month: str, where: str) -> str:
        return _keyed(src, month, "0 AS n", where).rsplit("GROUP BY", 1)[0]
    return f"""CREATE TEMPORARY TABLE {into} ON COMMIT DROP AS
        {keys("okno_dist_delta", "date_trunc('month', d.day)::date", f"AND d.metric = {CYCLE_HOURS}")}
        UNION
        {keys("okno_daily_delta", "date_trunc('month', d.day)::date", f"AND d.stream = {RESOLVED}")}"""


def recompute(session: Session, keys: str) -> int:
    """Recompute the rows whose keys the table `keys` holds, from the (already refreshed) rollup tables: a
    few hundred keys read a few thousand distribution rows, whatever the month's size. Returns how many."""
    n = session.execute(text(f"SELECT count(*) FROM {keys}")).scalar()
    if not n:
        return 0
    session.execute(text(f"ANALYZE {keys}"))
    session.execute(text(f"""
        DELETE FROM analytics_monthly m USING {keys} k
        WHERE (m.group_kind, m.group_id, m.month, m.scope, m.scope_id) = (k.group_kind, k.group_id, k.month, k.scope, k.scope_id)"""))
    months = session.execute(text(f"SELECT array_agg(DISTINCT month ORDER BY month) FROM {keys}")).scalar()
    # Read the rows of the keys' agents and teams only (a row of an agent in the keys may add to a team that
    # isn't: only the keys' own rows are kept at the end).
    groups = (f"AND (({{m}}, d.assignee_id) IN (SELECT month, group_id FROM {keys} WHERE group_kind = {AGENT_GROUP})"
              f" OR ({{m}}, d.team_id) IN (SELECT month, group_id FROM {keys} WHERE group_kind = {TEAM_GROUP}))")
    session.execute(text(INSERT.format(
        where="AND d.month = ANY(:months) " + groups.format(m="d.month"),
        where_days="AND d.day >= :lo AND d.day < :hi " + groups.format(m="date_trunc('month', d.day)::date"),
        final=f"AND ({', '.join('p.' + k for k in _KEY.split(', '))}) IN (SELECT {_KEY} FROM {keys})")),
        {"months": months, "lo": months[0], "hi": _next_month(months[-1])})
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

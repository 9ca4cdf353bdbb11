"""The rollup's smaller tables: analytics_daily and analytics_dist summed over fewer dimensions or whole
months, which wide views read instead of the full rollup (docs/analytics.md).

They are plain tables, built by `build` from their queries (as materialised views were) and then kept by
`follow` from what a refresh changed in analytics_daily and analytics_dist: sums are added to in place
(`add`, rows that fall to zero removed), and the rest — the per-day counts, whose arrays and zero rows a
sum in place would not reproduce, and the packed per-agent arrays — are recomputed for the days or
agent-months that changed only. Either way a table holds exactly what its query gives (tested row by row
against a full build: tests/test_metrics_rollup_delta.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.models.analytics import CYCLE_HOURS, REOPENS, RESOLVED
from data.tickets.status import STATUSES


def _packed(column: str, n: int) -> str:
    return "ARRAY[" + ", ".join(f"sum({column}[{i}])" for i in range(1, n + 1)) + f"]::int[] AS {column}"


@dataclass(frozen=True)
class Table:
    sql: str  # its rows; `{slice}` narrows what it reads (empty for the whole table)
    index: str  # what readers look rows up by; unique (NULLs equal) when `delta` adds to it in place
    delta: str | None = None  # the change of its sums from the refresh's changes to the rollup (d: okno_dist_delta…)
    values: tuple[str, ...] = ()  # the sums `delta` changes
    recompute: str = ""  # or: the `{slice}` that reads what a refresh changed, to recompute those rows


# The counts without assignee, priority and channel (a few thousand rows a year instead of hundreds of
# thousands), read when the filter doesn't need those dimensions (daily.table()); the same plus the
# assignee for per-agent figures; the distributions summed per month (whole months of a range read
# these, the days at its ends the daily rows).
COUNTS = f"""
    SELECT stream, day, service_id, team_id, board_id, {{extra}} sum(created)::int AS created,
           {_packed("created_hours", 24)}, sum(resolved)::int AS resolved,
           sum(resolved_sla_met)::int AS resolved_sla_met, sum(resolved_sla_breached)::int AS resolved_sla_breached,
           sum(reopens)::int AS reopens, {_packed("status_net", len(STATUSES))}
    FROM analytics_daily WHERE TRUE {{{{slice}}}} GROUP BY stream, day, service_id, team_id, board_id {{group}}"""
# What a refresh recomputes: the (stream, day)s and the agent-months it changed.
_DAYS = " AND day = ANY(:days) AND (stream, day) IN (SELECT stream, day FROM okno_rollup_days)"
_AGENT_MONTHS = " AND month = ANY(:months) AND (month, assignee_id) IN (SELECT month, assignee_id FROM okno_rollup_agent_months)"
_RESULTS = ("resolved", "resolved_sla_met", "resolved_sla_breached", "reopens")
TABLES = {
    "analytics_daily_coarse": Table(COUNTS.format(extra="", group=""), "day", recompute=_DAYS),
    "analytics_daily_agent": Table(COUNTS.format(extra="assignee_id,", group=", assignee_id"), "day", recompute=_DAYS),
    "analytics_daily_priority": Table(COUNTS.format(extra="priority_id,", group=", priority_id"), "day", recompute=_DAYS),
    # Per-agent results by month (resolutions with their SLA outcomes, reopens): the per-agent table reads
    # its whole months here and only the days at the range's ends from analytics_daily_agent.
    "analytics_agent_month": Table(f"""
        SELECT date_trunc('month', day)::date AS month, service_id, team_id, board_id, assignee_id,
               sum(resolved)::int AS resolved, sum(resolved_sla_met)::int AS resolved_sla_met,
               sum(resolved_sla_breached)::int AS resolved_sla_breached, sum(reopens)::int AS reopens
        FROM analytics_daily WHERE stream IN ({RESOLVED}, {REOPENS}) AND assignee_id IS NOT NULL {{slice}}
        GROUP BY 1, 2, 3, 4, 5""", "month, service_id, team_id, board_id, assignee_id", f"""
        SELECT date_trunc('month', d.day)::date AS month, d.service_id, d.team_id, d.board_id, d.assignee_id,
               {", ".join(f"sum(d.{v}) AS {v}" for v in _RESULTS)}
        FROM okno_daily_delta d WHERE d.stream IN ({RESOLVED}, {REOPENS}) AND d.assignee_id IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5""", _RESULTS),
    "analytics_dist_month": Table("""
        SELECT metric, date_trunc('month', day)::date AS month, service_id, team_id, board_id, assignee_id, value,
               sum(n)::int AS n, sum(breached)::int AS breached
        FROM analytics_dist WHERE TRUE {slice} GROUP BY 1, 2, 3, 4, 5, 6, 7""",
                                  "metric, month, assignee_id, service_id, team_id, board_id, value", """
        SELECT d.metric, date_trunc('month', d.day)::date AS month, d.assignee_id, d.service_id, d.team_id,
               d.board_id, d.value, sum(d.n) AS n, sum(d.breached) AS breached
        FROM okno_dist_delta d GROUP BY 1, 2, 3, 4, 5, 6, 7""", ("n", "breached")),
    # Each agent-month's cycle times as two packed arrays (values ascending, their counts; 4-byte big-endian
    # integers): the per-agent medians read a few thousand of these rows instead of every (value, count).
    "analytics_cycle_agent_month": Table(f"""
        SELECT month, service_id, team_id, board_id, assignee_id,
               string_agg(int4send(value), ''::bytea ORDER BY value) AS vals,
               string_agg(int4send(n), ''::bytea ORDER BY value) AS counts
        FROM analytics_dist_month WHERE metric = {CYCLE_HOURS} AND assignee_id IS NOT NULL {{slice}}
        GROUP BY 1, 2, 3, 4, 5""", "month, assignee_id", recompute=_AGENT_MONTHS),
    # The same without the assignee: what a distribution over everyone (lead time, cycle time) reads.
    "analytics_dist_month_coarse": Table("""
        SELECT metric, month, service_id, team_id, board_id, value, sum(n)::int AS n, sum(breached)::int AS breached
        FROM analytics_dist_month WHERE TRUE {slice} GROUP BY 1, 2, 3, 4, 5, 6""",
                                         "metric, month, service_id, team_id, board_id, value", """
        SELECT d.metric, date_trunc('month', d.day)::date AS month, d.service_id, d.team_id, d.board_id, d.value,
               sum(d.n) AS n, sum(d.breached) AS breached
        FROM okno_dist_delta d GROUP BY 1, 2, 3, 4, 5, 6""", ("n", "breached")),
}


def drop(session: Session) -> None:
    """Drop the tables (or the materialised views older code made), last first: a view may read an earlier one."""
    for name in reversed(TABLES):
        kind = session.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:n)"), {"n": name}).scalar()
        if kind is not None:
            session.execute(text(f"DROP {'MATERIALIZED VIEW' if kind == 'm' else 'TABLE'} {name}"))


def build(session: Session) -> None:
    """Every table from scratch, from the rollup's current rows."""
    drop(session)
    for name, table in TABLES.items():
        session.execute(text(f"CREATE TABLE {name} AS {table.sql.format(slice='')}"))
        unique = "UNIQUE " if table.delta else ""
        nulls = " NULLS NOT DISTINCT" if table.delta else ""
        session.execute(text(f"CREATE {unique}INDEX ix_{name}_key ON {name} ({table.index}){nulls}"))
        session.execute(text(f"ANALYZE {name}"))


def add(session: Session, table: str, keys: str, values: tuple[str, ...], delta: str,
        arrays: dict[str, int] | None = None) -> int:
    """Add the changes `delta` selects (columns: `keys`, `values`, `arrays`) to `table`'s sums in place —
    unique on `keys`, NULLs equal — and remove the rows that fall to zero everywhere (a full build has no
    such rows). `arrays`: {column: length}, summed element by element; a NULL change leaves the column as it
    is. Returns the number of rows changed."""
    arrays = arrays or {}
    sets = [f"{v} = {table}.{v} + excluded.{v}" for v in values]
    sets += [f"{a} = CASE WHEN excluded.{a} IS NULL THEN {table}.{a} ELSE ARRAY["
             + ", ".join(f"{table}.{a}[{i}] + excluded.{a}[{i}]" for i in range(1, n + 1)) + "] END"
             for a, n in arrays.items()]
    columns = ", ".join([keys, *values, *arrays])
    emptied = session.execute(text(f"""
        INSERT INTO {table} ({columns}) SELECT {columns} FROM ({delta}) AS d WHERE NOT ({empty(values, arrays, "d.")})
        ON CONFLICT ({keys}) DO UPDATE SET {", ".join(sets)}
        RETURNING ctid::text, {empty(values, arrays)}""")).all()
    gone = [tid for tid, is_empty in emptied if is_empty]
    if gone:
        session.execute(text(f"DELETE FROM {table} WHERE ctid = ANY(CAST(:gone AS tid[]))"), {"gone": gone})
    return len(emptied)


def empty(values, arrays, prefix: str = "") -> str:
    """Every sum zero (a row no full build makes)."""
    return " AND ".join([f"{prefix}{v} = 0" for v in values]
                        + [f"({prefix}{a} IS NULL OR 0 = ALL({prefix}{a}))" for a in arrays])


def follow(session: Session) -> None:
    """Bring every table up to date with the changes a refresh made to the rollup (okno_daily_delta,
    okno_dist_delta: the change per analytics_daily / analytics_dist key, already applied to them)."""
    session.execute(text("DROP TABLE IF EXISTS okno_rollup_days, okno_rollup_agent_months"))
    session.execute(text("""CREATE TEMPORARY TABLE okno_rollup_days ON COMMIT DROP AS
                            SELECT DISTINCT stream, day FROM okno_daily_delta"""))
    session.execute(text(f"""CREATE TEMPORARY TABLE okno_rollup_agent_months ON COMMIT DROP AS
                             SELECT DISTINCT date_trunc('month', day)::date AS month, assignee_id FROM okno_dist_delta
                             WHERE metric = {CYCLE_HOURS} AND assignee_id IS NOT NULL"""))
    session.execute(text("ANALYZE okno_rollup_days"))
    session.execute(text("ANALYZE okno_rollup_agent_months"))
    params = {"days": session.execute(text("SELECT array_agg(DISTINCT day) FROM okno_rollup_days")).scalar() or [],
              "months": session.execute(text(
                  "SELECT array_agg(DISTINCT month) FROM okno_rollup_agent_months")).scalar() or []}
    for name, table in TABLES.items():
        if table.delta:
            add(session, name, table.index, table.values, table.delta)
        else:
            key = "days" if table.recompute == _DAYS else "months"
            if params[key]:
                session.execute(text(f"DELETE FROM {name} WHERE TRUE {table.recompute}"), {key: params[key]})
                session.execute(text(f"INSERT INTO {name} {table.sql.format(slice=table.recompute)}"),
                                {key: params[key]})

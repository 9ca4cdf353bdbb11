"""Monthly partitions of `ticket_events` (migration scale2_0001): list them, create the coming months ahead of
time, detach an old month for archiving.

Why: at 100 M events one table means every index is as large as the history, VACUUM walks all of it, and
throwing away 2019 is a DELETE of millions of rows. Partitioned by month (`at`, UTC month boundaries), a
query over a period reads only its months, and an old month leaves with one `DETACH PARTITION`: it
stays a plain table (`ticket_events_2019_01`) to dump and drop, without touching the rest.

Rows whose month has no partition go to `ticket_events_default` (imports with old dates, a missed
`ensure`); `ensure` moves them into the month's partition when it creates it.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.errors import ValidationError, Text

PARENT, DEFAULT = "ticket_events", "ticket_events_default"
AHEAD = 3  # months created ahead of the current one by the daily job
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> date:
    """"2026-03" → date(2026, 3, 1); anything else is a ValidationError."""
    found = _MONTH.match((value or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValidationError("errors.event_month", {"month": Text("errors.field.invalid")}, month=value)
    return date(int(found.group(1)), int(found.group(2)), 1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def name_of(month: date) -> str:
    return f"{PARENT}_{month:%Y_%m}"


def _bound(month: date) -> str:
    return f"{month:%Y-%m-%d} 00:00:00+00"


def partitions(session: Session) -> list[dict]:
    """The attached partitions, oldest first (the default last): name, month, estimated rows, size."""
    rows = session.execute(text("""
        SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
               greatest(c.reltuples, 0)::bigint AS rows, pg_total_relation_size(c.oid) AS bytes
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = CAST(:parent AS regclass)
         ORDER BY c.relname""").bindparams(parent=PARENT)).mappings()
    out = []
    for row in rows:
        found = re.match(rf"^{PARENT}_(\d{{4}})_(\d{{2}})$", row["name"])
        out.append({"name": row["name"], "month": date(int(found.group(1)), int(found.group(2)), 1) if found else None,
                    "rows": row["rows"], "bytes": row["bytes"], "bound": row["bound"]})
    return sorted(out, key=lambda p: (p["month"] is None, p["month"] or date.min))


def ensure_month(session: Session, month: date) -> bool:
    """Create the month's partition if it is missing (True when created). Rows of that month already in the
    default partition move into it first: PostgreSQL refuses to attach a range the default still holds."""
    name = name_of(month)
    if session.scalar(text("SELECT to_regclass(:n)").bindparams(n=name)) is not None:
        return False
    low, high = _bound(month), _bound(add_months(month, 1))
    session.execute(text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    session.execute(text(f"""
        WITH moved AS (DELETE FROM {DEFAULT} WHERE at >= '{low}' AND at < '{high}' RETURNING *)
        INSERT INTO {name} SELECT * FROM moved"""))
    # The CHECK lets ATTACH skip scanning the new table for rows outside the month.
    session.execute(text(f"ALTER TABLE {name} ADD CONSTRAINT {name}_month CHECK (at >= '{low}' AND at < '{high}')"))
    session.execute(text(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')"))
    session.execute(text(f"ALTER TABLE {name} DROP CONSTRAINT {name}_month"))
    return True


def ensure_since(session: Session, start: datetime, ahead: int = AHEAD) -> list[str]:
    """Every month from `start`'s to three ahead of now (a bulk load of history, before its rows arrive)."""
    month = start.astimezone(timezone.utc).date().replace(day=1)
    last = add_months(datetime.now(timezone.utc).date().replace(day=1), ahead)
    made = []
    while month <= last:
        if ensure_month(session, month):
            made.append(name_of(month))
        month = add_months(month, 1)
    return made


def ensure(session: Session, ahead: int = AHEAD, now: datetime | None = None) -> list[str]:
    """The current month's partition and the next `ahead` months' (the daily job calls this); the names
    created. Never commits."""
    today = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date().replace(day=1)
    return [name_of(m) for m in (add_months(today, i) for i in range(ahead + 1)) if ensure_month(session, m)]


def detach(session: Session, month: date, now: datetime | None = None) -> str:
    """Detach a past month's partition: it stays as a plain table of that name, out of every query on
    ticket_events, to be dumped (pg_dump -t NAME) and dropped. The current and future months are refused."""
    current = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date().replace(day=1)
    if month >= current:
        raise ValidationError("errors.event_month_current", {"month": Text("errors.field.invalid")},
                              month=f"{month:%Y-%m}")
    name = name_of(month)
    if name not in {p["name"] for p in partitions(session)}:
        raise ValidationError("errors.event_month_missing", {"month": Text("errors.field.invalid")},
                              month=f"{month:%Y-%m}")
    session.execute(text(f"ALTER TABLE {PARENT} DETACH PARTITION {name}"))
    return name

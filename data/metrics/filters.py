"""The analytics filter: a date range plus ticket attributes, read from and written to the URL.

Every metric query takes a `MetricFilter` and gets its WHERE fragment from `where()` so that all
charts on a page count the same tickets. Dates are local calendar days in the company's time
zone (data.config timezone); the range is inclusive of both ends.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from data.config import get_config
from data.models import CHANNELS

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
# URL key → tickets column. "agent" is the assignee; 0 means "unassigned".
ID_FILTERS = {"service": "service_id", "team": "team_id", "board": "board_id", "agent": "assignee_id",
              "priority": "priority_id", "type": "request_type_id"}
# Analytics URL key → ticket list URL key (data/ticket_query.parse_filter).
TICKET_LIST_KEYS = {"service": "service", "team": "team", "board": "board", "agent": "assignee",
                    "priority": "priority", "type": "type", "channel": "channel"}


def tz() -> ZoneInfo:
    return ZoneInfo(get_config().timezone)


def today() -> date:
    return datetime.now(tz()).date()


@dataclass(frozen=True)
class MetricFilter:
    date_from: date
    date_to: date  # inclusive
    service: tuple[int, ...] = ()
    team: tuple[int, ...] = ()
    board: tuple[int, ...] = ()
    agent: tuple[int, ...] = ()
    priority: tuple[int, ...] = ()
    type: tuple[int, ...] = ()
    channel: tuple[str, ...] = field(default_factory=tuple)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def start(self) -> datetime:
        """The range's first instant (local midnight)."""
        return datetime.combine(self.date_from, time.min, tzinfo=tz())

    @property
    def end(self) -> datetime:
        """The instant just after the range (exclusive)."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=tz())

    def previous(self) -> MetricFilter:
        """The period of the same length just before this one (for the KPI change)."""
        return replace(self, date_from=self.date_from - timedelta(days=self.days),
                       date_to=self.date_from - timedelta(days=1))

    def to_query(self) -> dict[str, str]:
        """URL parameters that reproduce this view."""
        out = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        for key in (*ID_FILTERS, "channel"):
            values = getattr(self, key)
            if values:
                out[key] = ",".join(map(str, values))
        return out

    def ticket_list_query(self, **extra) -> dict[str, str]:
        """The same attribute filters as /tickets URL parameters (dates are chosen per chart)."""
        out = {TICKET_LIST_KEYS[k]: ",".join(map(str, getattr(self, k))) for k in TICKET_LIST_KEYS
               if getattr(self, k)}
        out.update({k: str(v) for k, v in extra.items() if v not in (None, "")})
        return out


def parse(query: dict[str, str] | None, *, default_days: int = DEFAULT_DAYS) -> tuple[MetricFilter, list[str]]:
    """A filter from URL parameters; bad values are dropped and reported, never raised."""
    query, problems, values = query or {}, [], {}
    for key in ID_FILTERS:
        ids = []
        for part in filter(None, (p.strip() for p in str(query.get(key) or "").split(","))):
            (ids.append(int(part)) if part.isdigit() else problems.append(f"{key}={part}"))
        values[key] = tuple(sorted(set(ids)))
    channels = []
    for part in filter(None, (p.strip() for p in str(query.get("channel") or "").split(","))):
        (channels.append(part) if part in CHANNELS else problems.append(f"channel={part}"))
    values["channel"] = tuple(sorted(set(channels)))
    dates = {}
    for key in ("from", "to"):
        raw = str(query.get(key) or "").strip()[:10]
        if raw:
            try:
                dates[key] = date.fromisoformat(raw)
            except ValueError:
                problems.append(f"{key}={raw}")
    end = dates.get("to") or today()
    start = dates.get("from") or end - timedelta(days=default_days - 1)
    if start > end:
        problems.append(f"from={start.isoformat()}")
        start = end - timedelta(days=default_days - 1)
    if (end - start).days + 1 > MAX_DAYS:
        problems.append(f"from={start.isoformat()}")
        start = end - timedelta(days=MAX_DAYS - 1)
    return MetricFilter(date_from=start, date_to=end, **values), problems


def where(f: MetricFilter, alias: str = "t") -> tuple[str, dict]:
    """SQL conditions on the tickets table (aliased `alias`) for the attribute filters.

    Returns ("cond AND cond ...", params); "TRUE" when nothing is filtered. The date range is not
    included: each metric decides which date it ranges over (created, resolved, an event).
    """
    parts, params = ["TRUE"], {}
    for key, column in ID_FILTERS.items():
        ids = getattr(f, key)
        if not ids:
            continue
        named = [i for i in ids if i]
        cond = [f"{alias}.{column} = ANY(:f_{key})"] if named else []
        if key == "agent" and 0 in ids:
            cond.append(f"{alias}.{column} IS NULL")
        parts.append("(" + " OR ".join(cond or ["FALSE"]) + ")")
        params[f"f_{key}"] = named
    if f.channel:
        parts.append(f"{alias}.channel = ANY(:f_channel)")
        params["f_channel"] = list(f.channel)
    return " AND ".join(parts), params


def range_params(f: MetricFilter) -> dict:
    """Bind parameters every metric query shares: the range and the time zone."""
    return {"start": f.start, "end": f.end, "tz": get_config().timezone,
            "d_from": f.date_from, "d_to": f.date_to}

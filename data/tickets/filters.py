"""Which tickets: the one filter of the ticket list, its exports, the board and analytics.

A `TicketFilter` is read from URL parameters or a page's store (`parse`), written back to a URL
(`to_query`) and turned into SQL over the tickets table (`where`): the same conditions for a list,
a board, an export and a chart, so a click from a chart to the list shows the tickets it counted.
Empty means "any"; in `assignee`, 0 means "unassigned". Dates are local calendar days in the
company's time zone, both ends included.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from data.config import get_config
from data.models import CHANNELS, COLUMN_KINDS
from data.tickets.status import done_before, done_since
from data.tickets.tags import MAX_LENGTH as MAX_TAG_LENGTH, MAX_TAGS, normalise_one as normalise_tag

# Filter key (also its URL parameter) → tickets column. `type` is the request type.
ID_KEYS = {"service": "service_id", "type": "request_type_id", "column": "column_id", "assignee": "assignee_id",
           "priority": "priority_id", "team": "team_id", "board": "board_id"}
CHOICE_KEYS = {"status": COLUMN_KINDS, "channel": CHANNELS}
DAY_KEYS = ("created_from", "created_to", "resolved_from", "resolved_to")
OLD_NAMES = {"agent": "assignee"}  # analytics links written before the glossary said "assignee"
PERIOD_KEYS = {"date_from": "from", "date_to": "to"}  # the analytics period's URL parameters
# The SLA filter's choices (several = any of them). The ticket keeps its nearest running due time and the
# moment it turns "at risk" (data/sla/recompute.py), the same columns the board's signal reads.
SLA_CHOICES = ("at_risk", "breached", "due_today")
MAX_Q = 200


def tz() -> ZoneInfo:
    return ZoneInfo(get_config().timezone)


def today() -> date:
    return datetime.now(tz()).date()


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz())


@dataclass
class TicketFilter:
    service: list[int] = field(default_factory=list)
    type: list[int] = field(default_factory=list)  # request types
    column: list[int] = field(default_factory=list)
    assignee: list[int] = field(default_factory=list)  # 0 means "unassigned"
    priority: list[int] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    board: list[int] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    sla: list[str] = field(default_factory=list)  # SLA_CHOICES
    created_from: date | None = None
    created_to: date | None = None
    resolved_from: date | None = None  # done in these days (analytics click-throughs)
    resolved_to: date | None = None
    tag: list[str] = field(default_factory=list)  # any of these tags (data/tickets/tags.py normalises)
    q: str = ""  # words of the title, or a ticket's #number
    mine: bool = False  # only the viewer's own tickets (the board's toggle)
    # The analytics period: each metric decides which date it ranges over (created, resolved, an event).
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    def __post_init__(self) -> None:  # callers may pass tuples (analytics code did)
        for key in (*ID_KEYS, *CHOICE_KEYS, "sla", "tag"):
            setattr(self, key, list(getattr(self, key)))

    @classmethod
    def from_dict(cls, data: dict | None) -> TicketFilter:
        """From a page's store (lists of ids, "q", "mine"): bad values are dropped, never an error."""
        return parse(data)[0]

    @property
    def agent(self) -> list[int]:
        """The assignee filter under the name the analytics filter bar still uses."""
        return self.assignee

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def start(self) -> datetime:
        """The period's first instant (local midnight)."""
        return local_midnight(self.date_from)

    @property
    def end(self) -> datetime:
        """The instant just after the period (exclusive)."""
        return local_midnight(self.date_to + timedelta(days=1))

    def previous(self) -> TicketFilter:
        """The period of the same length just before this one (for the KPI change)."""
        return replace(self, date_from=self.date_from - timedelta(days=self.days),
                       date_to=self.date_from - timedelta(days=1))

    def to_query(self) -> dict[str, str]:
        """URL parameters that reproduce this filter (only what is set)."""
        out = {url: getattr(self, key).isoformat() for key, url in PERIOD_KEYS.items() if getattr(self, key)}
        for key in (*ID_KEYS, *CHOICE_KEYS, "sla", "tag"):
            if getattr(self, key):
                out[key] = ",".join(map(str, getattr(self, key)))
        out.update({key: getattr(self, key).isoformat() for key in DAY_KEYS if getattr(self, key)})
        if self.q:
            out["q"] = self.q
        if self.mine:
            out["mine"] = "1"
        return out

    def ticket_list_query(self, **extra) -> dict[str, str]:
        """The same filter as /tickets URL parameters, without the period (each chart picks its dates)."""
        out = {k: v for k, v in self.to_query().items() if k not in PERIOD_KEYS.values()}
        out.update({k: str(v) for k, v in extra.items() if v not in (None, "")})
        return out


def _parts(raw) -> list[str]:
    """A URL value "1,2" or a store's list [1, "2"] as stripped, non-empty strings."""
    items = raw if isinstance(raw, (list, tuple)) else str(raw or "").split(",")
    return [s for s in (str(x).strip() for x in items) if s]


def parse(query: dict | None, *, period_days: int | None = None, max_days: int | None = None
          ) -> tuple[TicketFilter, list[str]]:
    """A filter from URL parameters or a page's store. Bad values are dropped and reported, never raised.

    With `period_days`, the analytics period is read too (from/to), defaulting to that many days up
    to today and cut to `max_days`.
    """
    query = dict(query) if isinstance(query, dict) else {}  # a forged store: no filter, never an error
    for old, new in OLD_NAMES.items():
        if old in query and not query.get(new):
            query[new] = query[old]
    values: dict = {}
    problems: list[str] = []
    for key in ID_KEYS:
        ids = set()
        for part in _parts(query.get(key)):
            (ids.add(int(part)) if part.isdigit() else problems.append(f"{key}={part}"))
        values[key] = sorted(ids)
    for key, allowed in CHOICE_KEYS.items():
        chosen = set()
        for part in _parts(query.get(key)):
            (chosen.add(part) if part in allowed else problems.append(f"{key}={part}"))
        values[key] = sorted(chosen)
    values["sla"] = [c for c in SLA_CHOICES if c in _parts(query.get("sla"))]
    problems += [f"sla={c}" for c in _parts(query.get("sla")) if c not in SLA_CHOICES]
    for key in DAY_KEYS:
        values[key] = _day(query.get(key), key, problems)
    values["tag"] = _tags(query.get("tag"), problems)
    values["q"] = str(query.get("q") or "").strip()[:MAX_Q]
    values["mine"] = query.get("mine") is True or str(query.get("mine") or "").lower() in ("1", "true", "yes", "on")
    if period_days is not None:
        values.update(_period(query, period_days, max_days, problems))
    return TicketFilter(**values), problems


def _tags(raw, problems: list[str]) -> list[str]:
    """The tag filter: tags as stored (trimmed, lower-case); one longer than a tag may be is reported."""
    tags = set()
    for part in _parts(raw):
        tag = normalise_tag(part)
        (tags.add(tag) if len(tag) <= MAX_TAG_LENGTH else problems.append(f"tag={part[:MAX_TAG_LENGTH]}…"))
    return sorted(tags)[:MAX_TAGS]


def _day(raw, key: str, problems: list[str]) -> date | None:
    raw = str(raw or "").strip()[:10]
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(f"{key}={raw}")
        return None


def _period(query: dict, default_days: int, max_days: int | None, problems: list[str]) -> dict:
    end = _day(query.get("to"), "to", problems) or today()
    start = _day(query.get("from"), "from", problems) or end - timedelta(days=default_days - 1)
    if start > end:
        problems.append(f"from={start.isoformat()}")
        start = end - timedelta(days=default_days - 1)
    if max_days and (end - start).days + 1 > max_days:
        problems.append(f"from={start.isoformat()}")
        start = end - timedelta(days=max_days - 1)
    return {"date_from": start, "date_to": end}


def ticket_number(text: str) -> int | None:
    """The ticket number someone typed: "1234" or "#1234"; None for anything else."""
    digits = str(text or "").strip().lstrip("#")
    return int(digits) if digits.isdigit() and len(digits) < 15 else None


def _like(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def where(f: TicketFilter, alias: str = "t", *, me: int | None = None) -> tuple[str, dict]:
    """SQL conditions on the tickets table (aliased `alias`): ("cond AND cond …", params).

    "TRUE" when nothing is filtered. The analytics period is not included: each metric decides
    which date it ranges over. `me` is the viewer, for `mine`.
    """
    a, parts, params = alias, ["TRUE"], {}
    for key, column in ID_KEYS.items():
        ids = getattr(f, key)
        if not ids:
            continue
        named = [i for i in ids if i]
        cond = [f"{a}.{column} = ANY(:f_{key})"] if named else []
        if named:
            params[f"f_{key}"] = named
        if key == "assignee" and 0 in ids:
            cond.append(f"{a}.{column} IS NULL")
        parts.append("(" + " OR ".join(cond or ["FALSE"]) + ")")
    for key in CHOICE_KEYS:
        if getattr(f, key):
            parts.append(f"{a}.{key} = ANY(:f_{key})")
            params[f"f_{key}"] = list(getattr(f, key))
    for key, cond, day in (("created_from", f"{a}.created_at >= :f_created_from", f.created_from),
                           ("created_to", f"{a}.created_at < :f_created_to", f.created_to),
                           ("resolved_from", done_since(":f_resolved_from", a), f.resolved_from),
                           ("resolved_to", done_before(":f_resolved_to", a), f.resolved_to)):
        if day:
            parts.append(cond)
            params[f"f_{key}"] = local_midnight(day + timedelta(days=1) if key.endswith("_to") else day)
    if f.tag:  # any of them, through the GIN index on tags
        parts.append(f"{a}.tags && CAST(:f_tag AS text[])")
        params["f_tag"] = list(f.tag)
    if f.sla:
        parts.append("(" + " OR ".join(_sla_condition(choice, a, params) for choice in f.sla) + ")")
    if f.q:
        params["f_q"] = _like(f.q.lower())
        number = ticket_number(f.q)
        if number is None:
            parts.append(f"lower({a}.title) LIKE :f_q")
        else:
            parts.append(f"(lower({a}.title) LIKE :f_q OR {a}.number = :f_number)")
            params["f_number"] = number
    if f.mine:
        if me is None:
            parts.append("FALSE")
        else:
            parts.append(f"{a}.assignee_id = :f_me")
            params["f_me"] = me
    return " AND ".join(parts), params


def _sla_condition(choice: str, a: str, params: dict) -> str:
    """One SLA choice as SQL. Breached: a target was missed (also on closed tickets) or a running clock is
    past due. At risk: a running clock past its warning time, not yet due. Due today: a running clock due
    before the company's midnight (including what is already overdue today)."""
    if choice == "breached":
        return (f"(coalesce({a}.sla_first_response_breached, false) OR coalesce({a}.sla_resolution_breached, false)"
                f" OR {a}.sla_due_at <= now())")
    if choice == "at_risk":
        return (f"({a}.sla_at_risk_at <= now() AND {a}.sla_due_at > now()"
                f" AND NOT coalesce({a}.sla_first_response_breached, false)"
                f" AND NOT coalesce({a}.sla_resolution_breached, false))")
    params["f_sla_today"] = local_midnight(today())
    params["f_sla_tomorrow"] = local_midnight(today() + timedelta(days=1))
    return f"({a}.sla_due_at >= :f_sla_today AND {a}.sla_due_at < :f_sla_tomorrow)"

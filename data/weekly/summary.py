"""The weekly load summary: ISO weeks in the company's time zone and the summary itself.

`summary(session, actor, week, team_ids)` returns a plain, JSON-ready dict that the page, the
offline HTML file, the PDF, the email and the Telegram message all render — one set of numbers.
Every figure comes from data/metrics for the week's filter (data/weekly/numbers.py), so the
numbers equal the analytics pages'.
"""
from __future__ import annotations

import re
import statistics
from decimal import Decimal
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.metrics import csat
from data.weekly import numbers
from data.config import get_config
from data.errors import Text, ValidationError
from data.models import Service, Team, Ticket, User

WEEK_RE = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
# The figures each block shows, in order (keys of data.metrics.kpi.kpis).
FIGURES = ("created", "resolved", "backlog", "sla_met", "cycle_p50", "first_response_p50")
LOWER_IS_BETTER = {"backlog", "cycle_p50", "first_response_p50"}
NEUTRAL = {"created"}  # more requests is neither good nor bad news
MAX_SERVICES = 12


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week (Monday to Sunday, local calendar days)."""
    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def parse(cls, text: str) -> Week:
        m = WEEK_RE.match(text or "")
        if not m:
            raise ValidationError("errors.iso_week", {"week": Text("errors.field.week_format")}, week=text)
        try:
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise ValidationError("errors.no_such_week", {"week": Text("errors.field.invalid")}, week=text) from None
        return cls.of(start)

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    def previous(self) -> Week:
        return Week.of(self.start - timedelta(days=7))

    def next(self) -> Week:
        return Week.of(self.start + timedelta(days=7))


def local_now(now: datetime | None = None) -> datetime:
    tz = ZoneInfo(get_config().timezone)
    return (now or datetime.now(tz)).astimezone(tz)


def last_full_week(now: datetime | None = None) -> Week:
    """The most recent Monday–Sunday week that has ended, in the company's time zone."""
    return Week.of(local_now(now).date() - timedelta(days=7))


def _figures(kpis: dict) -> dict:
    out = {}
    for key in FIGURES:
        k = kpis[key]
        value, previous = k["value"], k["previous"]
        delta = None if value is None or previous is None else value - previous
        out[key] = {"value": value, "previous": previous, "change": k["change"], "delta": delta,
                    "good": None if not delta or key in NEUTRAL else (delta < 0) == (key in LOWER_IS_BETTER)}
    return out


def _agents(people: list[dict]) -> dict:
    """Per agent: resolved this week against the team's median, and open now."""
    people = [a for a in people if a["resolved"] or a["open_now"]]
    median = statistics.median([a["resolved"] for a in people]) if people else 0
    for a in people:
        a["vs_median"] = (a["resolved"] / median - 1) if median else None
    return {"median_resolved": median, "agents": people}


def _block(kpis: dict, kind: str, scope_id: int | None, name: str) -> dict:
    figures = kpis[(kind, scope_id)]
    return {"kind": kind, "id": scope_id, "name": name, "figures": _figures(figures), "breaches_by_weekday": {}}


def _active(block: dict) -> bool:
    fig = block["figures"]
    return any(fig[k]["value"] or fig[k]["previous"] for k in ("created", "resolved", "backlog"))


def summary(session: Session, actor: User, week: Week, team_ids: list[int] | None = None) -> dict:
    """Company (or the chosen teams together), each team, the busiest services, agents, overdue work."""
    teams_filter = tuple(sorted(set(team_ids or ())))
    tz = ZoneInfo(get_config().timezone)
    company_f = numbers.week_filter(week.start, week.end, teams=teams_filter)
    team_rows = session.execute(select(Team.id, Team.name).where(Team.id.in_(teams_filter) if teams_filter else True)
                                .order_by(Team.line_level.nulls_last(), Team.name)).all()
    service_rows = _busiest_services(session, week, teams_filter)
    kpis = numbers.scoped_kpis(session, actor, company_f, [i for i, _n in team_rows], [i for i, _n in service_rows])
    company = _block(kpis, "company", None, "")
    teams = [b for b in (_block(kpis, "team", i, name) for i, name in team_rows) if _active(b)]
    people = numbers.team_agents(session, actor, company_f, [t["id"] for t in teams])
    for block in teams:
        block.update(_agents(people.get(block["id"], [])))
    services = [_block(kpis, "service", i, name) for i, name in service_rows]
    for row in numbers.breaches_by_weekday(session, actor, company_f, "team_id"):
        for block in [company] + [t for t in teams if t["id"] == row["scope_id"]]:
            by_day = block["breaches_by_weekday"]
            by_day[row["weekday"]] = by_day.get(row["weekday"], 0) + row["breached"]
    return _plain({
        "week": week.label, "start": week.start.isoformat(), "end": week.end.isoformat(),
        "previous_week": week.previous().label, "team_ids": list(teams_filter),
        "scope": [name for _id, name in team_rows] if teams_filter else [],
        "generated_at": local_now().isoformat(timespec="minutes"), "timezone": get_config().timezone,
        "company": company, "teams": teams, "services": services,
        "csat": csat.summary(session, actor, company_f),
        "daily": [{"day": r["bucket"].isoformat(), "created": r["created"], "resolved": r["resolved"],
                   "backlog": r["backlog"]}
                  for r in numbers.daily(session, actor, company_f)],
        "overdue": [dict(r, due_at=r["due_at"].astimezone(tz).isoformat(timespec="minutes"),
                         overdue_hours=float(r["overdue_hours"]))
                    for r in numbers.overdue(session, actor, company_f)],
    })


def _plain(value):
    """JSON-ready: Decimal → float, dates → ISO text (the summary is stored, sent and rendered)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _busiest_services(session: Session, week: Week, teams: tuple[int, ...]) -> list[tuple[int, str]]:
    """Services with the most tickets created in the week or the one before (an index range scan)."""
    tz = ZoneInfo(get_config().timezone)
    since = datetime.combine(week.previous().start, datetime.min.time(), tzinfo=tz)
    until = datetime.combine(week.end + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    stmt = (select(Service.id, Service.name).join(Ticket, Ticket.service_id == Service.id)
            .where(Ticket.created_at >= since, Ticket.created_at < until)
            .group_by(Service.id).order_by(func.count().desc(), Service.name).limit(MAX_SERVICES))
    if teams:
        stmt = stmt.where(Ticket.team_id.in_(teams))
    return [tuple(r) for r in session.execute(stmt)]

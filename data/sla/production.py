"""The production calendar: which days are off, which weekend days are worked and which are an hour shorter,
for a country and year.

Built in from the `holidays` package (its Russian calendar knows the public holidays and the government's
transfers of days off for the years a decree exists). Shortened days are not in that package; Labor Code
art. 95 shortens the working day immediately before a public holiday (art. 112) by one hour, and the
transfer decrees also shorten a working Saturday that precedes the holidays — that is what `_short_days`
derives. An admin can import an official year (XML or CSV, data/sla/production_formats.py); an imported year
replaces the built-in one entirely, so the official file is the authority when there is one.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from data.models import ProductionDay, ProductionYear
from data.sla.production_formats import YearDays

COUNTRIES = ("RU",)
# Art. 112 of the Labor Code: the public holidays (month, day) whose eve is shortened.
RU_PUBLIC_HOLIDAYS = {(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (2, 23), (3, 8), (5, 1),
                      (5, 9), (6, 12), (11, 4)}


@lru_cache(maxsize=256)
def built_in(country: str, year: int) -> YearDays:
    # Imported here, not at the top: the package takes ~0.3 s (every country's calendar) to import, paid by
    # every worker process and email parser at start, and only a year not yet in the database needs it.
    import holidays as holidays_package
    found = YearDays(year)
    table = holidays_package.country_holidays(country, years=year)
    found.off = {d for d in table if d.weekday() < 5 and d.year == year}
    found.work = {d for d in getattr(table, "weekend_workdays", ()) if d.year == year}
    if country == "RU":
        found.short = _short_days(year, found)
    return found


def _short_days(year: int, days: YearDays) -> set[date]:
    def working(d: date) -> bool:
        return d in days.work or (d.weekday() < 5 and d not in days.off)

    short = set()
    for month, day in RU_PUBLIC_HOLIDAYS:
        eve = date(year, month, day) - timedelta(days=1)
        if eve.year == year and working(eve):
            short.add(eve)
    # A transferred working Saturday before holidays is shortened too (2024-04-27, 2024-11-02, 2025-11-01).
    # The walk may cross into January: New Year's Day is always a public holiday, so it stops there.
    for saturday in days.work:
        ahead = saturday + timedelta(days=1)
        while (ahead.month, ahead.day) not in RU_PUBLIC_HOLIDAYS and not working(ahead):
            ahead += timedelta(days=1)
        if (ahead.month, ahead.day) in RU_PUBLIC_HOLIDAYS:
            short.add(saturday)
    return short


def year_days(session: Session, country: str, year: int) -> tuple[YearDays, str]:
    """(the year's days, where they come from: the imported file's name, or "builtin")."""
    imported = session.get(ProductionYear, (country, year))
    if imported is None:
        return built_in(country, year), "builtin"
    found = YearDays(year)
    for row in session.scalars(select(ProductionDay).where(ProductionDay.country == country,
                                                           ProductionDay.year == year)):
        {"off": found.off, "work": found.work, "short": found.short}[row.kind].add(row.day)
    return found, imported.source


def span(session: Session, country: str, first: int, last: int) -> YearDays:
    """Every year from first to last merged: what a calendar needs for its clock."""
    merged = YearDays(first)
    for year in range(first, last + 1):
        days, _ = year_days(session, country, year)
        merged.off |= days.off
        merged.work |= days.work
        merged.short |= days.short
    return merged


def stamp(session: Session) -> str:
    """Changes when an admin imports a year: part of the SLA policies' cache key."""
    count, latest = session.execute(select(func.count(), func.max(ProductionYear.imported_at))).one()
    return f"{count}/{latest}"


def store_year(session: Session, country: str, days: YearDays, source: str, actor_id: int | None) -> ProductionYear:
    """Replace any earlier import of that year with these days."""
    session.execute(delete(ProductionYear).where(ProductionYear.country == country, ProductionYear.year == days.year))
    session.flush()
    row = ProductionYear(country=country, year=days.year, source=(source or "upload")[:200], imported_by_id=actor_id)
    session.add(row)
    session.flush()
    session.add_all(ProductionDay(country=country, year=days.year, day=d, kind=k) for d, k in days.kinds())
    session.flush()
    return row


def imported_years(session: Session, country: str) -> list[ProductionYear]:
    return list(session.scalars(select(ProductionYear).where(ProductionYear.country == country)
                                .order_by(ProductionYear.year)))

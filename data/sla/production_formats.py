"""The two public formats of the Russian production calendar, read into the days that differ from a plain
Monday-to-Friday week.

- XML as published by the production-calendar data sets (xmlcalendar.ru and its mirrors):
  `<calendar year="2025"><days><day d="01.01" t="1"/> … </days></calendar>`, `d` = MM.DD, `t` = 1 day off,
  2 shortened working day, 3 working day on a weekend.
- CSV of the open-data set (data.gov.ru, "Производственный календарь"): a header row, then one row per year —
  `Год/Месяц`, then twelve month cells listing the days off ("1,2,3,8,9"), where `7*` marks a shortened
  working day and `4+` a day off moved from elsewhere; a weekend day not listed is a working day.

Pure: bytes in, {year: YearDays} out, a ValueError with a message key on bad input.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from xml.etree import ElementTree

from data.errors import ValidationError
from data.i18n import N_


@dataclass
class YearDays:
    """How a year differs from Monday-to-Friday: weekdays off, working weekend days, shortened days."""

    year: int
    off: set[date] = field(default_factory=set)
    work: set[date] = field(default_factory=set)
    short: set[date] = field(default_factory=set)

    def kinds(self) -> list[tuple[date, str]]:
        return sorted([(d, "off") for d in self.off] + [(d, "work") for d in self.work]
                      + [(d, "short") for d in self.short])


def _bad(key: str, **params) -> ValidationError:
    return ValidationError(key, {"file": key}, **params)


def parse(content: bytes, filename: str = "") -> dict[int, YearDays]:
    """Either format, told apart by its first non-blank character."""
    text = _decode(content)
    if text.lstrip().startswith("<"):
        return parse_xml(text)
    return parse_csv(text)


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):  # the open-data CSV has been published in both
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _bad(N_("errors.production.unreadable"))


def parse_xml(text: str) -> dict[int, YearDays]:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise _bad(N_("errors.production.unreadable")) from None
    if root.tag != "calendar" or not (root.get("year") or "").isdigit():
        raise _bad(N_("errors.production.no_year"))
    year = YearDays(int(root.get("year")))
    for node in root.iter("day"):
        try:
            month, day = (int(x) for x in (node.get("d") or "").split("."))
            when = date(year.year, month, day)
        except ValueError:
            raise _bad(N_("errors.production.bad_day"), day=node.get("d") or "") from None
        kind = {"1": year.off, "2": year.short, "3": year.work}.get(node.get("t") or "")
        if kind is None:
            raise _bad(N_("errors.production.bad_day"), day=node.get("d") or "")
        if kind is year.off and when.weekday() >= 5:
            continue  # a weekend that stays a weekend is not an exception
        kind.add(when)
    return {year.year: year}


def parse_csv(text: str) -> dict[int, YearDays]:
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    years: dict[int, YearDays] = {}
    for row in rows:
        head = row[0].strip()
        if not head.isdigit():
            continue  # the header row
        if len(row) < 13:
            raise _bad(N_("errors.production.bad_row"), year=head)
        found = YearDays(int(head))
        listed_off: set[date] = set()
        for month, cell in enumerate(row[1:13], start=1):
            for item in cell.replace(" ", "").split(","):
                if not item:
                    continue
                number = item.rstrip("*+")
                try:
                    when = date(found.year, month, int(number))
                except ValueError:
                    raise _bad(N_("errors.production.bad_day"), day=f"{item}.{month:02d}.{found.year}") from None
                (found.short if item.endswith("*") else listed_off).add(when)
        day = date(found.year, 1, 1)
        while day.year == found.year:
            weekend = day.weekday() >= 5
            if weekend and day not in listed_off:
                found.work.add(day)
            elif not weekend and day in listed_off:
                found.off.add(day)
            day += timedelta(days=1)
        years[found.year] = found
    if not years:
        raise _bad(N_("errors.production.no_year"))
    return years

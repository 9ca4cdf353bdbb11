"""`/admin/calendars`: business calendars — working intervals per weekday, time zone, holidays, extra days,
shortened days and the country whose production calendar the calendar follows."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from components import sla_admin as ui
from components.guard import allowed, denied
from components.i18n import N_, _
from data.sla import admin as sla_admin
from data.config import get_config
from data.sla.calendars import WEEKDAYS
from data.db import read_session
from data.models import BusinessCalendar

dash.register_page(__name__, path="/admin/calendars", title="Okno · Calendars")

P = "cal"
# Weekdays are shown as _(f"slaadmin.day.{day}"): the message ids, for extraction.
DAY_LABELS = {"mon": N_("slaadmin.day.mon"), "tue": N_("slaadmin.day.tue"), "wed": N_("slaadmin.day.wed"),
              "thu": N_("slaadmin.day.thu"), "fri": N_("slaadmin.day.fri"), "sat": N_("slaadmin.day.sat"),
              "sun": N_("slaadmin.day.sun")}
LABELS = {"name": N_("slaadmin.name"), "timezone": N_("slaadmin.tz"), "holidays": N_("slaadmin.holidays"),
          "extra_days": N_("slaadmin.extra_days"), "short_days": N_("slaadmin.short_days"),
          "country": N_("slaadmin.country"), **{d: f"slaadmin.day.{d}" for d in WEEKDAYS}}
COUNTRY_OPTIONS = [{"label": N_("slaadmin.country.RU"), "value": "RU"}]


def _hours_text(spans) -> str:
    return ", ".join(f"{a}-{b}" for a, b in spans or ())


def _table():
    with read_session() as s:
        rows = sla_admin.calendars(s)
        if not rows:
            return html.P(_("slaadmin.none"), className="text-muted")
        head = html.Thead(html.Tr([html.Th(_("slaadmin.name")), html.Th(_("slaadmin.tz")),
                                   html.Th(_("slaadmin.hours")), html.Th(_("slaadmin.holidays")), html.Th("")]))
        body = [html.Tr([html.Td(c.name), html.Td(c.timezone),
                         html.Td("; ".join(f"{_(f'slaadmin.day.{d}')[:2]} {_hours_text(c.hours.get(d))}"
                                           for d in WEEKDAYS if c.hours.get(d)), className="small"),
                         html.Td(len(c.holidays or ())), ui.row_buttons(P, c.id)]) for c in rows]
        return dbc.Table([head, html.Tbody(body)], size="sm", responsive=True, hover=True, id=f"{P}-table")


def _form():
    def f(key, label, comp, w=6, h=None):
        return ui.labelled(P, key, _(label), comp, w, h)
    days = [f(d, f"slaadmin.day.{d}", ui.text_input(P, d, placeholder="09:00-13:00, 14:00-18:00"), 3)
            for d in WEEKDAYS]
    return ui.form_card(P, dbc.Row([f("name", N_("slaadmin.name"), ui.text_input(P, "name"), 6),
                                    f("timezone", N_("slaadmin.tz"), ui.text_input(P, "timezone", value=get_config().timezone),
                                      6)]),
                        dbc.Row([f("country", N_("slaadmin.country"),
                                   ui.select(P, "country", [{"label": _(o["label"]), "value": o["value"]}
                                                            for o in COUNTRY_OPTIONS], empty=_("slaadmin.country.none")),
                                   6, _("slaadmin.country_help"))]),
                        html.H6(_("slaadmin.hours")), dbc.FormText(_("slaadmin.hours_help")), dbc.Row(days),
                        dbc.Row([f("holidays", N_("slaadmin.holidays"), dbc.Textarea(id=ui.fid(P, "holidays"), rows=4),
                                   6, _("slaadmin.dates_help")),
                                 f("extra_days", N_("slaadmin.extra_days"),
                                   dbc.Textarea(id=ui.fid(P, "extra_days"), rows=4), 6, _("slaadmin.dates_help")),
                                 f("short_days", N_("slaadmin.short_days"),
                                   dbc.Textarea(id=ui.fid(P, "short_days"), rows=3), 6, _("slaadmin.short_days_help"))]))


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    return ui.page(P, "/admin/calendars", N_("slaadmin.calendars"), _table(), _form())


def _to_form(c: BusinessCalendar | None) -> dict:
    if c is None:
        return {"timezone": get_config().timezone, "country": "RU", **{d: "09:00-18:00" for d in WEEKDAYS[:5]}}
    return {"name": c.name, "timezone": c.timezone, **{d: _hours_text(c.hours.get(d)) for d in WEEKDAYS},
            "holidays": "\n".join(d.isoformat() for d in c.holidays or ()),
            "extra_days": "\n".join(d.isoformat() for d in c.extra_days or ()),
            "short_days": "\n".join(d.isoformat() for d in c.short_days or ()), "country": c.country or ""}


def _save(session, actor, calendar_id, v):
    cal = sla_admin.save_calendar(session, actor, calendar_id, name=v.get("name") or "",
                                  timezone=v.get("timezone") or "", hours={d: v.get(d) or "" for d in WEEKDAYS},
                                  holidays=v.get("holidays") or "", extra_days=v.get("extra_days") or "",
                                  short_days=v.get("short_days") or "", country=v.get("country") or None)
    return cal.id, cal.name


ui.register_save(P, _save, LABELS, _table, has_multi=False)
ui.register_editing(P, sla_admin.get_calendar, _to_form, sla_admin.delete_calendar, _table, has_multi=False)

"""`/recurring`: recurring requests — a template (service, form, title, on whose behalf, for whom) and a
schedule in the company calendar, with the next five dates shown as the schedule is typed."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from components import sla_admin as ui
from components.guard import allowed, denied
from components.i18n import N_, _, error_message
from data.catalog import lookups
from data.config import company_tz
from data.db import read_session
from data.errors import OknoError
from data.intake import recurring
from data.sla import admin as sla_admin
from data.sla.calendars import WEEKDAYS

dash.register_page(__name__, path="/recurring", title="Okno · Recurring requests")

P = "rec"
KIND_LABELS = {"monthly_workday": N_("recurring.kind.monthly_workday"), "weekly": N_("recurring.kind.weekly"),
               "cron": N_("recurring.kind.cron")}
LABELS = {"name": N_("recurring.name"), "service": N_("recurring.service"), "request_type": N_("recurring.type"),
          "title": N_("recurring.title"), "fields": N_("recurring.fields"),
          "requester_email": N_("recurring.requester"), "assignee": N_("recurring.assignee"),
          "schedule_kind": N_("recurring.kind"), "schedule_n": N_("recurring.n"),
          "schedule_weekdays": N_("recurring.weekdays"), "schedule_at": N_("recurring.at"),
          "schedule_cron": N_("recurring.cron"), "calendar": N_("recurring.calendar")}
SCHEDULE_KEYS = ("kind", "n", "at", "cron", "workdays_only")


def _when(moment) -> str:
    return moment.astimezone(company_tz()).strftime("%d.%m.%Y %H:%M") if moment else "—"


def _table():
    with read_session() as s:
        rows = recurring.listing(s, ui.acting_user(s))
    if not rows:
        return html.P(_("recurring.none"), className="text-muted", id=f"{P}-empty")
    head = html.Thead(html.Tr([html.Th(_(k)) for k in (N_("recurring.name"), N_("recurring.service"),
                                                        N_("recurring.next"), N_("recurring.last"))] + [html.Th("")]))

    def last(r):
        if r["last_number"]:
            return html.A(f"#{r['last_number']}", href=f"/tickets/{r['last_number']}")
        if r["last_error"]:
            return html.Span(_("recurring.failed", reason=r["last_error"]), className="text-danger small")
        return "—"
    body = [html.Tr([html.Td(r["name"]), html.Td(r["service"]),
                     html.Td(_when(r["next_at"]) if r["is_active"] else _("recurring.paused")),
                     html.Td(last(r)), ui.row_buttons(P, r["id"])]) for r in rows]
    return dbc.Table([head, html.Tbody(body)], size="sm", responsive=True, hover=True, id=f"{P}-table")


def _form():
    with read_session() as s:
        services = lookups.services(s)
        types = lookups.request_types(s)
        staff = lookups.agents(s)
        calendars = [{"value": c.id, "label": c.name} for c in sla_admin.calendars(s)]

    def f(key, label, comp, w=6, h=None):
        return ui.labelled(P, key, _(label), comp, w, h)
    kind = ui.select(P, "kind", [{"value": k, "label": _(v)} for k, v in KIND_LABELS.items()], "—")
    kind.value = "monthly_workday"
    workdays = ui.select(P, "workdays_only", [{"value": "1", "label": _("recurring.workdays_only.yes")},
                                              {"value": "0", "label": _("recurring.workdays_only.no")}], "—")
    workdays.value = "1"
    active = ui.select(P, "is_active", [{"value": "1", "label": "✓"}], "—")
    active.value = "1"
    return ui.form_card(
        P,
        dbc.Row([f("name", LABELS["name"], ui.text_input(P, "name"), 6),
                 f("is_active", N_("recurring.active"), active, 2)]),
        dbc.Row([f("service", LABELS["service"], ui.select(P, "service", services), 6),
                 f("request_type", LABELS["request_type"], ui.select(P, "request_type", types, _("recurring.no_type")),
                   6)]),
        dbc.Row([f("title", LABELS["title"], ui.text_input(P, "title"), 6, _("recurring.title_help")),
                 f("requester_email", LABELS["requester_email"], ui.text_input(P, "requester_email", type="email"), 3,
                   _("recurring.requester_help")),
                 f("assignee", LABELS["assignee"], ui.select(P, "assignee", staff, _("recurring.by_routing")), 3)]),
        dbc.Row([f("description", N_("recurring.description"), dbc.Textarea(id=ui.fid(P, "description"), rows=2), 6),
                 f("fields", LABELS["fields"], dbc.Textarea(id=ui.fid(P, "fields"), rows=2), 6,
                   _("recurring.fields_help"))]),
        html.H6(_("recurring.schedule"), className="mt-2"),
        dbc.Row([f("kind", LABELS["schedule_kind"], kind, 3),
                 f("n", LABELS["schedule_n"], ui.text_input(P, "n", type="number", value=1), 2, _("recurring.n_help")),
                 f("weekdays", LABELS["schedule_weekdays"],
                   ui.multi(P, "weekdays", [{"value": d, "label": _(f"slaadmin.day.{d}")} for d in WEEKDAYS]), 3),
                 f("at", LABELS["schedule_at"], ui.text_input(P, "at", value="09:00"), 2),
                 f("workdays_only", N_("recurring.workdays_only"), workdays, 2)]),
        dbc.Row([f("cron", LABELS["schedule_cron"], ui.text_input(P, "cron", placeholder="0 9 * * 1-5"), 4,
                   _("recurring.cron_help")),
                 f("calendar", LABELS["calendar"], ui.select(P, "calendar", calendars, _("recurring.default_calendar")),
                   4)]),
        dbc.Alert(id=f"{P}-preview", color="light", className="py-2 small"),
    )


def layout(**_kw):
    if not allowed("recurring"):
        return denied()
    return html.Div([html.H3(_("recurring.page")), html.P(_("recurring.intro"), className="text-muted"),
                     html.Div(_table(), id=f"{P}-list"), _form(), dash.dcc.Store(id=f"{P}-id")])


def _schedule(v: dict, weekdays: list | None) -> dict:
    return {"kind": v.get("kind"), "n": v.get("n"), "at": v.get("at"), "cron": v.get("cron"),
            "workdays_only": v.get("workdays_only") != "0", "weekdays": weekdays or []}


@callback(Output(f"{P}-preview", "children"), Input(ui.all_fields(P), "value"), Input(ui.all_multi(P), "value"))
def show_preview(values, multi):
    v = {item["id"]["key"]: value for item, value in zip(dash.ctx.inputs_list[0], values or [])}
    chosen = {item["id"]["key"]: value for item, value in zip(dash.ctx.inputs_list[1], multi or [])}
    try:
        with read_session() as s:
            dates = recurring.preview(s, ui.acting_user(s), _schedule(v, chosen.get("weekdays")),
                                      ui.as_int(v.get("calendar")))
    except OknoError as err:
        return html.Span(error_message(err), className="text-danger")
    if not dates:
        return _("recurring.no_dates")
    return [html.Strong(_("recurring.next_dates")), " ", html.Span(", ".join(_when(d) for d in dates),
                                                                   id=f"{P}-dates")]


def _save(session, actor, recurring_id, values: dict):
    row = recurring.save(session, actor, recurring_id, name=values.get("name") or "",
                         service_id=values.get("service"), request_type_id=values.get("request_type") or None,
                         title=values.get("title") or "", description=values.get("description") or "",
                         fields=values.get("fields") or "", requester_email=values.get("requester_email") or "",
                         assignee_id=values.get("assignee") or None,
                         schedule=_schedule(values, values.get("weekdays")), calendar_id=values.get("calendar") or None,
                         is_active=values.get("is_active") == "1")
    return row.id, row.name


def _to_form(row) -> dict:
    if row is None:
        return {"kind": "monthly_workday", "n": 1, "at": "09:00", "workdays_only": "1", "is_active": "1",
                "weekdays": []}
    schedule = row.schedule or {}
    return {"name": row.name, "service": str(row.service_id), "request_type": str(row.request_type_id or ""),
            "title": row.title, "description": row.description,
            "fields": "\n".join(f"{k}={v}" for k, v in (row.fields or {}).items()),
            "requester_email": recurring.requester_email(row), "assignee": str(row.assignee_id or ""),
            "kind": schedule.get("kind"), "n": schedule.get("n"), "at": schedule.get("at"),
            "cron": schedule.get("cron") or "", "workdays_only": "1" if schedule.get("workdays_only", True) else "0",
            "calendar": str(row.calendar_id or ""), "is_active": "1" if row.is_active else "",
            "weekdays": schedule.get("weekdays") or []}


ui.register_save(P, _save, LABELS, _table)
ui.register_editing(P, recurring.get, _to_form, recurring.delete, _table)

"""`/admin/sla`: SLA policies — conditions (first match wins) and targets, each on a calendar or 24/7."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from components import admin_form as af, sla_admin as ui
from components.guard import allowed, denied
from components.i18n import N_, _, current_locale
from data.catalog import lookups
from data.sla import admin as sla_admin
from data.db import read_session
from data.errors import Text, ValidationError
from data.models import SLA_TARGETS, SlaPolicy

dash.register_page(__name__, path="/admin/sla", title="Okno · SLA policies")

P = "slapol"
LABELS = {"name": N_("slaadmin.name"), "at_risk_share": N_("slaadmin.at_risk_percent"),
          "at_risk_minutes": N_("slaadmin.at_risk_minutes"), **{t: f"sla.target.{t}" for t in SLA_TARGETS}}


def _minutes(m: int | None) -> str:
    if not m:
        return "—"
    return _("slaadmin.hm", h=m // 60, m=f"{m % 60:02d}") if m >= 60 else _("slaadmin.m", m=m)


def _table():
    with read_session() as s:
        rows = sla_admin.policies(s)
        calendars = {c.id: c.name for c in sla_admin.calendars(s)}
        if not rows:
            return html.P(_("slaadmin.none"), className="text-muted")
        head = html.Thead(html.Tr([html.Th(_("slaadmin.position")), html.Th(_("slaadmin.name")),
                                   html.Th(_("slaadmin.active"))] +
                                  [html.Th(_(f"sla.target.{t}")) for t in SLA_TARGETS] + [html.Th("")]))

        def target(p, t):
            minutes = getattr(p, f"{t}_minutes")
            cal = calendars.get(getattr(p, f"{t}_calendar_id"), _("slaadmin.always"))
            return html.Td([_minutes(minutes), html.Div(cal, className="small text-muted")] if minutes else "—")
        body = [html.Tr([html.Td(p.position), html.Td(p.name), html.Td("✓" if p.is_active else "—")] +
                        [target(p, t) for t in SLA_TARGETS] + [ui.row_buttons(P, p.id)]) for p in rows]
        return html.Div([dbc.FormText(_("slaadmin.policy_help")),
                         dbc.Table([head, html.Tbody(body)], size="sm", responsive=True, hover=True, id=f"{P}-table")])


def _form(locale: str):
    with read_session() as s:
        o = {"service": lookups.services(s), "type": lookups.request_types(s),
             "priority": lookups.priorities(s, locale),
             "calendar": [{"value": c.id, "label": c.name} for c in sla_admin.calendars(s)]}

    def f(key, label, comp, w=6, h=None):
        return ui.labelled(P, key, _(label), comp, w, h)
    active = ui.select(P, "is_active", [{"value": 1, "label": "✓"}], "—")
    active.value = "1"
    targets = []
    for t in SLA_TARGETS:
        targets += [f(t, f"sla.target.{t}", af.duration_input(lambda key: ui.fid(P, key), t), 6),
                    f(f"{t}_calendar", N_("slaadmin.calendar"), ui.select(P, f"{t}_calendar", o["calendar"],
                                                                      _("slaadmin.always")), 6)]
    return ui.form_card(
        P, dbc.Row([f("name", N_("slaadmin.name"), ui.text_input(P, "name"), 6),
                    f("position", N_("slaadmin.position"),
                      ui.text_input(P, "position", type="number", value=_new_position()), 2),
                    f("is_active", N_("slaadmin.active"), active, 2)]),
        html.H5(_("slaadmin.conditions")),
        dbc.Row([f("services", N_("slaadmin.services"), ui.multi(P, "services", o["service"]), 4),
                 f("types", N_("slaadmin.types"), ui.multi(P, "types", o["type"]), 4),
                 f("priorities", N_("slaadmin.priorities_cond"), ui.multi(P, "priorities", o["priority"]), 4),
                 f("organisations", N_("slaadmin.organisations"), dbc.Textarea(id=ui.fid(P, "organisations"), rows=2),
                   6)]),
        html.H5(_("slaadmin.targets")), dbc.FormText(_("slaadmin.duration_help")), dbc.Row(targets),
        dbc.Row([f("at_risk_share", N_("slaadmin.at_risk_percent"),
                   dbc.InputGroup([dbc.Input(id=ui.fid(P, "at_risk_share"), type="number", step="any",
                                             value=20), dbc.InputGroupText("%")]), 3),
                 f("at_risk_minutes", N_("slaadmin.at_risk_minutes"),
                   ui.text_input(P, "at_risk_minutes", type="number", min=0, value=60), 3)]))


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    return ui.page(P, "/admin/sla", N_("slaadmin.policies"), _table(), _form(current_locale()))


def _new_position() -> int:
    with read_session() as s:
        return sla_admin.next_position(s)


def _durations(key: str, minutes: int | None) -> dict:
    parts = af.duration_parts(minutes)
    return {form_key: parts[unit] for unit, form_key in af.duration_keys(key).items()}


def _to_form(p: SlaPolicy | None) -> dict:
    if p is None:
        return {"position": _new_position(), "is_active": "1", "at_risk_share": 20, "at_risk_minutes": 60,
                "services": [], "types": [], "priorities": []}
    c = p.conditions or {}
    values = {"name": p.name, "position": p.position, "is_active": "1" if p.is_active else "",
              "services": c.get("service_ids") or [], "types": c.get("request_type_ids") or [],
              "priorities": c.get("priority_ids") or [], "organisations": "\n".join(c.get("organisations") or ()),
              "at_risk_share": af.percent_of(p.at_risk_share), "at_risk_minutes": p.at_risk_minutes}
    for t in SLA_TARGETS:
        values.update(_durations(t, getattr(p, f"{t}_minutes")))
        values[f"{t}_calendar"] = str(getattr(p, f"{t}_calendar_id") or "")
    return values


def _converted(v: dict) -> tuple[dict, float | None]:
    """The targets in minutes and the at-risk share from what was typed (durations, a percentage); a value
    that does not convert is named next to its field, as the service's own checks are."""
    errors, minutes = {}, {}
    for t in SLA_TARGETS:
        keys = af.duration_keys(t)
        try:
            minutes[t] = af.minutes_of(*(v.get(keys[unit]) for unit in "dhm"))
        except af.FormValueError as err:
            errors[t] = Text(err.key)
    share = None
    try:
        share = af.fraction_of(v.get("at_risk_share"))
    except af.FormValueError as err:
        errors["at_risk_share"] = Text(err.key)
    if errors:
        raise ValidationError("errors.correct_policy", errors)
    return minutes, share


def _conditions(v: dict) -> dict:
    return {"service_ids": v.get("services") or [], "request_type_ids": v.get("types") or [],
            "priority_ids": v.get("priorities") or [], "organisations": ui.lines(v.get("organisations"))}


def _catch_all(v: dict) -> str | None:
    """A policy without conditions applies to every request: saving one is asked about first."""
    return None if any(_conditions(v).values()) else N_("slaadmin.confirm_catch_all")


def _save(session, actor, policy_id, v):
    minutes, share = _converted(v)
    policy = sla_admin.save_policy(
        session, actor, policy_id, name=v.get("name") or "", position=ui.as_int(v.get("position")),
        is_active=bool(v.get("is_active")), conditions=_conditions(v),
        targets={t: (minutes[t], ui.as_int(v.get(f"{t}_calendar"))) for t in SLA_TARGETS},
        at_risk_share=share, at_risk_minutes=ui.as_int(v.get("at_risk_minutes")))
    return policy.id, policy.name


ui.register_save(P, _save, LABELS, _table, confirm=_catch_all)
ui.register_editing(P, sla_admin.get_policy, _to_form, sla_admin.delete_policy, _table)

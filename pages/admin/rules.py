"""`/admin/rules`: automation rules without programming — when, conditions, then; with counters."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from components import sla_admin as ui
from components.guard import allowed, denied
from components.i18n import _, current_locale
from data.catalog import lookups
from data.automation import admin as rules_admin
from data.config import company_tz
from data.db import read_session
from data.i18n import N_
from data.models import CHANNELS, RULE_TRIGGERS, SLA_TARGETS, Rule

dash.register_page(__name__, path="/admin/rules", title="Okno · Rules")

P = "rules"
# Form field → (action type, action key, kind) for the "Then" part of the form.
ACTIONS = [("set_type", "value", "text"), ("set_assignee", "user_id", "agent"), ("set_priority", "priority_id", "priority"),
           ("set_lane", "lane_id", "lane"), ("set_column", "column_id", "column"), ("add_checklist", "items", "lines"),
           ("create_children", "titles", "lines"), ("reply_template", "template_id", "template"),
           ("notify_user", "user_id", "agent"), ("notify_team", "team_id", "team")]


def _options(locale: str) -> dict[str, list[dict]]:
    with read_session() as s:
        return {"service": lookups.services(s), "type": lookups.request_types(s), "agent": lookups.agents(s),
                "priority": lookups.priorities(s, locale), "column": lookups.columns(s), "team": lookups.teams(s),
                "board": lookups.boards(s), "lane": lookups.lanes(s), "template": lookups.reply_templates(s),
                "channel": [{"value": c, "label": _(f"channel.{c}")} for c in CHANNELS]}


def _table(locale: str):
    with read_session() as s:  # render inside the session: the rows expire when it ends
        return _render_table(rules_admin.listing(s), rules_admin.recent_log(s, 10))


def _render_table(rules: list[Rule], problems: list):
    zone = company_tz()
    if not rules:
        return html.P(_("slaadmin.none"), className="text-muted")
    head = html.Thead(html.Tr([html.Th(_(k)) for k in ("slaadmin.position", "slaadmin.name", "slaadmin.trigger",
                                                       "slaadmin.active", "slaadmin.fired", "slaadmin.last_fired")]
                              + [html.Th("")]))
    body = html.Tbody([html.Tr([
        html.Td(r.position), html.Td(r.name, className="rule-name"), html.Td(_(f"slaadmin.trigger.{r.trigger}")),
        html.Td("✓" if r.is_active else "—"), html.Td(r.fire_count, className="rule-count"),
        html.Td(r.last_fired_at.astimezone(zone).strftime("%d.%m.%Y %H:%M") if r.last_fired_at
                else _("slaadmin.never"), className="rule-last"),
        ui.row_buttons(P, r.id)], id=f"rule-row-{r.id}") for r in rules])
    log = [html.H6(_("slaadmin.problems"), className="mt-3"),
           html.Ul([html.Li(f"{p.at.astimezone(zone):%d.%m %H:%M} · rule {p.rule_id} · #{p.ticket_id}: "
                            f"{p.outcome} {p.message or ''}") for p in problems], className="small")] if problems else []
    return html.Div([dbc.Table([head, body], size="sm", responsive=True, hover=True, id=f"{P}-table")] + log)


def _checked(component):
    component.value = "1"
    return component


def _form(o: dict):
    f = lambda key, label, comp, w=6, h=None: ui.labelled(P, key, _(label), comp, w, h)  # noqa: E731
    when = [f("name", "slaadmin.name", ui.text_input(P, "name"), 5),
            f("trigger", "slaadmin.trigger", ui.select(P, "trigger", [{"value": t, "label": _(f"slaadmin.trigger.{t}")}
                                                                      for t in RULE_TRIGGERS]), 4),
            f("position", "slaadmin.position", ui.text_input(P, "position", type="number", value=0), 1),
            f("is_active", "slaadmin.active", _checked(ui.select(P, "is_active", [{"value": 1, "label": "✓"}], "—")), 2),
            f("opt_column", "slaadmin.opt.column", ui.select(P, "opt_column", o["column"]), 3),
            f("opt_field", "slaadmin.opt.field", ui.text_input(P, "opt_field"), 3),
            f("opt_author", "slaadmin.opt.author", ui.select(P, "opt_author", [
                {"value": "requester", "label": _("slaadmin.opt.author.requester")},
                {"value": "agent", "label": _("slaadmin.opt.author.agent")}], _("slaadmin.any")), 2),
            f("opt_target", "slaadmin.opt.target", ui.select(P, "opt_target", [
                {"value": t, "label": _(f"sla.target.{t}")} for t in SLA_TARGETS], _("slaadmin.any")), 2),
            f("opt_minutes", "slaadmin.opt.minutes", ui.text_input(P, "opt_minutes", type="number", min=1), 2),
            f("opt_max_score", N_("slaadmin.opt.max_score"), ui.text_input(P, "opt_max_score", type="number", min=1, max=5),
              2)]
    cond = [f("services", "slaadmin.services", ui.multi(P, "services", o["service"]), 4),
            f("types", "slaadmin.types", ui.multi(P, "types", o["type"]), 4),
            f("priorities", "slaadmin.priorities_cond", ui.multi(P, "priorities", o["priority"]), 4),
            f("channels", "slaadmin.channels", ui.multi(P, "channels", o["channel"]), 4),
            f("fields", "slaadmin.fields", dbc.Textarea(id=ui.fid(P, "fields"), rows=2), 4),
            f("time_from", "slaadmin.time_from", ui.text_input(P, "time_from", placeholder="09:00"), 2),
            f("time_to", "slaadmin.time_to", ui.text_input(P, "time_to", placeholder="18:00"), 2)]
    then = []
    for kind, _key, source in ACTIONS:
        comp = (ui.text_input(P, kind) if source == "text" else
                dbc.Textarea(id=ui.fid(P, kind), rows=2) if source == "lines" else ui.select(P, kind, o[source]))
        then.append(f(kind, f"slaadmin.act.{kind}", comp, 4))
        if kind == "add_checklist":
            then.append(f("children_board", "slaadmin.act.children_board", ui.select(P, "children_board", o["board"]), 4))
    for flag in ("notify_team_lead", "escalate"):  # actions without a value: on or off
        then.append(f(flag, f"slaadmin.act.{flag}", ui.select(P, flag, [{"value": 1, "label": "✓"}], "—"), 4))
    return ui.form_card(P, html.H5(_("slaadmin.trigger")), dbc.Row(when),
                        html.H5(_("slaadmin.conditions"), className="mt-2"), dbc.Row(cond),
                        html.H5(_("slaadmin.then"), className="mt-2"), dbc.Row(then))


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    locale = current_locale()
    return ui.page(P, "/admin/rules", "slaadmin.rules", _table(locale), _form(_options(locale)))


def _to_rule(v: dict) -> dict:
    options = {"column_id": ui.as_int(v.get("opt_column")), "field": (v.get("opt_field") or "").strip(),
               "author": v.get("opt_author"), "target": v.get("opt_target"), "minutes": ui.as_int(v.get("opt_minutes")),
               "max_score": ui.as_int(v.get("opt_max_score"))}
    fields = dict(line.split("=", 1) for line in ui.lines(v.get("fields")) if "=" in line)
    conditions = {"service_ids": v.get("services") or [], "request_type_ids": v.get("types") or [],
                  "priority_ids": v.get("priorities") or [], "channels": v.get("channels") or [],
                  "fields": {k.strip(): x.strip() for k, x in fields.items()},
                  "time_from": (v.get("time_from") or "").strip(), "time_to": (v.get("time_to") or "").strip()}
    actions = []
    for kind, key, source in ACTIONS:
        raw = v.get(kind)
        value = ui.lines(raw) if source == "lines" else (raw or "").strip() if source == "text" else ui.as_int(raw)
        if value:
            action = {"type": kind, key: value}
            if kind == "create_children":
                action["board_id"] = ui.as_int(v.get("children_board"))
            actions.append(action)
    for flag in ("notify_team_lead", "escalate"):
        if v.get(flag):
            actions.append({"type": flag})
    return {"name": v.get("name") or "", "trigger": v.get("trigger") or "", "trigger_options": options,
            "conditions": conditions, "actions": actions, "is_active": bool(v.get("is_active")),
            "position": ui.as_int(v.get("position")) or 0}


def _to_form(r: Rule | None) -> dict:
    if r is None:
        return {"position": 0, "is_active": "1", "services": [], "types": [], "priorities": [], "channels": []}
    o, c = r.trigger_options or {}, r.conditions or {}
    v = {"name": r.name, "trigger": r.trigger, "position": r.position, "is_active": "1" if r.is_active else "",
         "opt_column": str(o.get("column_id") or ""), "opt_field": o.get("field") or "",
         "opt_author": o.get("author") or "", "opt_target": o.get("target") or "", "opt_minutes": o.get("minutes"),
         "opt_max_score": o.get("max_score"),
         "services": c.get("service_ids") or [], "types": c.get("request_type_ids") or [],
         "priorities": c.get("priority_ids") or [], "channels": c.get("channels") or [],
         "fields": "\n".join(f"{k}={x}" for k, x in (c.get("fields") or {}).items()),
         "time_from": c.get("time_from") or "", "time_to": c.get("time_to") or "", "escalate": "", "notify_team_lead": ""}
    for a in r.actions or ():
        kind = a.get("type")
        key = next((k for t, k, _s in ACTIONS if t == kind), None)
        if kind in ("escalate", "notify_team_lead"):
            v[kind] = "1"
        elif key:
            value = a.get(key)
            v[kind] = "\n".join(value) if isinstance(value, list) else str(value or "")
            if kind == "create_children":
                v["children_board"] = str(a.get("board_id") or "")
    return v


def _save(session, actor, rule_id, values):
    rule = rules_admin.save(session, actor, rule_id, **_to_rule(values))
    return rule.id, rule.name


LABELS = {"name": "slaadmin.name", "trigger": "slaadmin.trigger", "minutes": "slaadmin.opt.minutes",
          "max_score": "slaadmin.opt.max_score",
          "time": "slaadmin.time_from", "actions": "slaadmin.then"}
ui.register_save(P, _save, LABELS, lambda: _table(current_locale()))
ui.register_editing(P, rules_admin.get, _to_form, rules_admin.delete, lambda: _table(current_locale()))

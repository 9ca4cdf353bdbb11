"""`/admin/request-types?service=S&id=T`: a request type's form builder (fields with types, options,
required flags and show-when conditions), checklist, default priority, routing with rules, and child
cards (parallel or chain). Saving goes through data.catalog.admin, which checks every value."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html

from components import admin_form as af, schema_builder as sb
from components.approval_editor import editor as approval_editor
from components.admin_form import choice
from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _, current_locale
from data.catalog import admin as catalog_admin
from data.catalog import lookups
from data.db import read_session, session_scope
from data.errors import OknoError
from data.models import RequestType
from data.intake.routing import ASSIGN_KINDS

dash.register_page(__name__, path="/admin/request-types", title="Okno · Request types")
P = "admin-rt"
# Shown as _(f"admin.assign.{kind}") and _(f"admin.mode.{mode}") (also on the column page): for extraction.
ASSIGN_LABELS = {"none": N_("admin.assign.none"), "fixed": N_("admin.assign.fixed"),
                 "round_robin": N_("admin.assign.round_robin"), "least_loaded": N_("admin.assign.least_loaded")}
MODE_LABELS = {"parallel": N_("admin.mode.parallel"), "chain": N_("admin.mode.chain")}


def _lists(s):
    return lookups.agents(s), lookups.teams(s), lookups.boards(s)


def _editor(rt: RequestType | None, s) -> html.Div:
    agents, teams, boards = _lists(s)
    prios = af.select_options(lookups.priorities(s, current_locale()))
    routing = (rt.routing if rt else None) or {}
    v = (lambda attr, default="": getattr(rt, attr) if rt is not None and getattr(rt, attr) is not None else default)
    return html.Div([
        dcc.Store(id=f"{P}-id", data=rt.id if rt else None),
        dbc.Row([af.row(N_("admin.name"), dbc.Input(id=f"{P}-name", value=v("name")), md=4),
                 af.row(N_("admin.code"), dbc.Input(id=f"{P}-code", value=v("code")), md=2),
                 af.row(N_("admin.card_type"), dbc.Input(id=f"{P}-card-type", value=v("card_type")),
                        help_text=_("admin.card_type_help"), md=3),
                 af.row(N_("admin.priority"), dbc.Select(id=f"{P}-priority", options=prios,
                                                         value=choice(v("default_priority_id"))), md=3)]),
        dbc.Row([af.row(N_("admin.description"), dbc.Textarea(id=f"{P}-description", value=v("description"),
                                                              rows=2))]),
        dbc.Checkbox(id=f"{P}-active", value=bool(v("is_active", True)), label=_("admin.active")),
        html.H5(_("admin.fields"), className="mt-3"),
        html.Div(sb.field_rows(v("field_schema", [])), id=f"{P}-fields"),
        dbc.Button([html.I(className="bi bi-plus me-1"), _("admin.add_field")], id=f"{P}-add-field", size="sm",
                   color="secondary", outline=True),
        html.H5(_("admin.checklist").split(":")[0], className="mt-4"),
        dbc.Textarea(id=f"{P}-checklist", value=sb.checklist_text(v("checklist", [])), rows=3),
        dbc.FormText(_("admin.checklist")),
        html.H5(_("admin.routing"), className="mt-4"),
        dbc.Row([af.row(N_("admin.assign"), dbc.Select(id=f"{P}-assign", value=routing.get("assign", "none"),
                                                       options=[{"label": _(f"admin.assign.{k}"), "value": k}
                                                                for k in ASSIGN_KINDS]), md=4),
                 af.row(N_("admin.person"), dbc.Select(id=f"{P}-person", options=af.select_options(agents),
                                                       value=choice(routing.get("user_id"))), md=4),
                 af.row(N_("admin.team"), dbc.Select(id=f"{P}-team", options=af.select_options(teams),
                                                     value=choice(routing.get("team_id"))), md=4)]),
        dbc.Label(_("admin.rules"), className="small fw-semibold"),
        dbc.FormText(_("admin.rules_help"), className="d-block mb-1"),
        html.Div(sb.rule_rows(routing.get("rules") or [], agents, teams, boards,
                              sb.field_choices(v("field_schema", []))), id=f"{P}-rules"),
        dbc.Button([html.I(className="bi bi-plus me-1"), _("admin.add_rule")], id=f"{P}-add-rule", size="sm",
                   color="secondary", outline=True),
        html.H5(_("admin.children"), className="mt-4"),
        af.row(N_("admin.children_mode"), dbc.RadioItems(id=f"{P}-mode", value=v("children_mode", "parallel"),
                                                         inline=True,
                                                         options=[{"label": _(f"admin.mode.{m}"), "value": m}
                                                                  for m in ("parallel", "chain")])),
        html.Div(sb.child_rows(v("children", []), agents, boards), id=f"{P}-children"),
        dbc.Button([html.I(className="bi bi-plus me-1"), _("admin.add_child")], id=f"{P}-add-child", size="sm",
                   color="secondary", outline=True),
        html.Div(id=f"{P}-result", className="mt-3"),
        dbc.Button(_("admin.save"), id=f"{P}-save", color="primary", className="mt-2 mb-4"),
        approval_editor(rt.approval if rt else None, s),  # saved on its own (data/approvals/config.py)
        html.Div(className="mb-5"),
    ])


def layout(service=None, id=None, **_kw):  # noqa: A002 - the URL parameter
    if not allowed("admin"):
        return denied()
    service_id = af.as_int(service)
    with read_session() as s:  # render inside the session: the rows expire when it ends
        services = af.select_options(lookups.services(s))
        service_id = service_id if any(o["value"] == str(service_id) for o in services) else None
        types = catalog_admin.request_types(s, af.user(), service_id) if service_id else []
        rt = next((t for t in types if t.id == af.as_int(id)), None)  # only a type of the chosen service
        editor = _editor(rt, s) if service_id is not None and (rt is not None or id == "new") else None
        items = [dbc.ListGroupItem(t.name + ("" if t.is_active else " (off)"), active=rt is not None and t.id == rt.id,
                                   href=f"/admin/request-types?service={service_id}&id={t.id}") for t in types]
    if service_id is not None:
        items.append(dbc.ListGroupItem([html.I(className="bi bi-plus me-1"), _("admin.new")], id=f"{P}-new",
                                       href=f"/admin/request-types?service={service_id}&id=new", active=id == "new"))
    return html.Div([
        breadcrumb("admin.request_types"), html.H3(_("admin.request_types")), dcc.Location(id=f"{P}-go"),
        dbc.Row([dbc.Col([af.row(N_("admin.service"), dbc.Select(id=f"{P}-service", options=services,
                                                             value=choice(service_id))),
                          dbc.ListGroup(items, id=f"{P}-list")], md=3),
                 dbc.Col(editor or html.P(_("admin.request_types_help"), className="text-muted"), md=9)])])


@callback(Output(f"{P}-go", "href"), Input(f"{P}-service", "value"), prevent_initial_call=True)
def service_chosen(service_id):
    return f"/admin/request-types?service={service_id}" if af.as_int(service_id) else "/admin/request-types"


@callback(Output(f"{P}-fields", "children"), Input(f"{P}-add-field", "n_clicks"),
          Input({"type": "admin-field-remove", "i": ALL}, "n_clicks"), *sb.states("field", sb.FIELD_STATE_ORDER),
          prevent_initial_call=True)
def edit_fields(_add, _removes, *values):
    schema = sb.fields_from(*values)
    return sb.field_rows(sb.edit_rows(schema, f"{P}-add-field", {"key": f"field{len(schema) + 1}", "type": "text",
                                                              "label": ""}))


def _typed_fields(keys, labels) -> list[dict]:
    """The form's fields as typed so far (saved or not): the rules' field choices."""
    return sb.field_choices([{"key": (k or "").strip(), "label": (lb or "").strip()} for k, lb in zip(keys, labels)])


@callback(Output(f"{P}-rules", "children"), Input(f"{P}-add-rule", "n_clicks"),
          Input({"type": "admin-rule-remove", "i": ALL}, "n_clicks"), *sb.states("rule", sb.RULE_PARTS),
          *sb.states("field", ("key", "label")), prevent_initial_call=True)
def edit_rules(_add, _removes, *values):
    n = len(sb.RULE_PARTS)
    rules = sb.edit_rows(sb.rules_from(*values[:n]), f"{P}-add-rule", {"field": ""})
    with read_session() as s:
        return sb.rule_rows(rules, *_lists(s), _typed_fields(*values[n:]))


@callback(Output({"type": "admin-rule-field", "i": ALL}, "options"),
          Input({"type": "admin-field-key", "i": ALL}, "value"), Input({"type": "admin-field-label", "i": ALL}, "value"),
          State({"type": "admin-rule-field", "i": ALL}, "value"), prevent_initial_call=True)
def rule_fields_follow_the_form(keys, labels, chosen):
    """A field added, renamed or relabelled above is offered in every rule at once."""
    fields = _typed_fields(keys, labels)
    return [sb.rule_field_options(fields, current) for current in chosen]


@callback(Output(f"{P}-children", "children"), Input(f"{P}-add-child", "n_clicks"),
          Input({"type": "admin-child-remove", "i": ALL}, "n_clicks"), *sb.states("child", sb.CHILD_PARTS),
          prevent_initial_call=True)
def edit_children(_add, _removes, *values):
    children = sb.edit_rows(sb.children_from(*values), f"{P}-add-child", {"title": "{title}"})
    with read_session() as s:
        agents, _teams, boards = _lists(s)
        return sb.child_rows(children, agents, boards)


@callback(Output(f"{P}-result", "children"), Output(f"{P}-id", "data"), Input(f"{P}-save", "n_clicks"),
          State(f"{P}-service", "value"), State(f"{P}-id", "data"), State(f"{P}-name", "value"),
          State(f"{P}-code", "value"), State(f"{P}-card-type", "value"), State(f"{P}-priority", "value"),
          State(f"{P}-description", "value"), State(f"{P}-active", "value"), State(f"{P}-checklist", "value"),
          State(f"{P}-assign", "value"), State(f"{P}-person", "value"), State(f"{P}-team", "value"),
          State(f"{P}-mode", "value"), *sb.states("field", sb.FIELD_STATE_ORDER), *sb.states("rule", sb.RULE_PARTS),
          *sb.states("child", sb.CHILD_PARTS), prevent_initial_call=True)
def save(_n, service_id, type_id, name, code, card_type, priority, description, active, checklist, assign, person,
         team, mode, *rows):
    nf, nr = len(sb.FIELD_STATE_ORDER), len(sb.RULE_PARTS)
    routing = {"assign": assign, "user_id": af.as_int(person), "team_id": af.as_int(team),
               "rules": sb.rules_from(*rows[nf:nf + nr])}
    data = dict(name=name, code=code, card_type=card_type, default_priority_id=priority, description=description,
                is_active=active, checklist=sb.checklist_items(checklist), field_schema=sb.fields_from(*rows[:nf]),
                routing=routing, children=sb.children_from(*rows[nf + nr:]), children_mode=mode)
    try:
        with session_scope() as s:
            rt = catalog_admin.save_request_type(s, af.user(), type_id, af.as_int(service_id), data)
            new_id = rt.id
    except OknoError as err:
        return af.result(err, alert_id=f"{P}-error"), dash.no_update
    return af.result(None), new_id

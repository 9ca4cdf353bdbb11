"""The admin's builders for lists of rows: form fields, routing rules and child cards.

Each row is a set of controls with pattern-matching ids {"type": "admin-<list>-<part>", "i": n}; the page
reads them back in order with `*_from(...)` (ALL states, one list per part) and re-renders the list
after adding or removing a row.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, State, ctx, html
from dash.exceptions import PreventUpdate

from data.intake import answers
from data.intake.forms import FIELD_TYPES

from components.admin_form import as_int, choice, lines, select_options
from components.i18n import _, current_locale

RULE_PARTS = ("field", "equals", "card_type", "assignee", "team", "board")
CHILD_PARTS = ("board", "title", "card_type", "checklist", "assignee")
TYPE_LABELS = {"text": "text", "textarea": "long text", "number": "number", "date": "date", "select": "select",
               "multiselect": "multi-select", "checkbox": "checkbox", "file": "file"}


def states(kind: str, parts: tuple[str, ...]) -> list[State]:
    return [State({"type": f"admin-{kind}-{p}", "i": ALL}, "value") for p in parts]


def edit_rows(rows: list, add_button: str, blank: dict) -> list:
    """Add a blank row or remove the clicked one. Re-rendering creates new remove buttons, which fires
    the callback without a click: that is ignored."""
    if not (ctx.triggered and ctx.triggered[0].get("value")):
        raise PreventUpdate
    if ctx.triggered_id == add_button:
        rows.append(blank)
    else:
        rows.pop(ctx.triggered_id["i"])
    return rows


def _id(kind, part, i):
    return {"type": f"admin-{kind}-{part}", "i": i}


def _remove(kind, i):
    return dbc.Button(html.I(className="bi bi-trash"), id=_id(kind, "remove", i), color="link",
                      className="text-danger p-0", title=_("admin.remove"))


def _text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _parse(text: str):
    text = (text or "").strip()
    return {"true": True, "false": False}.get(text.lower(), text)


# --- form fields ---------------------------------------------------------------------------------------

def field_rows(schema: list) -> list:
    rows = []
    for i, f in enumerate(schema):
        when = f.get("show_when") or {}
        rows.append(dbc.Card(dbc.CardBody(dbc.Row([
            dbc.Col(dbc.Input(id=_id("field", "key", i), value=f.get("key", ""), placeholder=_("admin.field_key"),
                              size="sm"), md=2),
            dbc.Col(dbc.Select(id=_id("field", "type", i), value=f.get("type", "text"), size="sm",
                               options=[{"label": TYPE_LABELS[t], "value": t} for t in FIELD_TYPES]), md=2),
            dbc.Col(dbc.Input(id=_id("field", "label", i), value=f.get("label", ""), placeholder=_("admin.field_label"),
                              size="sm"), md=4),
            dbc.Col(dbc.Checkbox(id=_id("field", "required", i), value=bool(f.get("required")),
                                 label=_("admin.field_required")), md=2),
            dbc.Col(_remove("field", i), md=2, className="text-end"),
            dbc.Col(dbc.Input(id=_id("field", "help", i), value=f.get("help", ""), placeholder=_("admin.field_help"),
                              size="sm"), md=4, className="mt-1"),
            dbc.Col(dbc.Textarea(id=_id("field", "options", i), value="\n".join(f.get("options") or []), rows=2,
                                 placeholder=_("admin.field_options"), size="sm"), md=4, className="mt-1"),
            dbc.Col(dbc.Input(id=_id("field", "when", i), value=when.get("field", ""), placeholder=_("admin.field_when"),
                              size="sm"), md=2, className="mt-1"),
            dbc.Col(dbc.Input(id=_id("field", "equals", i), value=_text(when.get("equals")),
                              placeholder=_("admin.field_equals"), size="sm"), md=2, className="mt-1"),
        ], className="g-1")), className="mb-2 admin-field-row"))
    return rows


def fields_from(keys, types, labels, required, helps, options, whens, equals) -> list[dict]:
    out = []
    for key, kind, label, req, help_, opts, when, eq in zip(keys, types, labels, required, helps, options, whens, equals):
        f = {"key": (key or "").strip(), "type": kind or "text", "label": (label or "").strip()}
        if req:
            f["required"] = True
        if (help_ or "").strip():
            f["help"] = help_.strip()
        if kind in ("select", "multiselect"):
            f["options"] = lines(opts)
        if (when or "").strip():
            f["show_when"] = {"field": when.strip(), "equals": _parse(eq)}
        out.append(f)
    return out


# The states in the order fields_from takes them.
FIELD_STATE_ORDER = ("key", "type", "label", "required", "help", "options", "when", "equals")


# --- routing rules -------------------------------------------------------------------------------------

def field_choices(schema: list) -> list[dict]:
    """The request type's form fields as rule-field options: the label people see, the key stored."""
    locale = current_locale()
    return [{"value": f["key"], "label": f"{answers.label(f, locale)} ({f['key']})"}
            for f in schema or [] if (f.get("key") or "").strip()]


def rule_field_options(fields: list[dict], current: str | None = None) -> list[dict]:
    """The dropdown's options; a rule naming a field the form no longer has keeps it, marked, so saving
    does not silently change the rule."""
    options = [{"label": "—", "value": ""}] + fields
    if current and all(o["value"] != current for o in fields):
        options.append({"label": _("admin.rule_field_missing", key=current), "value": current})
    return options


def _labelled(label: str, control, md: int):
    return dbc.Col([dbc.Label(label, className="small text-muted mb-0"), control], md=md)


def rule_rows(rules: list, agents: list[dict], teams: list[dict], boards: list[dict], fields: list[dict]) -> list:
    """One card per rule: "if <field> equals <value>" on the first line, "then" its type, person, team and
    board on the second. `fields` are field_choices of the form being edited."""
    return [dbc.Card(dbc.CardBody([
        dbc.Row([
            _labelled(_("admin.rule_field"), dbc.Select(id=_id("rule", "field", i), value=r.get("field", ""),
                                                        options=rule_field_options(fields, r.get("field")),
                                                        size="sm"), 6),
            _labelled(_("admin.rule_equals"), dbc.Input(id=_id("rule", "equals", i), value=_text(r.get("equals", "")),
                                                        size="sm"), 5),
            dbc.Col(_remove("rule", i), md=1, className="text-end"),
        ], className="g-2 mb-1"),
        dbc.Row([
            _labelled(_("admin.card_type"), dbc.Input(id=_id("rule", "card_type", i), value=r.get("card_type", ""),
                                                      size="sm", placeholder=_("admin.rule_keep")), 3),
            _labelled(_("admin.person"), dbc.Select(id=_id("rule", "assignee", i), size="sm",
                                                    options=select_options(agents, _("admin.rule_keep")),
                                                    value=choice(r.get("assignee_id"))), 3),
            _labelled(_("admin.team"), dbc.Select(id=_id("rule", "team", i), size="sm",
                                                  options=select_options(teams, _("admin.rule_keep")),
                                                  value=choice(r.get("team_id"))), 3),
            _labelled(_("admin.board"), dbc.Select(id=_id("rule", "board", i), size="sm",
                                                   options=select_options(boards, _("admin.rule_keep")),
                                                   value=choice(r.get("board_id"))), 3),
        ], className="g-2"),
    ]), className="mb-2 admin-rule-row") for i, r in enumerate(rules)]


def rules_from(fields, equals, card_types, assignees, teams, boards) -> list[dict]:
    out = []
    for field, eq, card_type, assignee, team, board in zip(fields, equals, card_types, assignees, teams, boards):
        rule = {"field": (field or "").strip(), "equals": _parse(eq), "card_type": (card_type or "").strip() or None,
                "assignee_id": as_int(assignee), "team_id": as_int(team), "board_id": as_int(board)}
        out.append({k: v for k, v in rule.items() if v not in (None, "")} | {"field": rule["field"]})
    return out


# --- child cards ---------------------------------------------------------------------------------------

def child_rows(children: list, agents: list[dict], boards: list[dict], kind: str = "child") -> list:
    """Child-card templates; `kind` keeps two editors' ids apart (request types: "child", columns: "colchild")."""
    return [dbc.Card(dbc.CardBody(dbc.Row([
        dbc.Col(dbc.Select(id=_id(kind, "board", i), options=select_options(boards, _("admin.board")),
                           value=choice(c.get("board_id")), size="sm"), md=3),
        dbc.Col(dbc.Input(id=_id(kind, "title", i), value=c.get("title", ""), placeholder=_("admin.child_title"),
                          size="sm"), md=4),
        dbc.Col(dbc.Input(id=_id(kind, "card_type", i), value=c.get("card_type") or "",
                          placeholder=_("admin.card_type"), size="sm"), md=2),
        dbc.Col(dbc.Select(id=_id(kind, "assignee", i), options=select_options(agents, _("admin.person")),
                           value=choice(c.get("assignee_id")), size="sm"), md=2),
        dbc.Col(_remove(kind, i), md=1, className="text-end"),
        dbc.Col(dbc.Textarea(id=_id(kind, "checklist", i), rows=2, size="sm", placeholder=_("admin.checklist"),
                             value=checklist_text(c.get("checklist"))), md=12, className="mt-1"),
    ], className="g-1")), className="mb-2 admin-child-row") for i, c in enumerate(children)]


def children_from(boards, titles, card_types, checklists, assignees) -> list[dict]:
    return [{"board_id": as_int(b), "title": (t or "").strip(), "card_type": (ct or "").strip() or None,
             "checklist": checklist_items(cl), "assignee_id": as_int(a)}
            for b, t, ct, cl, a in zip(boards, titles, card_types, checklists, assignees)]


# --- checklists as text: one item a line, "!" marks the ones required before submitting ------------------

def checklist_text(items) -> str:
    out = []
    for item in items or []:
        if isinstance(item, dict):
            out.append(("!" if item.get("required_on_submit") else "") + str(item.get("text", "")))
        else:
            out.append(str(item))
    return "\n".join(out)


def checklist_items(text: str | None) -> list[dict]:
    return [{"text": line.lstrip("!").strip(), "required_on_submit": line.startswith("!")} for line in lines(text)]

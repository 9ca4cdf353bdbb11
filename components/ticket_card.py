"""One card on the board: a plain Div with data-* hooks; clicks and drags are handled by assets/board.js.

No callback per card (hundreds of pattern-matching components get slow): the board binds one
delegated click handler and SortableJS to the cells.
"""
from __future__ import annotations

from dash import html

from .i18n import _

CHANNEL_ICONS = {"email": "bi-envelope", "telegram": "bi-telegram", "portal": "bi-globe", "api": "bi-code-slash",
                 "agent": "bi-person-badge"}
SLA_CLASSES = {"ok": "text-bg-success", "at_risk": "text-bg-warning", "breached": "text-bg-danger"}


def age(minutes: int) -> str:
    """A short age: 5m, 3h, 2d."""
    if minutes < 60:
        return _("board.age_m", n=max(minutes, 0))
    if minutes < 60 * 24:
        return _("board.age_h", n=minutes // 60)
    return _("board.age_d", n=minutes // (60 * 24))


def initials(name: str | None) -> str:
    return "".join(part[0] for part in (name or "").split()[:2]).upper()


def _progress(icon: str, pair: list[int] | None, key: str):
    if not pair:
        return None
    done, total = pair
    return html.Span([html.I(className=f"bi {icon} me-1"), f"{done}/{total}"],
                     className="okno-progress" + (" text-success" if done == total else ""),
                     title=_(key, done=done, total=total))


def card(c: dict, locale: str):
    """The card: number, title, requester, service/type, priority, assignee, channel, age, SLA, progress."""
    classes = ["okno-card"]
    if c["overdue"]:
        classes.append("okno-overdue")
    if c["blocked"]:
        classes.append("okno-blocked")
    p = c["priority"]
    top = [html.I(className=f"bi {CHANNEL_ICONS.get(c['channel'], 'bi-question')} text-muted me-1",
                  title=_(f"channel.{c['channel']}")),
           html.A(f"#{c['number']}", href=f"/ticket/{c['number']}", className="okno-card-number me-1"),
           html.Span(p[locale] if locale in ("ru", "en") else p["en"], className="badge okno-prio me-1",
                     style={"backgroundColor": p["color"]}) if p else None,
           html.Span(_(f"board.sla_{c['sla']}"), className=f"badge {SLA_CLASSES[c['sla']]} me-1 okno-sla",
                     **{"data-sla": c["sla"]}) if c["sla"] else None,
           html.I(className="bi bi-lock-fill text-danger me-1 okno-blocked-flag",
                  title=_("board.blocked", reason=c["blocked_reason"] or "")) if c["blocked"] else None,
           html.Button(html.I(className="bi bi-arrows-move"), className="btn btn-sm btn-link ms-auto p-0 okno-move-btn",
                       title=_("board.move_menu"), **{"aria-label": _("board.move_menu")})]
    kind = " · ".join(x for x in (c["service"], c["type"] or c["card_type"]) if x)
    bottom = [html.Span(initials(c["assignee"]), className="okno-avatar me-1", title=c["assignee"])
              if c["assignee"] else html.Span("—", className="text-muted me-1", title=_("tickets.unassigned")),
              html.Span(age(c["age_minutes"]), className="text-muted me-2", title=_("board.age_title")),
              _progress("bi-check2-square", c["checklist"], "board.checklist"),
              _progress("bi-diagram-3", c["children"], "board.children")]
    attrs = {"data-ticket-id": c["id"], "data-version": c["version"], "data-number": c["number"]}
    if c["overdue_at"]:
        attrs["data-overdue-at"] = int(c["overdue_at"])
    parts = [
        html.Div([x for x in top if x is not None], className="d-flex align-items-center okno-card-top"),
        html.Div(c["title"], className="okno-card-title"),
        html.Div([html.Span(c["requester"] or "", className="me-1"),
                  html.Span(kind, className="text-muted")], className="okno-card-meta") if c["requester"] or kind else None,
        html.Div([x for x in bottom if x is not None], className="d-flex align-items-center okno-card-bottom"),
    ]
    return html.Div([x for x in parts if x is not None], className=" ".join(classes), tabIndex=0, role="button", **attrs)

"""One card on the board: a plain Div with data-* hooks; clicks and drags are handled by assets/board.js.

No callback per card (hundreds of pattern-matching components get slow): the board binds one
delegated click handler and SortableJS to the cells.
"""
from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime

from data.i18n import N_, translate
from data.tickets.filters import tz

from components.lite import el

CHANNEL_ICONS = {"email": "bi-envelope", "telegram": "bi-telegram", "portal": "bi-globe", "api": "bi-code-slash",
                 "agent": "bi-person-badge"}
SLA_CLASSES = {"ok": "text-bg-success", "at_risk": "text-bg-warning", "breached": "text-bg-danger"}
# Shown as tr(f"board.sla_{state}"): the message ids, for extraction.
SLA_LABELS = {"ok": N_("board.sla_ok"), "at_risk": N_("board.sla_at_risk"), "breached": N_("board.sla_breached")}


def age(minutes: int, locale: str) -> str:
    """A short age: 5m, 3h, 2d."""
    if minutes < 60:
        return translate("board.age_m", locale, n=max(minutes, 0))
    if minutes < 60 * 24:
        return translate("board.age_h", locale, n=minutes // 60)
    return translate("board.age_d", locale, n=minutes // (60 * 24))


def initials(name: str | None) -> str:
    return "".join(part[0] for part in (name or "").split()[:2]).upper()


def _progress(icon: str, pair: list[int] | None, key: str, locale: str):
    if not pair:
        return None
    done, total = pair
    return el("Span", [el("I", className=f"bi {icon} me-1"), f"{done}/{total}"],
              className="okno-progress" + (" text-success" if done == total else ""),
              title=translate(key, locale, done=done, total=total))


def tag_chips(tags: list[str] | None):
    """The ticket's tags as small chips (the card, the list, the card page); None when it has none."""
    if not tags:
        return None
    return el("Div", [el("Span", t, className="badge rounded-pill okno-tag me-1", **{"data-tag": t}) for t in tags],
              className="okno-tags")


def _due(c: dict, locale: str):
    """When the running SLA is due, in the company's time: only the time for today, else day and time."""
    if not c.get("due_at"):
        return None
    zone = tz()
    when = datetime.fromtimestamp(c["due_at"], zone)
    short = format_datetime(when, "HH:mm" if when.date() == datetime.now(zone).date() else "d MMM HH:mm",
                            locale=locale)
    tone = {"breached": " text-danger fw-semibold", "at_risk": " text-warning-emphasis fw-semibold"}
    return el("Span", [el("I", className="bi bi-alarm me-1"), translate("board.due", locale, when=short)],
              className="me-2 okno-due" + tone.get(c["sla"], " text-muted"),
              title=translate("board.due_title", locale, when=format_datetime(when, "d MMMM yyyy, HH:mm",
                                                                              locale=locale)),
              **{"data-due-at": int(c["due_at"])})


def card(c: dict, locale: str):
    """The card: number, title, requester, service/type, priority, assignee, channel, age, SLA, progress."""
    def tr(key, **values):  # the locale is known: no per-string lookup of the request's user
        return translate(key, locale, **values)

    classes = ["okno-card"]
    if c["overdue"]:
        classes.append("okno-overdue")
    if c["blocked"]:
        classes.append("okno-blocked")
    p = c["priority"]
    top = [el("I", className=f"bi {CHANNEL_ICONS.get(c['channel'], 'bi-question')} text-muted me-1",
                  title=tr(f"channel.{c['channel']}")),
           el("A", f"#{c['number']}", href=f"/ticket/{c['number']}", className="okno-card-number me-1"),
           el("Span", p[locale] if locale in ("ru", "en") else p["en"], className="badge okno-prio me-1",
              style={"backgroundColor": p["color"]}) if p else None,
           el("Span", tr(f"board.sla_{c['sla']}"), className=f"badge {SLA_CLASSES[c['sla']]} me-1 okno-sla",
                     **{"data-sla": c["sla"]}) if c["sla"] else None,
           el("Span", tr(N_("approvals.state.pending")), className="badge text-bg-warning me-1 okno-approval-flag")
           if c.get("approval") == "pending" else None,
           el("I", className="bi bi-lock-fill text-danger me-1 okno-blocked-flag",
                  title=tr(N_("board.blocked"), reason=c["blocked_reason"] or "")) if c["blocked"] else None,
           el("Button", el("I", className="bi bi-arrows-move"), className="btn btn-sm btn-link ms-auto p-0 okno-move-btn",
                       **{"aria-label": tr("board.move_menu")})]
    kind = " · ".join(x for x in (c["service"], c["type"] or c["card_type"]) if x)
    bottom = [el("Span", initials(c["assignee"]), className="okno-avatar me-1", title=c["assignee"])
              if c["assignee"] else el("Span", "—", className="text-muted me-1", title=tr("tickets.unassigned")),
              el("Span", age(c["age_minutes"], locale), className="text-muted me-2"),
              el("Span", [el("I", className="bi bi-hourglass-split me-1"), age(c["in_column_minutes"], locale)],
                 className="me-2 okno-in-column" + (" text-danger fw-semibold" if c["overdue"] else " text-muted"))
              if c["overdue_at"] else None,
              _due(c, locale),
              _progress("bi-check2-square", c["checklist"], N_("board.checklist"), locale),
              _progress("bi-diagram-3", c["children"], N_("board.children"), locale)]
    attrs = {"data-ticket-id": c["id"], "data-version": c["version"], "data-number": c["number"]}
    if c["overdue_at"]:
        attrs["data-overdue-at"] = int(c["overdue_at"])
    parts = [
        el("Div", [x for x in top if x is not None], className="d-flex align-items-center okno-card-top"),
        el("Div", c["title"], className="okno-card-title"),
        el("Div", [el("Span", c["requester"] or "", className="me-1"),
                   el("Span", ("· " if c["requester"] and kind else "") + kind, className="text-muted")],
           className="okno-card-meta", title=" · ".join(x for x in (c["requester"], kind) if x))
        if c["requester"] or kind else None,
        tag_chips(c.get("tags")),
        el("Div", [x for x in bottom if x is not None], className="d-flex align-items-center okno-card-bottom"),
    ]
    return el("Div", [x for x in parts if x is not None], className=" ".join(classes), tabIndex="0", role="article",
              **{"aria-label": f"#{c['number']} {c['title']}"}, **attrs)

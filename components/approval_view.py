"""Approval parts shared by the staff pages: a ticket's steps with each approver's decision (the card), the
state badge, and what the requester reads (the portal)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.i18n import N_, _

# Shown as _(f"approvals.state.{state}"), _(f"approvals.kind.{kind}"), _(f"approvals.mode.{mode}") and
# _(f"approvals.decision.{decision}"): the message ids, for extraction.
STATE_LABELS = {"pending": N_("approvals.state.pending"), "approved": N_("approvals.state.approved"),
                "rejected": N_("approvals.state.rejected")}
KIND_LABELS = {"person": N_("approvals.kind.person"), "role": N_("approvals.kind.role"),
               "manager": N_("approvals.kind.manager"), "group": N_("approvals.kind.group")}
MODE_LABELS = {"all": N_("approvals.mode.all"), "any": N_("approvals.mode.any")}
DECISION_LABELS = {"approved": N_("approvals.decision.approved"), "rejected": N_("approvals.decision.rejected")}
# The history's words for an `approval` event's to_value.
HISTORY_LABELS = {"pending": N_("approvals.history.pending"), "approved": N_("approvals.history.approved"),
                  "rejected": N_("approvals.history.rejected"), "to_lead": N_("approvals.history.to_lead")}
PORTAL_LABELS = {"pending": N_("approvals.portal.pending"), "approved": N_("approvals.portal.approved"),
                 "rejected": N_("approvals.portal.rejected")}
# A role step names the role in the plural: "Role: directors".
ROLE_LABELS = {"admin": N_("approvals.role.admin"), "manager": N_("approvals.role.manager"),
               "agent": N_("approvals.role.agent"), "analyst": N_("approvals.role.analyst"),
               "director": N_("approvals.role.director")}
STATE_COLORS = {"pending": "warning", "approved": "success", "rejected": "danger"}


def badge(state: str, bid: str | None = None):
    extra = {"id": bid} if bid else {}
    return dbc.Badge(_(f"approvals.state.{state}"), color=STATE_COLORS.get(state, "secondary"),
                     text_color="dark" if state == "pending" else None, **extra)


def steps(approval: dict, when, me: int | None = None):
    """The card's section: each step (who, all/any), each approver and their decision with its comment."""
    items = []
    for step in approval["steps"]:
        people = []
        for a in step["approvers"]:
            decision = _(f"approvals.decision.{a['decision']}") if a["decision"] else _("approvals.waiting")
            text = [html.Strong(a["name"]), f" — {decision}"]
            if a["decided_at"]:
                text.append(html.Small(f" · {when(a['decided_at'])} · {a['channel'] or ''}", className="text-muted"))
            if a["comment"]:
                text.append(html.Div(a["comment"], className="small fst-italic"))
            if me is not None and a["approver_id"] == me and not a["decision"] and step["current"]:
                text.append(html.A(_("approvals.decide_here"), href="/approvals", className="ms-2 small"))
            people.append(html.Li(text, **{"data-decision": a["decision"] or "waiting"}))
        who = step["who"]
        if step["kind"] == "role" and who in ROLE_LABELS:
            who = _(ROLE_LABELS[who])
        head = _(KIND_LABELS[step["kind"]]) + (f": {who}" if who else "") + f" · {_(MODE_LABELS[step['mode']])}"
        later = html.Li(_("approvals.later"), className="text-muted")
        items.append(html.Li([html.Span(head, className="fw-semibold" if step["current"] else ""),
                              html.Ul(people or [later], className="mb-1")]))
    return html.Div([badge(approval["state"], "tk-approval-state"), html.Ol(items, className="small mt-2 mb-0")],
                    id="tk-approval")


def portal_line(approval: dict | None, pid: str):
    """The requester's view: waiting, approved, or rejected with the reason."""
    if approval is None:
        return None
    text = [_(PORTAL_LABELS[approval["state"]])]
    if approval["state"] == "rejected" and approval["reason"]:
        text.append(html.Div(_("approvals.portal.reason", reason=approval["reason"]), className="small"))
    return dbc.Alert(text, color={"pending": "warning", "approved": "success"}.get(approval["state"], "danger"),
                     className="py-2", id=pid)

"""Why a received message was skipped, quarantined or failed, in the viewer's language.

The channel stores a message id (`inbound_messages.reason_key`) with its values; the ids are listed
here so that the catalogs are checked to have each of them. A row from before reason keys existed
shows its English reason as it was written.
"""
from __future__ import annotations

from components.i18n import N_, _

REASONS = (
    N_("ingest.reason.auto_reply"), N_("ingest.reason.bulk"), N_("ingest.reason.bounce"),
    N_("ingest.reason.bounce_ours"), N_("ingest.reason.bounce_not_ours"), N_("ingest.reason.bounce_unknown"),
    N_("ingest.reason.delay"), N_("ingest.reason.read_receipt"), N_("ingest.reason.spam_complaint"),
    N_("ingest.reason.challenge"), N_("ingest.reason.no_sender"), N_("ingest.reason.own_loop"),
    N_("ingest.reason.other_mailbox"), N_("ingest.reason.rate_limit"), N_("ingest.reason.bad_sender"),
    N_("ingest.reason.refused"), N_("ingest.reason.unknown_sender"), N_("ingest.reason.reopened"),
    N_("ingest.reason.follow_up"), N_("ingest.reason.failed"), N_("ingest.reason.no_service"),
    N_("quarantine.reason.oversized"), N_("quarantine.reason.blocked"), N_("quarantine.reason.unparsable"),
    N_("quarantine.reason.spam"), N_("quarantine.reason.deleted"),
)
STATES = {"received": N_("ingest.state.received"), "processed": N_("ingest.state.processed"),
          "skipped": N_("ingest.state.skipped"), "quarantined": N_("ingest.state.quarantined"),
          "failed": N_("ingest.state.failed")}


def reason_text(row: dict) -> str:
    """The reason of an inbound row (a dict with reason_key, reason_args, error) for the viewer."""
    key = row.get("reason_key")
    if key:
        values = {k: v for k, v in (row.get("reason_args") or {}).items() if k != "reason_key"}
        try:
            return _(key, **values)
        except (KeyError, IndexError, ValueError):  # a value the text does not name: the text without it
            return _(key)
    return row.get("error") or ""


def state_text(state: str) -> str:
    return _(STATES[state]) if state in STATES else state

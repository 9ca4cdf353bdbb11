"""The Approve / Reject buttons under an approval request: `ap:<row id>:y|n`.

The chat must be the approver's own (their profile's Telegram chat id; data/approvals/decide.py refuses any
other as unknown), so a forged or forwarded callback decides nothing and gets its reason as an alert.
"""
from __future__ import annotations

import logging

from telegram import CallbackQuery

from data.approvals import decide
from data.approvals.ask import DECISION_WORDS
from data.errors import OknoError

from ingest.telegram.turn import Turn

log = logging.getLogger("okno.telegram")


def is_approval(parts: list[str]) -> bool:
    return len(parts) == 3 and parts[0] == "ap"


def on_approval(turn: Turn, query: CallbackQuery, parts: list[str]) -> None:
    decision = DECISION_WORDS.get(parts[2], "")
    try:
        with turn.session.begin_nested():
            row = decide.decide_from_chat(turn.session, turn.chat_id, parts[1], decision)
    except OknoError as err:
        log.warning("refused approval %r from user %s in chat %s: %s", query.data, query.from_user.id,
                    turn.chat_id, err.key)
        turn.answer(query.id, err.message(turn.locale), alert=True)
        return
    turn.answer(query.id)
    if query.message is not None and getattr(query.message, "text", None):  # the buttons go, the decision stays
        turn.edit(query.message.message_id, turn.t("approvals.telegram.decided", question=query.message.text,
                                                    decision=turn.t(f"approvals.decision.{row.decision}")))

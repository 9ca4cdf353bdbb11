"""The Approve / Reject buttons under an approval request: `ap:<row id>:y|n`.

The chat must be the approver's own (their profile's Telegram chat id; data/approvals/decide.py refuses any
other as unknown), so a forged or forwarded callback decides nothing and gets its reason as an alert.
"""
from __future__ import annotations

from telegram import CallbackQuery

from data.approvals import decide
from data.approvals.ask import DECISION_WORDS

from ingest.telegram.turn import Turn


def is_approval(parts: list[str]) -> bool:
    return len(parts) == 3 and parts[0] == "ap"


def on_approval(turn: Turn, query: CallbackQuery, parts: list[str]) -> None:
    decision = DECISION_WORDS.get(parts[2], "")
    row = turn.press(query, "approval", lambda: decide.decide_from_chat(turn.session, turn.chat_id, parts[1], decision))
    if row is not None:
        turn.replace_question(query, lambda question: turn.t(
            "approvals.telegram.decided", question=question, decision=turn.t(f"approvals.decision.{row.decision}")))

"""The rating buttons under a satisfaction question: `r:<question id>:<score>`, then an optional comment.

After the score the bot asks for a comment (the chat's draft waits in step "rating_comment" when no form is
open): the next message is the comment, "Skip" (`rs:<nonce>`) ends it.

The chat's own requester must own the question (data/csat/rate.py refuses anyone else's as unknown),
so a forged callback rates nothing; a spent or expired question gets its reason as an alert.
"""
from __future__ import annotations

from telegram import CallbackQuery

from data.csat import rate
from data.errors import OknoError

from ingest.telegram.turn import Turn, reset_draft


COMMENT_STEP = "rating_comment"


def is_rating(parts: list[str]) -> bool:
    return (len(parts) == 3 and parts[0] == "r") or (len(parts) == 2 and parts[0] == "rs")


def on_rating(turn: Turn, query: CallbackQuery, parts: list[str]) -> None:
    if parts[0] == "rs":
        _skip(turn, query, parts[1])
        return
    rating_id = int(parts[1]) if parts[1].isdigit() else 0
    rating = turn.press(query, "rating", lambda: rate.rate_as(turn.session, turn.requester.id, rating_id, parts[2]))
    if rating is None:
        return
    turn.replace_question(query, lambda question: turn.t("csat.telegram.rated", question=question, score=rating.score))
    if turn.draft.step == "idle":  # never in the middle of a form
        reset_draft(turn.draft, COMMENT_STEP, rating_id=rating.id)
        turn.say(turn.t("csat.telegram.ask_comment"), [[(turn.t("csat.telegram.skip"), f"rs:{turn.draft.nonce}")]])


def _skip(turn: Turn, query: CallbackQuery, nonce: str) -> None:
    if turn.draft.step != COMMENT_STEP or nonce != turn.draft.nonce:
        turn.answer(query.id, turn.t("tg.stale_button"), alert=True)
        return
    reset_draft(turn.draft)
    turn.answer(query.id)
    turn.replace_question(query, lambda question: question)  # the Skip button goes away


def on_comment(turn: Turn, text: str) -> None:
    """The message after a score is its comment."""
    rating_id = (turn.draft.data or {}).get("rating_id") or 0
    reset_draft(turn.draft)
    try:
        with turn.session.begin_nested():
            rate.add_comment(turn.session, turn.requester.id, rating_id, text)
    except OknoError as err:
        turn.say(err.message(turn.locale))
        return
    turn.say(turn.t("csat.telegram.comment_saved"))

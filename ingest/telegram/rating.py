"""The rating buttons under a satisfaction question: `r:<question id>:<score>`.

The chat's own requester must own the question (data/csat/rate.py refuses anyone else's as unknown),
so a forged callback rates nothing; a spent or expired question gets its reason as an alert.
"""
from __future__ import annotations

import logging

from telegram import CallbackQuery

from data.csat import rate
from data.errors import OknoError

from ingest.telegram.turn import Turn

log = logging.getLogger("okno.telegram")


def is_rating(parts: list[str]) -> bool:
    return len(parts) == 3 and parts[0] == "r"


def on_rating(turn: Turn, query: CallbackQuery, parts: list[str]) -> None:
    rating_id = int(parts[1]) if parts[1].isdigit() else 0
    try:
        with turn.session.begin_nested():
            rating = rate.rate_as(turn.session, turn.requester.id, rating_id, parts[2])
    except OknoError as err:
        log.warning("refused rating %r from user %s in chat %s: %s", query.data, query.from_user.id,
                    turn.chat_id, err.key)
        turn.answer(query.id, err.message(turn.locale), alert=True)
        return
    turn.answer(query.id)
    if query.message is not None and getattr(query.message, "text", None):  # the buttons go away
        turn.edit(query.message.message_id, turn.t("csat.telegram.rated", question=query.message.text,
                                                    score=rating.score))

"""Knowledge-base suggestions before a request is filed from a plain message (issue #16).

The requester's first message (outside a form, in a private chat) is held in the chat's draft (step "suggest")
while the bot shows up to five published articles that may answer it, each with a link to the portal article:
"✅ n: this solved it" (`ks:<nonce>:<article id>`) records a deflection and files nothing; "No, file my request"
(`kf:<nonce>`) files the held message as the bot always did. Writing on instead of pressing files the held
message together with the new one: suggestions are offered once per request. A button of an older offer is
stale (the nonce changes with every draft), like every other form button.
"""
from __future__ import annotations

import logging

from telegram import Bot, CallbackQuery

from data import batch, kb
from data.kb.replies import portal_url
from data.errors import OknoError

from ingest.telegram import preload
from ingest.telegram.turn import Turn, reset_draft

log = logging.getLogger("okno.telegram")

STEP = "suggest"
SHOWN = 5


def offer(turn: Turn, text: str, message_id: int) -> bool:
    """Show the articles that may answer `text` and hold the message; False (nothing held) when none match."""
    if not turn.private:
        return False
    if turn.session.info.get(batch.FLAG) and not preload.articles(turn.session):
        return False  # nothing published: no search per message (a batch asks once)
    found = kb.suggest(turn.session, text, SHOWN)
    if not found:
        return False
    reset_draft(turn.draft, STEP, text=text, message_id=message_id, articles=[a["id"] for a in found])
    nonce = turn.draft.nonce
    lines = [turn.t("tg.kb.intro")] + [f"{n}. {a['title']}\n{portal_url(a['id'])}" for n, a in enumerate(found, 1)]
    buttons = [[(turn.t("tg.kb.solved", n=n), f"ks:{nonce}:{a['id']}")] for n, a in enumerate(found, 1)]
    turn.say("\n\n".join(lines), buttons + [[(turn.t("tg.kb.file"), f"kf:{nonce}")]])
    return True


def held(turn: Turn) -> str | None:
    """The message held while suggestions were shown (the requester wrote on instead of pressing); released."""
    if turn.draft.step != STEP:
        return None
    text = (turn.draft.data or {}).get("text") or ""
    reset_draft(turn.draft)
    return text


def is_suggestion(parts: list[str]) -> bool:
    return parts[0] in ("ks", "kf") and len(parts) in (2, 3)


async def on_button(turn: Turn, bot: Bot, query: CallbackQuery, parts: list[str]) -> None:
    draft = turn.draft
    data = draft.data or {}
    article_id = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else None
    valid = draft.step == STEP and parts[1] == draft.nonce and (
        (parts[0] == "ks" and article_id in (data.get("articles") or [])) or (parts[0] == "kf" and len(parts) == 2))
    if not valid:
        log.warning("refused suggestion button %r from user %s in chat %s (draft step %s)", query.data,
                    query.from_user.id, turn.chat_id, draft.step)
        turn.answer(query.id, turn.t("tg.stale_button"), alert=True)
        return
    text, message_id = data.get("text") or "", data.get("message_id")
    reset_draft(draft)
    turn.answer(query.id)
    if parts[0] == "ks":
        try:
            with turn.session.begin_nested():
                kb.record_deflection(turn.session, turn.requester, article_id, channel="telegram")
        except OknoError as err:  # unpublished since it was shown: file the request after all
            log.info("deflection refused in chat %s: %s", turn.chat_id, err.key)
        else:
            turn.say(turn.t("tg.kb.thanks"))
            return
    from ingest.telegram.flow import new_request  # flow holds messages here: imported late, no cycle
    await new_request(turn, text, [], None, message_id)

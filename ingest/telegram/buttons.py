"""Inline buttons: `<action>:<nonce>:<ids>` applied only to the chat's own current draft and step.

A button from another chat, an old form or a made-up callback is refused with a clear answer and
a log line (the nonce is random per form, so it cannot be guessed or reused across chats).
"""
from __future__ import annotations

import logging

from telegram import Bot, CallbackQuery

from data.errors import OknoError, ValidationError
from data.intake import answers
from data.models import RequestType

from ingest.telegram import form, suggest
from ingest.telegram.flow import download, on_command
from ingest.telegram.approval import is_approval, on_approval
from ingest.telegram.rating import is_rating, on_rating
from ingest.telegram.requests import checklist_items, submit, validate
from ingest.telegram.turn import Turn, reset_draft

log = logging.getLogger("okno.telegram")


async def on_callback(turn: Turn, bot: Bot, query: CallbackQuery) -> None:
    data = query.data or ""
    parts = data.split(":")
    if parts[0] == "m" and len(parts) == 2 and parts[1] in ("new", "my", "link") and turn.private:
        turn.answer(query.id)
        await on_command(turn, parts[1])
        return
    if is_rating(parts):  # a satisfaction question's buttons: not part of a form
        on_rating(turn, query, parts)
        return
    if is_approval(parts):  # an approver's decision: not part of a form
        on_approval(turn, query, parts)
        return
    if suggest.is_suggestion(parts):  # knowledge-base suggestions before a request is filed
        await suggest.on_button(turn, bot, query, parts)
        return
    if not await _apply_button(turn, bot, parts):
        log.warning("refused callback %r from user %s in chat %s (draft step %s)", data[:64],
                    query.from_user.id, turn.chat_id, turn.draft.step)
        turn.answer(query.id, turn.t("tg.stale_button"), alert=True)
        return
    turn.answer(query.id)
    label = _button_label(query, data)
    if label and query.message is not None and getattr(query.message, "text", None):
        turn.edit(query.message.message_id, turn.t("tg.chosen", prompt=query.message.text, choice=label))


def _button_label(query: CallbackQuery, data: str) -> str | None:
    markup = getattr(query.message, "reply_markup", None)
    for row in (markup.inline_keyboard if markup else ()):
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


async def _apply_button(turn: Turn, bot: Bot, parts: list[str]) -> bool:
    """Apply a pressed button if it belongs to this chat's current draft and step; False refuses it."""
    draft = turn.draft
    if len(parts) < 2 or parts[1] != draft.nonce or draft.step == "idle":
        return False
    action, args = parts[0], [_int(p) for p in parts[2:]]
    if None in args:
        return False
    if action == "x" and not args:
        reset_draft(draft)
        turn.say(turn.t("tg.cancelled"))
        return True
    if action == "s" and draft.step == "service" and len(args) == 1:
        service = next((s for s in form.services(turn) if s.id == args[0]), None)
        if service is not None:
            form.choose_service(turn, service)
        return service is not None
    if action == "t" and draft.step == "type" and len(args) == 1:
        rt = turn.session.get(RequestType, args[0])
        ok = rt is not None and rt.is_active and rt.service_id == draft.data.get("service_id")
        if ok:
            form.choose_type(turn, rt)
        return ok
    if action in ("o", "k", "d") and draft.step == "field" and args and args[0] == draft.data.get("field"):
        field = form.fields(turn)[args[0]]
        if action == "d" and len(args) == 1 and field.get("type") == "multiselect":
            if field.get("required") and not (draft.data.get("values") or {}).get(field["key"]):
                turn.say(turn.t("tg.field.required"))
                form.ask_field(turn, args[0], field)  # a fresh list to choose from, under the warning
            else:
                form.advance(turn)
            return True
        if action == "k" and len(args) == 1 and not field.get("required") and field.get("type") != "checkbox":
            form.set_value(turn, None)
            return True
        if action == "o" and len(args) == 2:
            if field.get("type") == "checkbox" and args[1] in (0, 1):
                form.set_value(turn, bool(args[1]))
                return True
            options = field.get("options") or []
            if field.get("type") == "select" and args[1] < len(options):
                form.set_value(turn, options[args[1]])
                return True
            if field.get("type") == "multiselect" and args[1] < len(options):
                form.toggle_option(turn, field, options[args[1]])
                return True
        return False
    if action == "c" and draft.step == "checklist" and len(args) == 1:
        required = {i for i, _t, req in checklist_items(form.request_type(turn)) if req}
        if args[0] in required:
            form.confirm_item(turn, args[0])
        return args[0] in required
    if action == "f" and draft.step == "files" and not args:
        form.summary(turn)
        return True
    if action == "y" and draft.step == "confirm" and not args:
        await submit_form(turn, bot)
        return True
    return False


async def submit_form(turn: Turn, bot: Bot) -> None:
    data = turn.draft.data
    rt = form.request_type(turn)
    try:
        values = validate(turn.session, rt, data.get("values") or {}, data.get("confirmed") or []) if rt else {}
    except ValidationError as err:
        labels = {f.get("key"): answers.label(f, turn.locale) for f in form.fields(turn)}
        turn.say(turn.t("tg.invalid", errors=", ".join(labels.get(k, k) for k in err.fields)))
        turn.draft.data = dict(data, field=-1)
        form.advance(turn)
        return
    try:
        attachments = await download(bot, data.get("files") or [])
        with turn.session.begin_nested():
            ticket = submit(turn.session, turn.requester, service_id=data["service_id"],
                            request_type_id=rt.id if rt else None, title=form.title_of(turn),
                            description=str(values.get("description") or ""), values=values,
                            checklist_confirmed=data.get("confirmed") or [], channel="telegram",
                            attachments=attachments)
    except OknoError as err:
        reset_draft(turn.draft)
        turn.say(err.message(turn.locale))
        return
    reset_draft(turn.draft)
    turn.say(turn.t("tg.created", number=ticket.number, title=ticket.title), ticket=ticket)

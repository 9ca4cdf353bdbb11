"""Handling a message: commands, the form's typed answers and files, plain text, replies, groups.

Runs inside the transaction that marks the stored update processed (see telegram_updates.py).
"""
from __future__ import annotations

import logging
import re

from sqlalchemy import select
from telegram import Bot, Message
from telegram.error import BadRequest

from data import batch
from data.intake import portal
from data.tickets import actions as tickets
from data.config import get_config
from data.errors import OknoError, Text, ValidationError
from data.models import Outbox, Service, Ticket

from ingest.telegram import form
from ingest.telegram import link, preload, rating, suggest
from ingest.telegram.requests import add_attachments, submit
from ingest.telegram.turn import Turn, reset_draft

log = logging.getLogger("okno.telegram")


def menu(turn: Turn) -> list[list[tuple[str, str]]]:
    return [[(turn.t("tg.menu.new"), "m:new")], [(turn.t("tg.menu.my"), "m:my")], [(turn.t("tg.menu.link"), "m:link")]]


def _command(turn: Turn, text: str) -> str | None:
    match = re.match(r"^/([a-z_]+)(?:@(\w+))?", text.strip(), re.I)
    if not match:
        return None
    if match.group(2) and match.group(2).lower() != turn.bot_username.lower():
        return "other-bot"
    return match.group(1).lower()


def _addressed_in_group(turn: Turn, message: Message, text: str) -> tuple[bool, str]:
    """In a group the bot speaks only when mentioned or replied to; the mention is cut from the text."""
    mention = f"@{turn.bot_username}".lower()
    replied = message.reply_to_message is not None and message.reply_to_message.from_user is not None \
        and message.reply_to_message.from_user.id == turn.bot_id
    if mention and mention in text.lower():
        return True, re.sub(re.escape(mention), "", text, flags=re.I).strip()
    return replied or text.startswith("/"), text


# What a phone sends besides photos and documents: (message attribute, file name stem, extension, type).
MEDIA = (("video", "video", "mp4", "video/mp4"), ("voice", "voice", "ogg", "audio/ogg"),
         ("video_note", "video_note", "mp4", "video/mp4"), ("audio", "audio", "mp3", "audio/mpeg"),
         ("animation", "animation", "mp4", "video/mp4"))


def file_of(message: Message) -> dict | None:
    """The file a message carries (the largest size of a photo), as the draft keeps it until download."""
    if message.photo:
        photo = message.photo[-1]
        return {"file_id": photo.file_id, "name": f"photo_{message.message_id}.jpg", "mime": "image/jpeg",
                "size": photo.file_size or 0}
    if message.document:
        doc = message.document
        return {"file_id": doc.file_id, "name": doc.file_name or f"document_{message.message_id}",
                "mime": doc.mime_type or "application/octet-stream", "size": doc.file_size or 0}
    for attr, stem, ext, mime in MEDIA:
        media = getattr(message, attr, None)
        if media is not None:
            return {"file_id": media.file_id, "name": getattr(media, "file_name", None) or f"{stem}_{message.message_id}.{ext}",
                    "mime": getattr(media, "mime_type", None) or mime, "size": media.file_size or 0}
    return None


async def on_message(turn: Turn, bot: Bot, message: Message) -> None:
    text = message.text or message.caption or ""
    if not turn.private:
        addressed, text = _addressed_in_group(turn, message, text)
        if not addressed:
            return
    command = _command(turn, text)
    if command == "other-bot":
        return
    if command:
        await on_command(turn, command)
        return
    file = file_of(message)
    replied_ticket = _replied_ticket(turn, message)
    step = turn.draft.step
    if replied_ticket is not None or step in ("idle", suggest.STEP) or not turn.private:
        await plain(turn, bot, message, text, file, replied_ticket)
    elif step in ("link_email", "link_pin"):
        link.on_text(turn, text)
    elif step == "describe":
        await describe(turn, bot, message, text, file)
    elif step == "field":
        await on_field_input(turn, text, file)
    elif step == rating.COMMENT_STEP:
        rating.on_comment(turn, text)
    elif step == "files" and file:
        if form.add_file(turn, file, get_config().max_attachment_bytes):
            turn.say(turn.t("tg.files.got", name=file["name"]),
                     [[(turn.t("tg.files.done"), f"f:{turn.draft.nonce}")]])
    else:
        turn.say(turn.t("tg.field.use_buttons"))


async def on_command(turn: Turn, command: str) -> None:
    if command == "new" and turn.private:
        form.start(turn)
    elif command == "new":
        turn.say(turn.t("tg.group_only_simple"))
    elif command == "my":
        my_requests(turn)
    elif command == "cancel":
        was = turn.draft.step
        reset_draft(turn.draft)
        turn.say(turn.t("tg.cancelled") if was != "idle" else turn.t("tg.nothing_to_cancel"))
    elif command == "link" and turn.private:
        link.ask(turn)
    else:  # /start, /help and anything unknown
        reset_draft(turn.draft)
        turn.say(turn.t("tg.start", name=turn.requester.name), menu(turn) if turn.private else None)


async def on_field_input(turn: Turn, text: str, file: dict | None) -> None:
    field = form.fields(turn)[turn.draft.data["field"]]
    if field.get("type") == "file" and file:
        file["field"] = field["key"]
        if form.add_file(turn, file, get_config().max_attachment_bytes):
            form.set_value(turn, file["name"])
        return
    value, error = form.parse_typed(field, text)
    if error:
        turn.say(turn.t(error))
        return
    form.set_value(turn, value)


def _replied_ticket(turn: Turn, message: Message) -> Ticket | None:
    """The request a reply is about: the bot's message it answers was sent for that request."""
    reply = message.reply_to_message
    if reply is None or reply.from_user is None or reply.from_user.id != turn.bot_id:
        return None
    ticket_id = turn.session.scalar(select(Outbox.ticket_id).where(
        Outbox.channel == "telegram", Outbox.recipient == turn.chat_id,
        Outbox.external_id == str(reply.message_id), Outbox.ticket_id.is_not(None)).limit(1))
    ticket = turn.session.get(Ticket, ticket_id) if ticket_id else None
    return ticket if ticket is not None and ticket.requester_id == turn.requester.id else None


BOT_API_DOWNLOAD_MB = 20  # Telegram's cloud Bot API serves bots files up to this size (a self-hosted one more)


async def download(bot: Bot, files: list[dict]) -> list[dict]:
    """Fetch the files from Telegram now that the request is being created. A file Telegram won't hand
    out (over its 20 MB download limit) is refused like one over ours: ValidationError naming it."""
    out = []
    for item in files:
        try:
            tg_file = await bot.get_file(item["file_id"])
        except BadRequest as err:
            if "too big" not in err.message.lower():
                raise
            raise ValidationError("file.too_big", {"attachments": Text("file.too_big", name=item["name"],
                                                                       limit=BOT_API_DOWNLOAD_MB)},
                                  name=item["name"], limit=BOT_API_DOWNLOAD_MB) from None
        content = await tg_file.download_as_bytearray()
        out.append({"filename": item["name"], "content_type": item.get("mime"), "content": bytes(content),
                    **({"field": item["field"]} if item.get("field") else {})})
    return out


def default_service(turn: Turn) -> Service | None:
    """TELEGRAM_DEFAULT_SERVICE (by code), else the portal's first service; a batch looks it up once."""
    info = turn.session.info
    if info.get(batch.FLAG):
        if preload.SERVICE not in info:
            info[preload.SERVICE] = _default_service(turn)
            batch.keep(turn.session, *([info[preload.SERVICE]] if info[preload.SERVICE] is not None else []))
        return info[preload.SERVICE]
    return _default_service(turn)


def _default_service(turn: Turn) -> Service | None:
    code = get_config().telegram_default_service
    if code:
        found = turn.session.scalar(select(Service).where(Service.code == code, Service.is_active))
        if found is not None:
            return found
        log.warning("TELEGRAM_DEFAULT_SERVICE=%r is not an active service; using the first one", code)
    return next(iter(form.services(turn)), None)


async def plain(turn: Turn, bot: Bot, message: Message, text: str, file: dict | None,
                replied: Ticket | None) -> None:
    """Outside a form: a reply to a request's message is a comment on it, anything else a new request."""
    if not text.strip() and file is None:
        turn.say(turn.t("tg.start", name=turn.requester.name), menu(turn) if turn.private else None)
        return
    limit = get_config().max_attachment_bytes
    if file and file["size"] > limit:
        form.add_file(turn, file, limit)  # says why it was refused
        return
    try:
        attachments = await download(bot, [file]) if file else []
    except OknoError as err:
        turn.say(err.message(turn.locale))
        return
    if replied is not None:
        try:
            with turn.session.begin_nested():
                comment = tickets.comment(turn.session, turn.requester, replied.id, text.strip() or file["name"],
                                          public=True, channel="telegram",
                                          external_id=f"{turn.chat_id}:{message.message_id}")
                add_attachments(turn.session, replied, attachments, comment)
        except OknoError as err:  # a file of a type or size the desk does not take: say so, add nothing
            turn.say(err.message(turn.locale), ticket=replied)
            return
        turn.say(turn.t("tg.commented", number=replied.number), ticket=replied)
        return
    held = suggest.held(turn)  # articles were suggested and the requester wrote on: file it all
    if held is None and file is None and suggest.offer(turn, text.strip(), message.message_id):
        return
    await new_request(turn, f"{held}\n{text.strip()}" if held else text, attachments, file, message.message_id)


async def new_request(turn: Turn, text: str, attachments: list[dict], file: dict | None, reply_to: int | None) -> None:
    """A plain message (or one held for suggestions) becomes a request in the default service."""
    service = default_service(turn)
    if service is None:
        turn.say(turn.t("tg.no_services"))
        return
    title = re.sub(r"\s+", " ", (text.strip().splitlines() or [file["name"] if file else ""])[0])[:120]
    try:
        with turn.session.begin_nested():
            ticket = submit(turn.session, turn.requester, service_id=service.id, title=title or file["name"],
                            description=text.strip(), channel="telegram", attachments=attachments)
    except OknoError as err:  # e.g. the default service wants a request type: offer the form instead
        log.warning("plain message in chat %s not registered in service %s: %s", turn.chat_id, service.code, err)
        turn.say(turn.t("tg.use_form", reason=err.message(turn.locale)), menu(turn) if turn.private else None)
        return
    turn.say(turn.t("tg.created", number=ticket.number, title=ticket.title), ticket=ticket, reply_to=reply_to)


async def describe(turn: Turn, bot: Bot, message: Message, text: str, file: dict | None) -> None:
    """A service without request types: the next message is the request."""
    service_id = turn.draft.data.get("service_id")
    reset_draft(turn.draft)
    service = turn.session.get(Service, service_id)
    if service is None or not text.strip():
        turn.say(turn.t("tg.field.required"))
        return
    try:
        attachments = await download(bot, [file]) if file else []
        with turn.session.begin_nested():
            ticket = submit(turn.session, turn.requester, service_id=service.id,
                            title=text.strip().splitlines()[0][:120], description=text.strip(), channel="telegram",
                            attachments=attachments)
    except OknoError as err:
        turn.say(err.message(turn.locale))
        return
    turn.say(turn.t("tg.created", number=ticket.number, title=ticket.title), ticket=ticket)


def my_requests(turn: Turn) -> None:
    """The requester's latest requests, as the portal lists them."""
    rows = portal.my_requests(turn.session, turn.requester, turn.locale, limit=20)
    if not rows:
        turn.say(turn.t("tg.my.none"))
        return
    lines = [turn.t("tg.my.title")] + [f"#{r['number']} · {r['title'][:60]} — {r['status_label']}" for r in rows]
    turn.say("\n".join(lines))

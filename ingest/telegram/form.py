"""The "new request" form in a chat: service → request type → fields → checklist → files → summary.

Every step reads and writes the draft row (PostgreSQL), never memory, so a restarted worker picks
up exactly where the requester was. Buttons carry `<action>:<nonce>:<ids>` (≤ 64 bytes).
"""
from __future__ import annotations

import re
from datetime import datetime

from data.intake import answers, portal
from data.i18n import N_
from data.models import RequestType, Service

from ingest.telegram.requests import checklist_items, visible
from ingest.telegram.turn import Turn, reset_draft

MAX_FILES = 10


def services(turn: Turn) -> list[Service]:
    """The services a request can be made to: the portal's list."""
    return portal.services(turn.session)


def types_of(turn: Turn, service_id: int) -> list[RequestType]:
    return portal.request_types(turn.session, service_id)


def request_type(turn: Turn) -> RequestType | None:
    type_id = turn.draft.data.get("request_type_id")
    return turn.session.get(RequestType, type_id) if type_id else None


def start(turn: Turn) -> None:
    reset_draft(turn.draft, "service")
    found = services(turn)
    if not found:
        reset_draft(turn.draft)
        turn.say(turn.t("tg.no_services"))
        return
    nonce = turn.draft.nonce
    turn.say(turn.t("tg.choose_service"), [[(s.name[:60], f"s:{nonce}:{s.id}")] for s in found]
             + [[(turn.t("tg.cancel_button"), f"x:{nonce}")]])


def choose_service(turn: Turn, service: Service) -> None:
    data = dict(turn.draft.data, service_id=service.id, values={}, confirmed=[], files=[])
    found = types_of(turn, service.id)
    nonce = turn.draft.nonce
    if not found:  # a service without types: one free-text message is the request
        turn.draft.step, turn.draft.data = "describe", data
        turn.say(turn.t("tg.describe", service=service.name))
        return
    turn.draft.step, turn.draft.data = "type", data
    turn.say(turn.t("tg.choose_type", service=service.name),
             [[(rt.name[:60], f"t:{nonce}:{rt.id}")] for rt in found] + [[(turn.t("tg.cancel_button"), f"x:{nonce}")]])


def choose_type(turn: Turn, rt: RequestType) -> None:
    turn.draft.data = dict(turn.draft.data, request_type_id=rt.id, values={}, field=-1)
    advance(turn)


def fields(turn: Turn) -> list[dict]:
    rt = request_type(turn)
    return list((rt.field_schema if rt else None) or [])


def advance(turn: Turn) -> None:
    """Ask the next visible field; after the last one, the checklist, then files."""
    data = dict(turn.draft.data)
    schema, values = fields(turn), data.get("values") or {}
    for index in range(int(data.get("field", -1)) + 1, len(schema)):
        if schema[index].get("key") and visible(schema[index], values):
            turn.draft.step, turn.draft.data = "field", dict(data, field=index)
            ask_field(turn, index, schema[index])
            return
    turn.draft.data = dict(data, field=len(schema))
    ask_checklist(turn)


def ask_field(turn: Turn, index: int, field: dict) -> None:
    nonce, kind = turn.draft.nonce, field.get("type", "text")
    text = turn.t("tg.field", label=answers.label(field, turn.locale),
                  optional="" if field.get("required") or kind == "checkbox" else turn.t("tg.optional"))
    help_text = field.get(f"help_{turn.locale}") or field.get("help")  # the admin's text in the chat's language
    if help_text:
        text += f"\n{help_text}"
    buttons: list[list[tuple[str, str]]] = []
    if kind == "select":
        buttons = [[(answers.option_label(opt, turn.locale)[:60], f"o:{nonce}:{index}:{i}")]
                   for i, opt in enumerate(field.get("options") or [])]
    elif kind == "multiselect":  # toggles; the chosen ones are ticked, "Done" moves on
        chosen = (turn.draft.data.get("values") or {}).get(field["key"]) or []
        buttons = [[(("✓ " if opt in chosen else "") + answers.option_label(opt, turn.locale)[:58], f"o:{nonce}:{index}:{i}")]
                   for i, opt in enumerate(field.get("options") or [])]
        buttons.append([(turn.t("tg.files.done"), f"d:{nonce}:{index}")])
    elif kind == "checkbox":
        buttons = [[(turn.t("tg.yes"), f"o:{nonce}:{index}:1"), (turn.t("tg.no"), f"o:{nonce}:{index}:0")]]
    else:
        hint = {"number": N_("tg.field.type_number"), "date": N_("tg.field.type_date"),
                "file": N_("tg.field.send_file")}.get(kind, N_("tg.field.type_text"))
        text += "\n" + turn.t(hint)
    if not field.get("required") and kind != "checkbox":
        buttons.append([(turn.t("tg.skip"), f"k:{nonce}:{index}")])
    turn.say(text, buttons + [[(turn.t("tg.cancel_button"), f"x:{nonce}")]])


def set_value(turn: Turn, value, move_on: bool = True) -> None:
    data = dict(turn.draft.data)
    key = fields(turn)[data["field"]]["key"]
    data["values"] = dict(data.get("values") or {}, **{key: value})
    turn.draft.data = data
    if move_on:
        advance(turn)


def toggle_option(turn: Turn, field: dict, option) -> None:
    """Multiselect: add or remove one option and show the list again with the current choice."""
    chosen = list((turn.draft.data.get("values") or {}).get(field["key"]) or [])
    chosen = [o for o in chosen if o != option] if option in chosen else chosen + [option]
    set_value(turn, [o for o in field.get("options") or [] if o in chosen], move_on=False)
    ask_field(turn, turn.draft.data["field"], field)


def parse_typed(field: dict, text: str):
    """The typed answer as the field's type wants it, or an error key."""
    kind, text = field.get("type", "text"), text.strip()
    if not text:
        return None, N_("tg.field.required")
    if kind == "number":
        try:
            number = float(text.replace(",", ".").replace(" ", ""))
        except ValueError:
            return None, N_("tg.field.bad_number")
        return (int(number) if number.is_integer() else number), None
    if kind == "date":
        for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(text, fmt).date().isoformat(), None
            except ValueError:
                pass
        return None, N_("tg.field.bad_date")
    if kind == "select":
        for option in field.get("options") or []:
            if str(option).casefold() == text.casefold():
                return option, None
        return None, N_("tg.field.use_buttons")
    if kind in ("checkbox", "multiselect"):
        return None, N_("tg.field.use_buttons")
    if kind == "file":
        return None, N_("tg.field.send_file")
    return text[:4000], None


def ask_checklist(turn: Turn) -> None:
    confirmed = turn.draft.data.get("confirmed") or []
    for index, text, required in checklist_items(request_type(turn)):
        if required and index not in confirmed:
            turn.draft.step = "checklist"
            turn.say(turn.t("tg.confirm_item", text=text),
                     [[(turn.t("tg.confirm_button"), f"c:{turn.draft.nonce}:{index}")],
                      [(turn.t("tg.cancel_button"), f"x:{turn.draft.nonce}")]])
            return
    ask_files(turn)


def confirm_item(turn: Turn, index: int) -> None:
    confirmed = list(turn.draft.data.get("confirmed") or [])
    if index not in confirmed:
        confirmed.append(index)
    turn.draft.data = dict(turn.draft.data, confirmed=confirmed)
    ask_checklist(turn)


def ask_files(turn: Turn) -> None:
    turn.draft.step = "files"
    turn.say(turn.t("tg.files"), [[(turn.t("tg.files.done"), f"f:{turn.draft.nonce}")],
                                  [(turn.t("tg.cancel_button"), f"x:{turn.draft.nonce}")]])


def add_file(turn: Turn, file: dict, limit_bytes: int) -> bool:
    """Keep a sent photo/document (its Telegram file id; bytes are fetched on submit)."""
    files = list(turn.draft.data.get("files") or [])
    if len(files) >= MAX_FILES:
        turn.say(turn.t("tg.files.too_many", limit=MAX_FILES))
        return False
    if (file.get("size") or 0) > limit_bytes:
        turn.say(turn.t("tg.files.too_big", name=file["name"], size=round(file["size"] / 2**20, 1),
                        limit=round(limit_bytes / 2**20)))
        return False
    files.append(file)
    turn.draft.data = dict(turn.draft.data, files=files)
    return True


def title_of(turn: Turn) -> str:
    """A card title a person can scan: the type's name and the first typed answer."""
    rt, values = request_type(turn), turn.draft.data.get("values") or {}
    first = next((str(values[f["key"]]) for f in fields(turn)
                  if f.get("type", "text") in ("text", "textarea") and values.get(f.get("key"))), "")
    first = re.sub(r"\s+", " ", first)[:120]
    return f"{rt.name}: {first}" if rt and first else (rt.name if rt else first or "Telegram")


def summary(turn: Turn) -> None:
    data, rt = turn.draft.data, request_type(turn)
    service = turn.session.get(Service, data.get("service_id"))
    lines = [turn.t("tg.summary.service") + f": {service.name if service else '—'}"]
    if rt:
        lines.append(turn.t("tg.summary.type") + f": {rt.name}")
    values = data.get("values") or {}
    for field in fields(turn):
        key = field.get("key")
        if key in values and visible(field, values):
            value = values[key]
            if isinstance(value, bool):
                value = turn.t("tg.yes") if value else turn.t("tg.no")
            else:
                value = answers.shown(field, value, turn.locale)
            lines.append(f"{answers.label(field, turn.locale)}: {value}")
    confirmed = [text for i, text, req in checklist_items(rt) if req and i in (data.get("confirmed") or [])]
    if confirmed:
        lines.append(turn.t("tg.summary.confirmed") + ": " + "; ".join(confirmed))
    if data.get("files"):
        lines.append(turn.t("tg.summary.files") + ": " + ", ".join(f["name"] for f in data["files"]))
    turn.draft.step = "confirm"
    turn.say(turn.t("tg.summary", body="\n".join(lines)),
             [[(turn.t("tg.submit"), f"y:{turn.draft.nonce}"), (turn.t("tg.cancel_button"), f"x:{turn.draft.nonce}")]])

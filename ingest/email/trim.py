"""Trim quoted history and signatures from a reply, for the card; the original stays on the ticket.

Cuts at the first reply header ("On ... wrote:", "-----Original Message-----", Outlook's
"From: / Sent:" block, Russian "пишет:" / "написал(а):" / "От: / Отправлено:"), the quote headers of
Yandex ("10.03.2026, 14:02, "Иван" <ivan@yandex.ru>:"), Mail.ru ("Понедельник, 10 марта 2026, 14:02
+03:00 от Иван <ivan@mail.ru>:") and Gmail in Russian ("пн, 10 мар. 2026 г. в 14:02, Иван <i@x>:"),
at a trailing block of ">" lines, at the "-- " signature separator and at "Sent from my iPhone"-style
lines. A closing ("С уважением," / "Best regards,") keeps the name under it; the rest of a short
signature block below (position, phones, company) goes.
"""
from __future__ import annotations

import re

_HEADER_LINE = re.compile(
    r"^\s*(-{2,}\s*(original message|исходное сообщение|пересылаемое сообщение|forwarded message)\s*-{2,}"
    r"|_{20,}"
    r"|on\b.{0,200}\bwrote:\s*$"
    r"|.{0,200}\b(пишет|написал|написала|написал\(а\)|wrote)\s*:\s*$"
    r"|le\b.{0,200}\ba écrit\s*:\s*$"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}.{0,120}(<[^>]+@[^>]+>|@).{0,80}:\s*$"
    r"|.{0,200}\bот\b.{0,200}(<[^<>\s]+@[^<>\s]+>|[^\s@]+@[^\s@]+)\s*:\s*$"  # Mail.ru
    r"|.{0,200}\d{1,2}:\d{2}.{0,200}<[^<>\s]+@[^<>\s]+>\s*:\s*$)",  # Gmail, Yandex in any language
    re.IGNORECASE)
# A header block quoted by Outlook: "From: x" then "Sent:/Date:/To:" within the next two lines.
_FROM = re.compile(r"^\s*\*?(from|от|de)\s*:\*?\s", re.IGNORECASE)
_SENT = re.compile(r"^\s*\*?(sent|date|to|subject|cc|отправлено|дата|кому|тема|копия)\s*:\*?\s", re.IGNORECASE)
_SIGNATURE = re.compile(r"^(--|-- |—)\s*$")
_MOBILE = re.compile(r"^\s*(sent from my |sent from (yandex|mail\.ru|outlook)|sent from mail\.ru app|"
                     r"отправлено (с|из) |отправлено со смартфона|get outlook for |"
                     r"с уважением,?\s*$|best regards,?\s*$|regards,?\s*$)", re.IGNORECASE)
_CLOSING = re.compile(r"^\s*(с уважением|с наилучшими пожеланиями|всего (доброго|хорошего)|"
                      r"best regards|kind regards|regards|best wishes|yours sincerely|sincerely)\s*[,.!]?\s*$",
                      re.IGNORECASE)
_SIGNATURE_LINES = 6  # at most this many lines under a closing's name are taken for a signature block


def _is_header(lines: list[str], i: int) -> bool:
    line = lines[i].lstrip("> ")  # "> On ... wrote:" starts quoted history as well
    if _HEADER_LINE.match(line):
        return True
    # "On <date>, X <x@y>\nwrote:" wrapped over two lines by the sender's client
    nxt = lines[i + 1].lstrip("> ") if i + 1 < len(lines) else ""
    if nxt and line.strip() and not _HEADER_LINE.match(nxt) and _HEADER_LINE.match(line.rstrip() + " " + nxt.strip()):
        return True
    return bool(_FROM.match(line) and any(_SENT.match(n) for n in lines[i + 1:i + 3]))


def _without_signature_block(lines: list[str]) -> list[str]:
    """Keep the closing and the name under it; drop a short block after them (position, phones, company)."""
    for i in range(len(lines) - 1, max(-1, len(lines) - _SIGNATURE_LINES - 3), -1):
        if _CLOSING.match(lines[i]) and i > 0:
            rest = lines[i + 1:]
            names = [n for n, ln in enumerate(rest) if ln.strip()]
            if not names:
                return lines
            tail = rest[names[0] + 1:]
            if len([ln for ln in tail if ln.strip()]) <= _SIGNATURE_LINES:
                return lines[:i + 1] + rest[:names[0] + 1]
            return lines
    return lines


def trim_reply(text: str) -> str:
    """The new part of a message: without the quoted history and the signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for i in range(len(lines)):
        if _is_header(lines, i) or _SIGNATURE.match(lines[i]):
            cut = i
            # a reply header wrapped by the client: its first half is the line before
            if i and lines[i - 1].strip() and not _SIGNATURE.match(lines[i]) and \
                    re.search(r"(<|\d{2}:\d{2}|,)\s*$", lines[i - 1]):
                cut = i - 1
            break
        if lines[i].lstrip().startswith(">") and all(not ln.strip() or ln.lstrip().startswith(">")
                                                     for ln in lines[i:]):
            cut = i  # a trailing quote; quotes with answers in between (inline replies) are kept
            break
    kept = lines[:cut]
    # A closing line from a phone ("Sent from my iPhone") at the end of what is left.
    while kept and (not kept[-1].strip() or _MOBILE.match(kept[-1])):
        if _MOBILE.match(kept[-1]) and kept[-1].strip().lower().startswith(("с уважением", "best regards",
                                                                             "regards")):
            break  # a greeting is part of the message; only device lines go
        kept.pop()
    kept = _without_signature_block(kept)
    result = "\n".join(kept).strip()
    if not result:  # the answer is below the quote (bottom-posting): keep the unquoted lines
        result = "\n".join(ln for j, ln in enumerate(lines) if not ln.lstrip().startswith(">")
                           and not _is_header(lines, j)).strip()
    return result or text.strip()

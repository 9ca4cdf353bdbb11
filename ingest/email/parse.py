"""One MIME parser for every mailbox (EWS and IMAP hand us the same raw RFC 822 bytes).

stdlib `email` with policy=default; every header and part is read defensively, because real
mail has broken encodings, missing boundaries, unknown charsets and NUL bytes. Never raises on
bad content: what cannot be decoded is replaced, and the raw message is kept by the caller.
"""
from __future__ import annotations

import html as htmllib
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3

from ingest.email.loops import LoopVerdict, classify
from ingest.email.trim import trim_reply

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MSGID = re.compile(r"<[^<>\s]{1,490}>")
FALLBACK_CHARSETS = ("utf-8", "cp1251", "koi8-r")


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False


@dataclass
class ParsedEmail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    from_address: str | None  # lower-cased
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str  # the whole text body (quoted history included)
    html: str | None  # sanitised
    attachments: list[ParsedAttachment] = field(default_factory=list)
    loop: LoopVerdict = field(default_factory=LoopVerdict)
    report_type: str | None = None
    reported_message_ids: list[str] = field(default_factory=list)  # what a bounce is about

    @property
    def auto_submitted(self) -> bool:
        return self.loop.skip_reason is not None and not self.loop.bounce

    @property
    def bounce(self) -> bool:
        return self.loop.bounce

    @property
    def card_text(self) -> str:
        """The text for the card: the new part of the message, without history and signature."""
        return trim_reply(self.text)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers, nearest first."""
        seen, out = set(), []
        for mid in self.in_reply_to + list(reversed(self.references)):
            if mid not in seen:
                seen.add(mid)
                out.append(mid)
        return out


def unsurrogate(value: str) -> str:
    """Raw 8-bit bytes in a header arrive as surrogates: decode them as UTF-8 or windows-1251."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    for charset in FALLBACK_CHARSETS[:2]:
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def clean_text(value: str) -> str:
    """Without NUL and control characters (PostgreSQL refuses NUL; subjects decode with newlines)."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", unsurrogate(value).replace("\x00", ""))).strip()


def _raw_headers(msg: Message) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in msg.raw_items():
        out.setdefault(name.lower(), str(value))
    return out


def _decoded(raw: str) -> str:
    try:
        return str(make_header(decode_header(raw)))
    except Exception:  # a broken encoded word: keep the text as it came
        return raw


def _header(msg: Message, name: str, raw: dict[str, str]) -> str:
    try:
        value = msg.get(name)
        return "" if value is None else str(value)
    except Exception:
        return _decoded(raw.get(name.lower(), ""))


def _addresses(raw_value: str) -> list[tuple[str, str]]:
    pairs = []
    for name, addr in getaddresses([raw_value]) if raw_value else []:
        addr = clean_text(addr).lower()
        if "@" in addr:
            pairs.append((clean_text(_decoded(name)), addr))
    return pairs


def _ids(value: str) -> list[str]:
    return _MSGID.findall(unsurrogate(value or ""))


def decode_part(part: Message) -> str:
    """The text of a part: its declared charset, else the usual suspects, else with replacements."""
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception:
        payload = str(part.get_payload()).encode("utf-8", "replace")
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "replace")
    declared = None
    try:
        declared = part.get_content_charset()
    except Exception:
        pass
    for charset in ((declared,) if declared else ()) + FALLBACK_CHARSETS:
        try:
            return payload.decode(charset).replace("\x00", "")
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", "replace").replace("\x00", "")


def html_to_text(value: str) -> str:
    value = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d|blockquote)>", "\n", value)
    text = htmllib.unescape(nh3.clean(value, tags=set()))
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()


def sanitise_html(value: str) -> str:
    return nh3.clean(value.replace("\x00", ""))


def _filename(part: Message, index: int, ctype: str) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    name = clean_text(_decoded(name)) if name else ""
    name = name.replace("/", "_").replace("\\", "_")[:200]
    return name or f"attachment-{index}{mimetypes.guess_extension(ctype) or '.bin'}"


class _Walker:
    """Collects the body texts and the attachments of a message, not descending into attached messages."""

    def __init__(self):
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.reported_ids: list[str] = []

    def walk(self, part: Message, depth: int = 0) -> None:
        ctype = part.get_content_type()
        if part.is_multipart() and ctype != "message/rfc822" and depth < 20:
            for sub in part.get_payload() or []:
                if isinstance(sub, Message):
                    self.walk(sub, depth + 1)
            return
        try:
            disposition = part.get_content_disposition()
        except Exception:
            disposition = None
        if ctype in ("message/rfc822", "text/rfc822-headers", "message/delivery-status"):
            self._report_part(part, ctype)
            return
        has_name = bool(part.get_param("name") or part.get_param("filename", header="content-disposition"))
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not has_name:
            (self.plain if ctype == "text/plain" else self.html).append(decode_part(part))
            return
        try:
            content = part.get_payload(decode=True) or b""
        except Exception:
            content = str(part.get_payload()).encode("utf-8", "replace")
        self.attachments.append(ParsedAttachment(_filename(part, len(self.attachments) + 1, ctype), ctype[:120],
                                                 content, inline=disposition == "inline"))

    def _report_part(self, part: Message, ctype: str) -> None:
        payload = part.get_payload()
        if ctype == "message/rfc822" and isinstance(payload, list) and payload:
            inner = payload[0]
            self.reported_ids += _ids(str(inner.get("message-id", "")) if inner.get("message-id") else "")
            try:
                content = inner.as_bytes(policy=policy.compat32)
            except Exception:
                content = str(inner).encode("utf-8", "replace")
            self.attachments.append(ParsedAttachment(f"message-{len(self.attachments) + 1}.eml", ctype, content))
            return
        text = decode_part(part)
        self.reported_ids += _ids(" ".join(re.findall(r"(?im)^message-id:\s*(.+)$", text)))
        self.attachments.append(ParsedAttachment(f"report-{len(self.attachments) + 1}.txt", ctype, text.encode()))


def parse(raw: bytes) -> ParsedEmail:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    raw_headers = _raw_headers(msg)
    subject = clean_text(_header(msg, "subject", raw_headers))[:1000]
    senders = _addresses(raw_headers.get("from", "")) or _addresses(raw_headers.get("sender", "")) or \
        _addresses(raw_headers.get("reply-to", ""))
    from_name, from_address = senders[0] if senders else ("", None)
    if not from_address:
        name, addr = parseaddr(_header(msg, "from", raw_headers))
        from_name, from_address = clean_text(name), (addr.lower() if "@" in addr else None)
    walker = _Walker()
    walker.walk(msg)
    html_body = "\n".join(walker.html) or None
    text = "\n\n".join(t.strip("\n") for t in walker.plain if t.strip())
    if not text and html_body:
        text = html_to_text(html_body)
    report_type = None
    if msg.get_content_type() == "multipart/report":
        report_type = (msg.get_param("report-type") or "").lower() or None
    message_ids = _ids(raw_headers.get("message-id", ""))
    parsed = ParsedEmail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=_ids(raw_headers.get("in-reply-to", "")), references=_ids(raw_headers.get("references", "")),
        from_address=from_address, from_name=from_name or (from_address or "").split("@")[0],
        to=[a for _n, a in _addresses(raw_headers.get("to", ""))],
        cc=[a for _n, a in _addresses(raw_headers.get("cc", ""))],
        subject=subject, text=text.replace("\x00", "").strip(),
        html=sanitise_html(html_body) if html_body else None, attachments=walker.attachments,
        report_type=report_type, reported_message_ids=walker.reported_ids)
    parsed.loop = classify(raw_headers, subject, from_address, report_type)
    return parsed

"""One MIME parser for every mailbox (EWS and IMAP hand us the same raw RFC 822 bytes).

stdlib `email` (policy compat32: the headers are decoded here, see parse()); every header and part is read
defensively, because real mail has broken encodings, missing boundaries, unknown charsets and NUL bytes. Never raises on
bad content: what cannot be decoded is replaced, and the raw message is kept by the caller.
"""
from __future__ import annotations

import html as htmllib
import mimetypes
import re
from dataclasses import dataclass, field
from functools import cached_property
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3

from ingest.email import charset
from ingest.email.loops import LoopVerdict, classify
from ingest.email.trim import trim_reply

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MSGID = re.compile(r"<[^<>\s]{1,490}>")


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
    date: str = ""  # the Date header as written (part of the content hash)
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased name → first raw value
    diagnostic: str = ""  # a bounce: what the refusing server said

    @property
    def auto_submitted(self) -> bool:
        return self.loop.skip_reason is not None and not self.loop.bounce

    @property
    def bounce(self) -> bool:
        return self.loop.bounce

    @cached_property
    def card_text(self) -> str:
        """The text for the card: the new part of the message, without history and signature. Worked out
        once (a new ticket's title and description both read it), in the parser pool (receive.identify())."""
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
    """Raw 8-bit bytes in a header arrive as surrogates: decode them (UTF-8, else the detected charset)."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return charset.decode(value.encode("utf-8", "surrogateescape"))


def clean_text(value: str) -> str:
    """Without NUL and control characters (PostgreSQL refuses NUL; subjects decode with newlines)."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", unsurrogate(value).replace("\x00", ""))).strip()


def _raw_headers(msg: Message) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in msg.raw_items():
        out.setdefault(name.lower(), str(value))
    return out


def _decoded(raw: str) -> str:
    """A header's text: encoded words decoded by their declared charset, checked like bodies (a subject
    "=?koi8-r?...?=" that is really windows-1251 is read as 1251); raw 8-bit text by detection."""
    raw = unsurrogate(raw)
    try:
        chunks = decode_header(raw)
    except Exception:  # a broken encoded word: keep the text as it came
        return raw
    if all(isinstance(c, str) for c, _cs in chunks):
        return raw
    out = []
    for chunk, declared in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        elif declared is None:  # the text between encoded words, as decode_header hands it over
            out.append(chunk.decode("raw-unicode-escape", "replace"))
        else:
            out.append(charset.decode(chunk, declared))
    return "".join(out)


def _header(msg: Message, name: str, raw: dict[str, str]) -> str:
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
    return charset.decode(payload, declared).replace("\x00", "")


def html_to_text(value: str) -> str:
    value = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d|blockquote)>", "\n", value)
    text = htmllib.unescape(nh3.clean(value, tags=set()))
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()


def sanitise_html(value: str) -> str:
    return nh3.clean(value.replace("\x00", ""))


def _raw_filename(part: Message) -> str | None:
    """The name as written, when it came as raw 8-bit bytes (the parser decoded them with replacements)."""
    for header, value in part.raw_items():
        if header.lower() in ("content-disposition", "content-type"):
            found = re.search(r'(?:file)?name\s*=\s*"?([^";]+)', str(value), re.IGNORECASE)
            if found and any("\udc80" <= ch <= "\udcff" for ch in found.group(1)):
                return found.group(1)
    return None


def _filename(part: Message, index: int, ctype: str) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name and "\ufffd" in name:
        name = _raw_filename(part) or name
    name = clean_text(_decoded(name)) if name else ""
    name = name.replace("/", "_").replace("\\", "_")[:200]
    return name or f"attachment-{index}{mimetypes.guess_extension(ctype) or '.bin'}"


def _status_text(part: Message) -> str:
    """A delivery-status part's text: the parser hands it over as header blocks, one per recipient."""
    payload = part.get_payload()
    if isinstance(payload, list):
        try:
            return "\n\n".join(block.as_string(policy=policy.compat32) for block in payload)
        except Exception:
            pass
    return decode_part(part)


# Exim, Gmail, Yandex and Mail.ru quote the returned message's headers in the bounce's text body.
_QUOTED_MESSAGE_ID = re.compile(r"(?im)^[>\s]*message-id:\s*(<[^<>\s]{1,490}>)")


class _Walker:
    """Collects the body texts and the attachments of a message, not descending into attached messages."""

    def __init__(self):
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.reported_ids: list[str] = []
        self.actions: list[str] = []  # Action: of each recipient in a delivery-status report
        self.diagnostics: list[str] = []  # what the refusing server said ("smtp; 550 5.1.1 no such user")

    def walk(self, part: Message, depth: int = 0) -> None:
        ctype = part.get_content_type()
        if part.is_multipart() and ctype not in ("message/rfc822", "message/delivery-status") and depth < 20:
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
        text = _status_text(part) if ctype == "message/delivery-status" else decode_part(part)
        text = re.sub(r"\r?\n[ \t]+", " ", text)  # folded header lines, one line each
        self.actions += [a.lower() for a in re.findall(r"(?im)^\s*action:\s*([a-z]+)", text)]
        self.diagnostics += [d.strip() for d in re.findall(r"(?im)^\s*diagnostic-code:\s*(.+)$", text)]
        self.reported_ids += _ids(" ".join(re.findall(r"(?im)^message-id:\s*(.+)$", text)))
        self.attachments.append(ParsedAttachment(f"report-{len(self.attachments) + 1}.txt", ctype, text.encode()))


# compat32, not policy.default: every header is read here from raw_items() and decoded by _decoded(), so the
# header objects policy.default builds on each lookup (Content-Type, -Disposition, their parameters, several
# times a part) were about half of the parse time and were never used. The results are the same on the test
# mail and the real-world corpus (docs/benchmarks.md, "Third pass").
_POLICY = policy.compat32


def parse(raw: bytes) -> ParsedEmail:
    msg = BytesParser(policy=_POLICY).parsebytes(raw)
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
        report_type=report_type, reported_message_ids=walker.reported_ids,
        date=clean_text(raw_headers.get("date", ""))[:100], headers=raw_headers,
        diagnostic=clean_text(walker.diagnostics[0])[:300] if walker.diagnostics else "")
    delay = bool(walker.actions) and "failed" not in walker.actions
    parsed.loop = classify(raw_headers, subject, from_address, report_type, delay=delay)
    if parsed.loop.bounce:
        parsed.reported_message_ids += [m for m in _QUOTED_MESSAGE_ID.findall(parsed.text)
                                        if m not in parsed.reported_message_ids]
    return parsed


def parse_loose(raw: bytes) -> ParsedEmail:
    """A message the parser cannot read, released from quarantine by an admin: the sender and subject
    from header lines found by hand, the rest of the bytes as the text."""
    head, _sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines = unsurrogate(head.decode("utf-8", "surrogateescape")).split("\n")
    found = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if colon and name.strip().lower() in ("from", "subject", "message-id") and name.lower() not in found:
            found[name.strip().lower()] = value.strip()
    senders = _addresses(found.get("from", ""))
    name, address = senders[0] if senders else ("", None)
    ids = _ids(found.get("message-id", ""))
    return ParsedEmail(message_id=ids[0] if ids else None, in_reply_to=[], references=[], from_address=address,
                       from_name=name or (address or "").split("@")[0], to=[], cc=[],
                       subject=clean_text(_decoded(found.get("subject", "")))[:1000],
                       text=charset.decode(body).replace("\x00", "").strip()[:200_000], html=None)

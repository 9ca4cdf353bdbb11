"""Which messages must never make a ticket or get an answer: auto-replies, bounces, reports, bulk mail.

RFC 3834 `Auto-Submitted`; X-Autoreply/X-Autorespond; Exchange's "Automatic reply" (it sets
X-Auto-Response-Suppress and X-MS-Exchange-Inbox-Rules-Loop but no Auto-Submitted); Precedence;
delivery reports (multipart/report) and mailer-daemon/postmaster senders.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_AUTO_SUBJECT = re.compile(r"^\s*(automatic reply|auto[- ]?reply|autoreply|out of (the )?office|"
                           r"автоматический ответ|автоответ|нет на месте|вне офиса)\b", re.IGNORECASE)
_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(r"^\s*(undeliver(able|ed)|delivery (status notification|failure|has failed)|"
                             r"returned mail|failure notice|mail delivery failed|"
                             r"недоставлен|не доставлено|возврат)", re.IGNORECASE)


@dataclass
class LoopVerdict:
    skip_reason: str | None = None  # set: no ticket, no comment (the row is kept as skipped)
    no_auto_reply: bool = False  # a ticket is fine, an automatic answer is not
    bounce: bool = False
    notes: list[str] = field(default_factory=list)


def classify(headers: dict[str, str], subject: str, sender: str | None, report_type: str | None) -> LoopVerdict:
    """`headers` maps lower-cased header names to their (first) values."""
    v = LoopVerdict()
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    precedence = headers.get("precedence", "").strip().lower()
    if report_type == "delivery-status" or (sender and _BOUNCE_SENDER.match(sender)) or \
            (not sender and _BOUNCE_SUBJECT.match(subject)):
        v.bounce, v.skip_reason = True, "bounce"
    elif report_type == "disposition-notification":
        v.skip_reason = "read receipt"
    elif report_type == "feedback-report":
        v.skip_reason = "spam complaint"
    elif auto_submitted and auto_submitted != "no":
        v.skip_reason = f"auto-reply (Auto-Submitted: {auto_submitted})"
    elif "x-autoreply" in headers or "x-autorespond" in headers or "x-autoresponder" in headers:
        v.skip_reason = "auto-reply (X-Autoreply)"
    elif "x-auto-response-suppress" in headers and _AUTO_SUBJECT.match(subject):
        v.skip_reason = "auto-reply (Exchange automatic reply)"
    elif _AUTO_SUBJECT.match(subject) and ("x-auto-response-suppress" in headers
                                            or "x-ms-exchange-inbox-rules-loop" in headers or precedence):
        v.skip_reason = "auto-reply (out of office)"
    elif precedence in ("bulk", "junk", "auto_reply"):
        v.skip_reason = f"bulk mail (Precedence: {precedence})"
    elif "x-auto-response-suppress" in headers:
        v.skip_reason = "auto-reply (X-Auto-Response-Suppress)"
    if v.skip_reason:
        v.no_auto_reply = True
    # Mail that may become a ticket but must never be answered automatically.
    if precedence == "list" or "list-id" in headers or "x-ms-exchange-inbox-rules-loop" in headers \
            or "x-loop" in headers:
        v.no_auto_reply = True
    return v

"""Bytes of Russian mail to text: the declared charset when the result reads as text, else detection.

Russian mail arrives in windows-1251, KOI8-R, CP866 or UTF-8, declared correctly, wrongly (1251
labelled KOI8-R or latin-1 by old clients and gateways) or not at all, in bodies, in encoded words
and as raw 8-bit headers. A wrong single-byte label never fails to decode: it gives gibberish
("гДПЮБЯРБСИРЕ", "Çäðàâñòâóéòå"). So the declared result is measured (charset-normalizer's
mess ratio) and replaced when a detection restricted to the charsets Russian mail uses reads
clearly better (docs/email.md, "Charsets").
"""
from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

# What Russian mail is written in; restricting detection to these keeps it right on short texts
# (alone, a one-word sample is taken for Shift-JIS).
CANDIDATES = ["utf_8", "cp1251", "koi8_r", "cp866"]
MARGIN = 0.1  # the detection must read this much better than the declared charset to replace it
_LONGEST_MEASURED = 20_000  # characters measured for plausibility: enough to judge, cheap on large bodies


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip('"').lower()).name
    except LookupError:
        return None


def _mess(text: str) -> float:
    return mess_ratio(text[:_LONGEST_MEASURED], maximum_threshold=1.0)


def _detect(data: bytes, also: str | None) -> tuple[str, float] | None:
    candidates = CANDIDATES + ([also] if also and also not in CANDIDATES else [])
    best = from_bytes(data[:_LONGEST_MEASURED * 2], cp_isolation=candidates).best()
    if best is None:
        return None
    return best.encoding, best.chaos


def decode(data: bytes, declared: str | None = None) -> str:
    """The text of `data`: by its declared charset unless that reads as gibberish and another reads well."""
    if not data:
        return ""
    if data.isascii():
        return data.decode("ascii")
    codec = _codec(declared)
    text = None
    if codec:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            text = None
    if text is not None and codec == "utf-8":
        return text  # non-ASCII that is valid UTF-8 is UTF-8: no other charset produces it by chance
    if text is None:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    found = _detect(data, codec)
    if found is not None:
        encoding, chaos = found
        if text is None or (encoding != codec and _mess(text) > chaos + MARGIN):
            try:
                return data.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                pass
    if text is not None:
        return text
    return data.decode("cp1251", "replace")  # every byte is a character in 1251: nothing is lost

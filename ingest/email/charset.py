"""Bytes of Russian mail to text: the declared charset when the result reads as text, else detection.

Russian mail arrives in windows-1251, KOI8-R, CP866 or UTF-8, declared correctly, wrongly (1251
labelled KOI8-R or latin-1 by old clients and gateways) or not at all, in bodies, in encoded words
and as raw 8-bit headers. A wrong single-byte label never fails to decode: it gives gibberish
("гДПЮБЯРБСИРЕ", "Çäðàâñòâóéòå"). So the declared reading is measured against the other readings
Russian mail can have (windows-1251, KOI8-R, CP866) by how Russian their letters are (letter
frequencies: a wrong charset turns о, е, а into ф, ъ, щ or box-drawing signs), and for Latin-looking
gibberish by charset-normalizer's mess ratio; the clearly better one wins. Bytes with no Russian
reading and no usable label go to charset-normalizer's detection (docs/email.md, "Charsets").
"""
from __future__ import annotations

import codecs
import math
import re

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

# What Russian mail is written in; restricting detection to these keeps it right on short texts
# (alone, a one-word sample is taken for Shift-JIS).
CANDIDATES = ["utf_8", "cp1251", "koi8_r", "cp866"]
MARGIN = 0.1  # a declared reading messier than this (mess ratio) is not taken for real Latin text
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
    return (best.encoding, best.chaos) if best is not None else None


# Letter frequencies of Russian text (per mille): how Russian a decoding reads. A wrong single-byte charset
# turns common letters (о, е, а) into rare ones (ф, ъ, щ) or into box-drawing symbols.
_FREQUENCY = {"о": 109.7, "е": 84.5, "а": 80.1, "и": 73.5, "н": 67.0, "т": 62.6, "с": 54.7, "р": 47.3, "в": 45.4,
              "л": 44.0, "к": 34.9, "м": 32.1, "д": 29.8, "п": 28.1, "у": 26.2, "я": 20.1, "ы": 19.0, "ь": 17.4,
              "г": 17.0, "з": 16.5, "б": 15.9, "ч": 14.4, "й": 12.1, "х": 9.7, "ж": 9.4, "ш": 7.3, "ю": 6.4,
              "ц": 4.8, "щ": 3.6, "э": 3.2, "ф": 2.6, "ъ": 0.4, "ё": 0.4}
_LOG = {c: math.log(f / 1000) for c, f in _FREQUENCY.items()}
_USUAL = set("«»—–…№°€’‘“”„•·\u00a0")  # non-ASCII signs that real Russian mail has
SINGLE_BYTE = ["cp1251", "koi8_r", "cp866"]
_MIXED = re.compile(r"[a-z][а-яё]|[а-яё][a-z]")
RUSSIAN_MARGIN = 0.3  # another charset must read this much more Russian (mean log frequency) to win


def russianness(text: str) -> float | None:
    """Mean log frequency of the Cyrillic letters, less a penalty for stray symbols; None: no Cyrillic."""
    sample = text[:_LONGEST_MEASURED].lower()
    letters = [_LOG[c] for c in sample if c in _LOG]
    if len(letters) < 3:
        return None
    if len(_MIXED.findall(sample)) > 0.3 * len(letters):  # "cafИ": Latin text read as Cyrillic, not Russian
        return None
    stray = sum(1 for c in sample if ord(c) > 127 and c not in _LOG and c not in _USUAL and not c.isalpha())
    return sum(letters) / len(letters) - 5.0 * stray / max(len(letters), 1)


def _most_russian(data: bytes, text: str | None) -> str | None:
    """The single-byte charset in which `data` reads clearly more Russian than `text`, if any (judged on
    the first _LONGEST_MEASURED bytes: enough to tell, and cheap on a large body)."""
    sample = data[:_LONGEST_MEASURED]
    mine = russianness(text) if text is not None else None
    best, best_score, best_text = None, None, None
    for encoding in SINGLE_BYTE:
        other = sample.decode(encoding, "replace")
        score = russianness(other)
        if score is not None and (best_score is None or score > best_score):
            best, best_score, best_text = encoding, score, other
    if best is None or (text is not None and best_text == text[:len(best_text)]):
        return None
    if mine is None:  # the declared reading has no Russian at all: is it gibberish (Ïðèâåò) or real Latin?
        return best if text is None or _mess(text) > MARGIN or _latin_gibberish(text) else None
    return best if best_score > mine + RUSSIAN_MARGIN else None


def _latin_gibberish(text: str) -> bool:
    """Mostly accented Latin letters (À-ÿ): windows-1251 read as latin-1."""
    letters = [c for c in text[:_LONGEST_MEASURED] if c.isalpha()]
    return bool(letters) and sum(1 for c in letters if "\u00c0" <= c <= "\u00ff") > 0.3 * len(letters)


def decode(data: bytes, declared: str | None = None) -> str:
    """The text of `data`: by its declared charset unless another reads clearly better."""
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
    russian = _most_russian(data, text)
    if russian is not None:
        return data.decode(russian, "replace")
    if text is not None:
        return text
    found = _detect(data, codec)  # no Russian reading: what charset-normalizer finds among the rest
    if found is not None:
        try:
            return data.decode(found[0])
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1251", "replace")  # every byte is a character in 1251: nothing is lost

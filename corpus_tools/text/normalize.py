"""Length-preserving normalisation (width folding, Traditional→Simplified, lower case).

Every normalised string has exactly the length of its original, character for character, so an
offset into the normalised text is the same offset into the original text: evidence spans and
highlights always point into the document as read.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

# full-width ASCII variants (U+FF01..U+FF5E) to ASCII, ideographic space to space
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_WIDTH_TABLE = str.maketrans(_WIDTH)
_CHUNK_RE = re.compile(r"[^\n。！？；，、]*[\n。！？；，、]?")
_WS_RE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def fold_width(text: str) -> str:
    """Full-width Latin letters, digits, punctuation and the ideographic space become half-width."""
    return text.translate(_WIDTH_TABLE)


def to_simplified(text: str) -> str:
    """OpenCC t2s with phrase rules, falling back chunk- then character-wise wherever a conversion
    would change the length (rare), so that offsets stay valid."""
    conv = _t2s().convert
    out = conv(text)
    if len(out) == len(text):
        return str(out)
    parts: list[str] = []
    for chunk in _CHUNK_RE.findall(text):
        c = conv(chunk)
        if len(c) != len(chunk):
            c = "".join(x if len(x := conv(ch)) == 1 else ch for ch in chunk)
        parts.append(c)
    return "".join(parts)


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(x if len(x := ch.lower()) == 1 else ch for ch in text)


def normalize(text: str, *, t2s: bool = True, lower: bool = True) -> str:
    """The matching/modelling form of `text`: same length, same offsets."""
    out = fold_width(text)
    if t2s:
        out = to_simplified(out)
    if lower:
        out = _lower(out)
    return out


def fold_whitespace(text: str) -> str:
    """Collapse whitespace runs to one space and strip the ends (used for hashing and display)."""
    return _WS_RE.sub(" ", text).strip()


def text_hash(text: str, n: int = 10) -> str:
    """Content hash of a passage, robust to width, script and whitespace differences."""
    key = fold_whitespace(normalize(text))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:n]

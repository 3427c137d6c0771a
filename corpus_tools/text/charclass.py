"""Per-character tables for the compiled scan (corpus_tools._speedups), derived from Python itself.

The compiled code must split text exactly as the regular expressions in `tokenize` do, so it looks
characters up in tables built here from `str.isalnum`, `str.isdecimal` and `str.lower` (what Python's
re module and the pure-Python path use) instead of trusting its own idea of Unicode.
"""

from __future__ import annotations

import re
from array import array
from functools import lru_cache

# ideographs that start and make up CJK stretches (also the class excluded from Latin words)
CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"

ALNUM, DECIMAL, STRETCH, WORDCH, CJK = 1, 2, 4, 8, 16


def _combine(is_cjk: bool, alnum: bool, dec: bool) -> int:
    return (alnum * ALNUM | dec * DECIMAL | (is_cjk or not alnum or dec) * STRETCH | (alnum and not is_cjk) * WORDCH
            | is_cjk * CJK)


def _classes(ch: str, cjk: re.Pattern[str]) -> int:
    return _combine(cjk.match(ch) is not None, ch.isalnum(), ch.isdecimal())


@lru_cache(maxsize=1)
def class_table() -> bytes:
    """Per BMP character: ALNUM (re's \\w minus '_'), DECIMAL (re's \\d), STRETCH (may continue a CJK
    stretch: CJK, \\W, \\d or '_'), WORDCH (a Latin word character: alnum, not CJK), CJK (an ideograph)."""
    chars = list(map(chr, range(65536)))
    is_cjk = [m is not None for m in map(re.compile(f"[{CJK_CHARS}]").match, chars)]
    return bytes(map(_combine, is_cjk, map(str.isalnum, chars), map(str.isdecimal, chars)))


@lru_cache(maxsize=1)
def lower_tables() -> tuple[bytes, bytes]:
    """(flags, lower): per BMP character, flag 1 when lower-casing changes it and flag 2 when the change
    cannot be made character by character inside Latin words (it becomes several characters, depends on
    context like the final sigma, changes the character's class, or can occur inside a CJK stretch);
    `lower` holds each character's one-character lower case as 16-bit code points."""
    cjk = re.compile(f"[{CJK_CHARS}]")
    cls = class_table()
    flags = bytearray(65536)
    lower = array("H", range(65536))
    chars = list(map(chr, range(65536)))
    for c, (ch, lo) in enumerate(zip(chars, map(str.lower, chars), strict=True)):
        if lo == ch:
            continue
        flags[c] = 1
        if (len(lo) != 1 or c == 0x3A3 or ord(lo) > 0xFFFF or cls[c] & STRETCH
                or _classes(lo, cjk) != cls[c]):
            flags[c] |= 2
        else:
            lower[c] = ord(lo)
    return bytes(flags), lower.tobytes()

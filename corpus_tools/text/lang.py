"""Language of a text from the share of CJK characters (and, for Chinese, of Traditional characters).

An English text quoting a few Chinese names stays `en` and a Chinese text with a few brand names stays
Chinese: a text is `mixed` only when both scripts carry a substantial part of it. Latin letters are
weighted by 1/3 (an English word has about five letters, a Chinese word about two characters), so the
share approximates the share of words in each script.
"""

from __future__ import annotations

import re

from corpus_tools.text.normalize import to_simplified

_LATIN_RE = re.compile(r"[A-Za-z]")
_CJK_CHARS_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WEIGHT = 1 / 3
EN_BELOW = 0.2  # CJK share below this: English
ZH_ABOVE = 0.8  # CJK share above this: Chinese; in between: mixed
HANT_SHARE = 0.04  # share of CJK characters that t2s changes above which a text is Traditional


def cjk_share(text: str) -> float:
    """CJK characters / (CJK characters + Latin letters / 3); 0.0 for a text with neither."""
    cjk = len(_CJK_CHARS_RE.findall(text))
    latin = len(_LATIN_RE.findall(text)) * LATIN_WEIGHT
    return cjk / (cjk + latin) if cjk + latin else 0.0


def detect_lang(text: str) -> str:
    """zh-Hans, zh-Hant, en or mixed.

    >>> detect_lang("Li Wei (李伟) returned to Junpu in 2013 and opened an online shop selling clothes.")
    'en'
    >>> detect_lang("军埔村的年轻人在淘宝上开网店，卖服装和潮汕小食品。")
    'zh-Hans'
    >>> detect_lang("軍埔村的年輕人在淘寶上開網店。")
    'zh-Hant'
    >>> detect_lang("军埔村的年轻人开网店，卖服装。Young people in Junpu open online shops.")
    'mixed'
    """
    sample = text[:20000]
    share = cjk_share(sample)
    if share < EN_BELOW:
        return "en"
    if share <= ZH_ABOVE:
        return "mixed"
    joined = "".join(_CJK_CHARS_RE.findall(sample))
    changed = sum(a != b for a, b in zip(joined, to_simplified(joined), strict=True))
    return "zh-Hant" if changed > HANT_SHARE * len(joined) else "zh-Hans"

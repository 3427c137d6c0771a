"""The compiled normalisation (`_speedups.prepare`: folding, t2s on the lines that need it, the lower-casing
decision) gives exactly what its Python reference gives, on Traditional, Simplified, English and mixed text."""

from __future__ import annotations

import random

import pytest

from corpus_tools._native import speedups
from corpus_tools.corpus.loader import Corpus
from corpus_tools.text import normalize as norm_mod
from corpus_tools.text.normalize import normalize, normalize_for_scan, scan_preparer, to_simplified

FAST = speedups()
pytestmark = pytest.mark.skipif(FAST is None, reason="the compiled extension is not in use")

# every kind of character the normalisation treats differently: Traditional (alone and in OpenCC phrases,
# including phrases whose characters do not change alone: 回覆, 深沈), Simplified, English, full-width forms,
# typographic quotes, the ideographic space, characters whose lower case is not one character or depends on
# context (İ, final sigma), astral ideographs and emoji, line breaks
_PIECES = [*"电商子务创业门槛钱村淘宝成本的了，。！？；、 \n\n\n",
           "貼息貸款", "電商", "網店", "開網店", "發展", "後來", "頭髮", "乾淨", "回覆", "深沈", "覆盖", "著作",
           "“", "”", "‘", "’", "ʼ", "′", "‟", "‛", "\u3000", "，", "ｅ", "Ｅ", "１", "－", "＆", "ＡＢＣ",
           "İ", "ΣΟΦΊΑΣ", "σ", "ß", "ǅ", "Ⓐ", "Ⅻ", "𠀋", "😀", "𫐷",
           "Entrepreneurs ", "don't ", "e-commerce ", "Taobao ", "AT&T ", "the ", "RENT "]


def _compiled(text: str, t2s: bool) -> tuple[str, bool]:
    assert FAST is not None
    return norm_mod._normalize_for_scan(text, t2s, FAST)


def _reference(text: str, t2s: bool) -> tuple[str, bool]:
    assert FAST is not None
    return norm_mod._prepare_reference(text, t2s, FAST.needs)


@pytest.mark.parametrize("text", [
    "", "\n", "plain English text", "Plain English Text", "简体中文的网店和电商。",
    "繁體中文的網店和電商。", "這是三行\n回覆\n好的", "请回覆我", "回覆這個", "深沈\n\n電商",
    "“Don’t” say ‘rent’", "他说“网店”很好。", "ｅ－ｃｏｍｍｅｒｃｅ 電商", "ＡＢＣ，“電商”\n\n\n網店",
    "\u3000全角空格\u3000", "İstanbul 電商\n\nx\ny", "ΣΟΦΊΑΣ 網店", "𠀋村 淘宝 村", "😀 電商 😀",
    "電商\n\n\nabc\n貸款 “x”\n", "line one\nline two\n網店 three\n",
])
def test_cases_agree(text: str) -> None:
    for t2s in (True, False):
        got = _compiled(text, t2s)
        assert got == _reference(text, t2s), (text, t2s)
        assert len(got[0]) == len(text)  # offsets into the original stay valid
        assert type(got[0]) is str and type(got[1]) is bool


def test_generated_mixed_texts_agree() -> None:
    rng = random.Random(20261206)
    changed = lowered = 0
    for _ in range(3000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 30)))
        for t2s in (True, False):
            got = _compiled(text, t2s)
            assert got == _reference(text, t2s), (text, t2s)
            changed += got[0] != text
            lowered += got[1]
    assert changed > 1000 and lowered > 1000  # folding, t2s and the lower-casing decision were all exercised


def test_bundled_traditional_texts_agree_alone_and_recombined(junpu: Corpus) -> None:
    """Every bundled text holding a Traditional character, alone and joined with others by blank lines (as
    bench_score.py recombines them: t2s then runs on some lines only)."""
    assert FAST is not None
    texts = [*junpu.entries["text"], *junpu.docs["text"]]
    table = norm_mod._needs_table()
    trad = [t for t in texts if FAST.needs(t, table) & norm_mod._NEEDS_T2S]
    assert len(trad) > 50
    rng = random.Random(7)
    mixed = ["\n\n".join(rng.choice(texts) for _ in range(rng.randint(2, 6))) for _ in range(300)]
    for text in [*trad, *mixed]:
        got = _compiled(text, True)
        assert got == _reference(text, True)
    assert sum(_compiled(t, True)[0] != t for t in trad) == len(trad)  # t2s really ran on each


def test_the_scan_form_has_the_words_of_normalize() -> None:
    """What the tokenizer sees (the scan form, lower-cased where left to the scan) is `normalize` itself for
    single lines, Traditional or not."""
    for text in ["繁體中文的網店和電商。", "“Don’t” ＡＢＣ，電商", "İstanbul ΣΟΦΊΑΣ 網店", "Taobao 淘寶 村"]:
        out, lower_words = normalize_for_scan(text)
        assert (norm_mod._lower(out) if lower_words else out) == normalize(text)


def test_bound_preparer_is_the_compiled_call() -> None:
    prepare = scan_preparer(True)
    assert prepare("電商 Rent") == ("电商 Rent", True)
    assert scan_preparer(False)("電商 Rent") == ("電商 Rent", True)
    assert scan_preparer(True) is prepare  # built once per setting


def test_bad_arguments_are_refused() -> None:
    assert FAST is not None
    table, fold = norm_mod._needs_table(), norm_mod._fold_table()
    with pytest.raises(TypeError, match="5 arguments"):
        FAST.prepare(table, fold, None, str.lower)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="65536"):
        FAST.prepare(table[:10], fold, None, str.lower, "x")
    with pytest.raises(TypeError, match="needs a str"):
        FAST.prepare(table, fold, None, str.lower, b"x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same length"):  # offsets must never move
        FAST.prepare(table, fold, lambda s: s + "x", str.lower, "電商")
    with pytest.raises(ValueError, match="same length"):
        FAST.prepare(table, fold, lambda s: None, str.lower, "電商")  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="lower must return a str"):
        FAST.prepare(table, fold, to_simplified, lambda s: 1, "İ")  # type: ignore[arg-type,return-value]
    with pytest.raises(ZeroDivisionError):  # an error in the converter comes through as it is
        FAST.prepare(table, fold, lambda s: str(1 / 0), str.lower, "a\nb\n電商")

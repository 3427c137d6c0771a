"""The compiled scan's shortcuts (two-probe exact filter, ideographs told by range) change nothing but speed."""

from __future__ import annotations

import pytest

from corpus_tools._native import speedups
from corpus_tools.corpus.loader import Corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.match import _fnv, _ideographs_uniform
from corpus_tools.scoring.score import Scorer
from corpus_tools.text.charclass import CJK, class_table
from corpus_tools.text.normalize import normalize_for_scan

FAST = speedups()
pytestmark = pytest.mark.skipif(FAST is None, reason="the compiled extension is not in use")


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer([load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")], native=True)


def _without_shortcuts(ctx: tuple[object, ...]) -> tuple[object, ...]:
    """The same context with the ideograph shortcut switched off and the exact filter letting every token
    through (each then costs a dictionary lookup, the reference behaviour)."""
    assert FAST is not None
    filt = bytearray(ctx[2])  # type: ignore[arg-type]
    exact_bytes = 1 << (FAST.HASH_BITS - 3)
    filt[:exact_bytes] = b"\xff" * exact_bytes
    filt[-1] &= ~16
    return (*ctx[:2], bytes(filt), *ctx[3:])


def test_ideographs_are_uniform_in_this_python() -> None:
    cls = class_table()
    assert _ideographs_uniform(cls)
    changed = bytearray(cls)
    changed[0x9FFF] &= ~CJK  # a future Unicode table that made one of them different turns the shortcut off
    assert not _ideographs_uniform(bytes(changed))


def test_two_probe_filter_holds_every_exact_term(scorer: Scorer) -> None:
    assert FAST is not None and FAST.EXACT_PROBES == 2
    ctx = scorer._hit_ctx
    assert ctx is not None
    filt = ctx[2]
    bits = FAST.HASH_BITS
    for p in scorer.matcher.patterns:
        if p.globs[0] == "":
            for probe in (1, 2):
                h = _fnv(p.parts[0], bits, probe)
                assert filt[h >> 3] >> (h & 7) & 1, (p.term, probe)
    assert filt[-1] & 16  # the ideograph shortcut is on


def test_same_hits_with_and_without_the_shortcuts(junpu: Corpus, scorer: Scorer) -> None:
    scan, ctx, neg = scorer.matcher.compiled_scan(), scorer._hit_ctx, scorer._neg_ctx
    assert scan is not None and ctx is not None
    plain_ctx = _without_shortcuts(ctx)
    texts = [*junpu.entries["text"][:600], "電商 e-commerce 政府支持 ofof of 网店 年轻人 不赚钱",
             "淘宝村\u9fff\u4e00\u3400𠀋 ＡＢＣ", ""]
    n_hits = 0
    for text in texts:
        norm, lower_words = normalize_for_scan(text)
        got = scan(norm, ctx, lower_words, neg)
        assert got == scan(norm, plain_ctx, lower_words, neg), text[:60]
        n_hits += len(got[0])
    assert n_hits > 300

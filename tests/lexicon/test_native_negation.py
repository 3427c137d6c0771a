"""The compiled negation scope pass (corpus_tools/_speedups_negation.h) flags exactly the hits the pure-Python
reference (NegationScope.split) flags, naming the same cue: on every bundled text, edge cases and random texts."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
import yaml

from corpus_tools._native import speedups
from corpus_tools.corpus.loader import Corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.model import lexicon_from_dict
from corpus_tools.lexicon.negation import DEFAULT_RULES
from corpus_tools.scoring.score import Scorer

pytestmark = pytest.mark.skipif(speedups() is None and bool(os.environ.get("CORPUS_TOOLS_PURE")),
                                reason="CORPUS_TOOLS_PURE is set")

LEX = lexicon_from_dict({"name": "t", "constructs": {"opp": {"variables": {
    "profit": {"terms": {"zh": ["赚钱", "利润", "收入"], "en": ["profit*", "make money", "income"]}},
    "support": {"terms": {"zh": ["支持", "贷款", "配套服务", "不断"], "en": ["support", "loan*", "not only"]}}}}}})
OTHER = lexicon_from_dict({"name": "o", "constructs": {"gov": {"variables": {
    "help": {"terms": {"zh": ["贷款", "政府支持", "没有"], "en": ["loan", "government support"]}}}}}})


def _pair(lexicons: list, negation: object = True) -> tuple[Scorer, Scorer]:  # type: ignore[type-arg]
    fast = Scorer(lexicons, native=True, negation=negation)  # type: ignore[arg-type]
    slow = Scorer(lexicons, native=False, negation=negation)  # type: ignore[arg-type]
    assert fast._neg_ctx is not None and slow._neg_ctx is None  # the compiled pass really runs
    return fast, slow


def _agree(fast: Scorer, slow: Scorer, texts: list[str]) -> tuple[int, int]:
    """Assert identical scores (hits, token counts, cues) per text; returns (hits, negated hits)."""
    n_hits = n_neg = 0
    for text in texts:
        got, want = fast.score_text(text), slow.score_text(text)
        assert got == want, text
        n_hits += len(got.hits)
        n_neg += sum(1 for c in got.cues or () if c)
    return n_hits, n_neg


def test_bundled_texts_same_negated_flags(junpu: Corpus) -> None:
    fast, slow = _pair([load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")])
    n_hits, n_neg = _agree(fast, slow, list(junpu.entries["text"]) + list(junpu.docs["text"]))
    assert n_hits > 1000 and n_neg > 50  # real negations were compared, not only empty flags


EDGE = [
    "", "不", "不赚钱", "赚钱不", "没有", "没有支持", "开网店不赚钱", "開網店不賺錢", "沒有政府的支持",
    "配套服務跟不上",
    "配套服务跟不上，利润不高。", "利润不高", "利润，不高", "不，赚钱", "不仅赚钱", "不断赚钱", "不断", "差不多赚钱",
    "如果没有这个贷款，店开不起来", "虽然不难，但是赚钱", "不难但赚钱", "不是因为政府支持", "没有贷款没有支持",
    "并没有什么支持", "我们并没有得到任何政府的支持", "我们并没有得到任何来自县里政府的支持", "缺乏贷款和支持",
    "不 赚钱", "不\u3000赚钱", "不　赚钱", "不3.5万赚钱", "不3. 5赚钱", "不3.赚钱", "不…赚钱", "不！赚钱", "不！赚钱",
    "不赚钱😀不支持", "𠀋不支持", "不ｅ支持", "不e支持", "贷款不够不足", "支持不到位，贷款很少", "没有没有",
    "We did not get any support.", "They don't make a profit", "They don’t make a profit", "They DON'T make a PROFIT",
    "NOT support", "Not only profit", "not only", "No doubt the profit grew", "no support but loans",
    "no support BUT loans",
    "no support, loans", "no support. loans", "no support.loans", "no loans however support", "without any support",
    "a lack of support", "nobody offered loans", "shops cannot make money", "never mind the profit",
    "no longer profitable, no longer a profit", "not a b c d support", "not a b c support", "not 电商 support",
    "不 support", "not 支持", "not赚钱", "赚钱not", "没有support", "政府支持没有", "政府支持不够", "政府支持 不够",
    "Profit not", "income lacking", "fail to profit", "unable to get loans", "they failed. loans came",
    "不但赚钱，而且没有贷款", "不赚钱但是支持", "不赚钱却支持", "不过赚钱", "非常支持", "别人支持", "毫无支持",
    "not not support", "不不赚钱", "不是不赚钱", "谈不上赚钱", "贷款拿不到", "收入有限", "收入很难",
]


def test_edge_cases_same_negated_flags() -> None:
    fast, slow = _pair([LEX, OTHER])
    n_hits, n_neg = _agree(fast, slow, EDGE)
    assert n_hits > 100 and n_neg > 40


_ALPHABET = (list("不没无未别非缺但却，。！？；：,;:!?.…\n 　  ") + list("abcxyz ABC 3.5 -'")
             + ["没有", "跟不上", "不够", "不足", "不高", "很少", "有限", "并不", "不仅", "不断", "不少", "差不多",
                "如果", "但是", "可是", "不过", "然而", "赚钱", "利润", "收入", "支持", "贷款", "配套服务", "政府",
                "沒有", "賺錢", "政府支持", "的", "我们", "得到", "很多", "电商", "😀", "𠀋"]
             + [" not ", " no ", " never ", " don't ", " don’t ", " DON'T ", " cannot ", " without ", " lack ", " nor ",
                " no longer ", " not only ", " no doubt ", " but ", " However ", " yet ", " support ", " profit ",
                " profits ", " loan ", " Loans ", " make money ", " income ", " the ", " a ", " we ", " got ",
                " government support "])


@pytest.mark.parametrize("seed", [20261206, 7])
def test_random_texts_same_negated_flags(seed: int) -> None:
    fast, slow = _pair([LEX, OTHER])
    rng = random.Random(seed)
    texts = ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 30))) for _ in range(750)]
    n_hits, n_neg = _agree(fast, slow, texts)
    assert n_hits > 1000 and n_neg > 100


def test_custom_rules_same_negated_flags(tmp_path: Path) -> None:
    """Other windows (0 and 20), no contrast words, after-cues in English, a phrase cue: still identical."""
    data = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    data["zh"].update(window_before=1, window_after=20, breaks=[])
    data["en"].update(window_before=20, window_after=2, after=["lacking", "not", "in short supply"])
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    fast, slow = _pair([LEX, OTHER], negation=path)
    rng = random.Random(3)
    texts = EDGE + ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 30))) for _ in range(500)]
    _, n_neg = _agree(fast, slow, texts)
    assert n_neg > 50
    assert fast.score_text("support not").cues == ["not"]  # an English after-cue
    assert fast.score_text("开网店不赚钱").cues == ["不"]
    assert fast.score_text("开网店不很赚钱").cues is None  # window_before 1: 很 is one word too many


def test_no_negation_leaves_the_scan_unchanged() -> None:
    fast = Scorer([LEX], native=True, negation=False)
    assert fast._neg_ctx is None
    assert fast.score_text("开网店不赚钱").cues is None


@pytest.mark.parametrize("bad", [(1, 2, 3), (b"", [], (), ()), "x"])
def test_malformed_negation_context_is_refused(bad: object) -> None:
    fast, _ = _pair([LEX])
    with pytest.raises(TypeError):
        fast.matcher.scan_native("不赚钱", fast._hit_ctx or (), False, bad)  # type: ignore[arg-type]

"""Terms inside longer Chinese words: the `inside` option, its lint report and raw-text concordances."""

from __future__ import annotations

import random
from typing import Any

import pytest

from corpus_tools.errors import LexiconError
from corpus_tools.lexicon.lint import inside_longer, lint_lexicon
from corpus_tools.lexicon.model import lexicon_from_dict, lexicon_to_dict
from corpus_tools.scoring.kwic import concordance
from corpus_tools.scoring.score import Scorer
from corpus_tools.text.tokenize import Tokenizer
from tests.conftest import MakeCorpus


def _lex(profit: dict[str, Any], top: dict[str, Any] | None = None) -> Any:
    return lexicon_from_dict({"name": "t", **(top or {}), "constructs": {"opp": {"variables": {
        "profit": profit, "feasible": {"terms": {"zh": ["物流"], "en": ["logistics"]}}}}}})


BASE = {"terms": {"zh": ["利润", "收入"], "en": ["profit*"]}}


def test_parsing_variable_term_and_default() -> None:
    assert _lex(BASE).variables[0].inside == frozenset()  # default off
    assert _lex({**BASE, "inside": ["利润"]}).variables[0].inside == {"利润"}
    assert _lex({**BASE, "inside": True}).variables[0].inside == {"利润", "收入"}  # Chinese terms only
    marked = {"terms": {"zh": [{"term": "利润", "inside": True, "note": "纯利润"}, "收入"]}}
    assert _lex(marked).variables[0].inside == {"利润"}
    top = _lex(BASE, {"inside": True})
    assert top.variables[0].inside == {"利润", "收入"} and top.variables[1].inside == {"物流"}
    assert _lex({**BASE, "inside": False}, {"inside": True}).variables[0].inside == frozenset()
    again = lexicon_from_dict(lexicon_to_dict(_lex({**BASE, "inside": ["收入"]})))
    assert again.variables[0].inside == {"收入"}


@pytest.mark.parametrize("profit, top, words", [
    ({**BASE, "inside": ["纯利润"]}, None, "not terms"),
    ({**BASE, "inside": ["profit*"]}, None, "Chinese terms"),
    ({**BASE, "inside": "yes"}, None, "true, false or a list"),
    ({"terms": {"zh": [{"term": "利润", "insid": True}]}}, None, "needs `term`"),
    ({"terms": {"zh": [{"term": "利润", "inside": "yes"}]}}, None, "true or false"),
    (BASE, {"inside": "no"}, "top-level"),
])
def test_bad_inside_options(profit: dict[str, Any], top: dict[str, Any] | None, words: str) -> None:
    with pytest.raises(LexiconError, match=words):
        _lex(profit, top)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_inside_matches_simplified_and_traditional(seed: int) -> None:
    rng = random.Random(seed)
    fill = ["村里很热闹", "今年天气不错", "大家都在打包", "每月", "听说"]
    planted = [("每月纯利润有六七千元", "纯利润"), ("他家的純利潤不錯", "純利潤"), ("纯收入过万", "纯收入"),
               ("利润很高", "利润")]
    on, off = Scorer([_lex({**BASE, "inside": True})]), Scorer([_lex(BASE)])
    for text, matched in planted:
        full = f"{rng.choice(fill)}，{text}。{rng.choice(fill)}"
        got = [full[h.start:h.end] for h in on.score_text(full).hits]
        assert got == [matched], full
        plain = [full[h.start:h.end] for h in off.score_text(full).hits]
        assert plain == ([matched] if matched == "利润" else []), full  # off: only the whole word


def test_inside_compiled_equals_python() -> None:
    lex = _lex({**BASE, "inside": True})
    try:
        fast = Scorer([lex], native=True)
    except ImportError:
        pytest.skip("compiled matcher not built")
    slow = Scorer([lex], native=False)
    rng = random.Random(5)
    pieces = ["纯利润", "利润率", "收入", "纯收入", "物流园", "logistics", "profits", "，", "。", "村里", "不"]
    n = 0
    for _ in range(200):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(3, 12)))
        got, want = fast.score_text(text), slow.score_text(text)
        assert got == want, text
        n += len(got.hits)
    assert n > 200


def test_lint_reports_longer_tokens() -> None:
    lex = _lex(BASE)
    texts = ["每月纯利润有六七千元。", "今年纯利润翻了一番，利润率也高。", "纯收入过万。"]
    tok = Tokenizer()
    longer = inside_longer(lex, tok, texts)
    assert longer[("opp.profit", "利润")]["纯利润"] == 2 and longer[("opp.profit", "收入")]["纯收入"] == 1
    issues = [i for i in lint_lexicon(lex, Tokenizer(), texts) if i.code == "inside-longer"]
    msg = {i.term: i.message for i in issues}
    assert "纯利润 ×2" in msg["利润"] and "纯收入 ×1" in msg["收入"]
    on = _lex({**BASE, "inside": True})
    assert not [i for i in lint_lexicon(on, Tokenizer(), texts) if i.code == "inside-longer"]


def test_kwic_free_term_searches_raw_text(make_corpus: MakeCorpus) -> None:
    root = make_corpus([{"doc_id": "D1", "text": "每月纯利润有六七千元。\n\n利润很薄。", "date": "2014-01-01"},
                        {"doc_id": "D2", "text": "他家的純利潤不錯。", "date": "2014-01-02"}])
    lines = concordance("利润", root)
    assert [(ln.doc_id, ln.matched) for ln in lines] == [("D1", "利润"), ("D1", "利润"), ("D2", "利潤")]
    text = "每月纯利润有六七千元。\n\n利润很薄。"
    assert all(text[ln.start:ln.end] == "利润" for ln in lines if ln.doc_id == "D1")

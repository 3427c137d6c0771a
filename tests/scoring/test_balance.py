"""Language balance: a planted language artefact is flagged and its terms named; balanced corpora are not."""

from __future__ import annotations

import random

import pandas as pd

from corpus_tools.corpus.loader import load_corpus
from corpus_tools.lexicon.model import lexicon_from_dict
from corpus_tools.scoring.balance import balance_warnings, language_balance, language_of
from corpus_tools.scoring.score import Scorer, score_levels
from tests.conftest import MakeCorpus

LEX = lexicon_from_dict({"name": "t", "constructs": {"opp": {"variables": {
    "profit": {"terms": {"zh": ["利润", "网店"], "en": ["profit*"]}},
    "feasible": {"terms": {"zh": ["物流"], "en": ["logistics"]}}}}}})
ZH_FILL = ["村里的年轻人都在忙着打包发货", "今年的天气比去年好一些", "大家晚上在祠堂前面聊天"]
EN_FILL = ["The young people in the village pack parcels", "The weather was better this year",
           "People chat in front of the ancestral hall"]


def _docs(rng: random.Random, zh_profit: int, en_profit: int, n: int = 6) -> list[dict[str, object]]:
    docs: list[dict[str, object]] = []
    for i in range(n):
        zh = [*rng.sample(ZH_FILL * 3, 6), *(["网店的利润不错"] * zh_profit), "物流很方便"]
        rng.shuffle(zh)
        en = [*rng.sample(EN_FILL * 3, 6), *(["the profit was good"] * en_profit), "logistics are easy"]
        rng.shuffle(en)
        lang = "zh-Hant" if i % 3 == 0 else "zh-Hans"
        docs.append({"doc_id": f"Z{i}", "text": "。".join(zh) + "。", "lang": lang, "date": "2014-01-01"})
        docs.append({"doc_id": f"E{i}", "text": ". ".join(en) + ".", "lang": "en", "date": "2014-01-01"})
    return docs


def _balance(make_corpus: MakeCorpus, zh_profit: int, en_profit: int, seed: int = 0) -> pd.DataFrame:
    corpus = load_corpus(make_corpus(_docs(random.Random(seed), zh_profit, en_profit)))
    docs, _ = score_levels(corpus, Scorer([LEX]))
    return language_balance(docs, corpus, n_boot=200, seed=seed)


def test_language_of() -> None:
    assert [language_of(x) for x in ("zh-Hans", "zh-Hant", "en", "mixed", "")] == ["zh", "zh", "en", "mixed",
                                                                                    "unknown"]


def test_planted_artefact_flagged_with_its_terms(make_corpus: MakeCorpus) -> None:
    bal = _balance(make_corpus, zh_profit=4, en_profit=1)
    prof = bal[bal["variable"] == "opp.profit"].set_index("lang")
    assert set(prof.index) == {"zh", "en"} and prof.loc["zh", "n_docs"] == 6  # Simplified + Traditional pooled
    assert prof.loc["zh", "count"] == 6 * 4 * 2 and prof.loc["en", "count"] == 6
    assert prof.loc["zh", "rate_lo"] <= prof.loc["zh", "rate_per_1k"] <= prof.loc["zh", "rate_hi"]
    assert bool(prof["warning"].all()) and prof["ratio"].iloc[0] > 3
    assert "利润" in prof["drivers"].iloc[0] and "网店" in prof["drivers"].iloc[0]
    feas = bal[bal["variable"] == "opp.feasible"]
    assert not feas["warning"].any()  # one term per text in both languages: balanced, not flagged
    warnings = balance_warnings(bal)
    assert len(warnings) == 1 and "opp.profit" in warnings[0] and "利润" in warnings[0]


def test_balanced_corpus_not_flagged(make_corpus: MakeCorpus) -> None:
    bal = _balance(make_corpus, zh_profit=1, en_profit=2, seed=1)  # 2 zh terms x 1 ~ 2 en hits
    assert not bal["warning"].any() and balance_warnings(bal) == []


def test_one_language_only_not_flagged(make_corpus: MakeCorpus) -> None:
    docs = [d for d in _docs(random.Random(0), 4, 0) if str(d["lang"]).startswith("zh")]
    corpus = load_corpus(make_corpus(docs))
    res, _ = score_levels(corpus, Scorer([LEX]))
    bal = language_balance(res, corpus, n_boot=50)
    assert set(bal["lang"]) == {"zh"} and not bal["warning"].any() and bal["ratio"].isna().all()

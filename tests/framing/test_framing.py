"""Framing statistics on constructed data with known answers; seeded reproducibility; Fightin' Words."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from corpus_tools import schema
from corpus_tools.framing import run_framing
from corpus_tools.framing.compare import adjust_family, chi2_stat, compare_groups, cramers_v, holm, omnibus_test
from corpus_tools.framing.matrix import DocMatrix, bootstrap_sums, doc_matrix
from corpus_tools.framing.periods import doc_periods, period_order
from corpus_tools.framing.shares import period_shares
from corpus_tools.framing.triangulation import triangulation, triangulation_summary
from corpus_tools.framing.words import fightin_words, group_counts, log_odds_dirichlet
from corpus_tools.scoring.score import ScoreResult

VARS = ["c1.a", "c1.b", "c2.x"]
CONS = ["c1", "c2"]


def _result(rows: list[tuple[str, str, str, int, int, int, int]]) -> tuple[ScoreResult, pd.DataFrame]:
    """Document-level scores from (doc_id, stage, source, a, b, x, n_tokens) rows, plus a docs frame."""
    recs = []
    for did, stage, src, a, b, x, n in rows:
        recs.append({"id": did, "doc_id": did, "source_type": src, "stage": stage, "c1.a": a, "c1.b": b,
                     "c2.x": x, "c1": a + b, "c2": x, "total": a + b + x, "n_tokens": n})
    scores = pd.DataFrame(recs)
    docs = pd.DataFrame({"doc_id": [r[0] for r in rows], "stage": [r[1] for r in rows],
                         "source_type": [r[2] for r in rows]})
    return ScoreResult(scores, pd.DataFrame(columns=list(schema.EVIDENCE)), "document", VARS, CONS), docs


ROWS = [
    ("d1", "s1", "media", 2, 0, 0, 100),
    ("d2", "s1", "media", 1, 1, 0, 100),
    ("d3", "s1", "interview", 3, 0, 1, 200),
    ("d4", "s2", "media", 0, 0, 4, 100),
    ("d5", "s2", "government", 0, 1, 3, 100),
    ("d6", "s2", "media", 0, 0, 2, 100),
]


def test_period_shares_known_answers() -> None:
    res, docs = _result(ROWS)
    m = doc_matrix(res, docs)
    frame = period_shares(m, list(docs["stage"]), "stage", stage_ids=["s1", "s2", "s3"], n_boot=200, seed=1,
                          min_docs=2)
    assert list(frame.columns) == list(schema.FRAMING_SHARES)
    s1a = frame[(frame["period"] == "s1") & (frame["item"] == "c1.a")].iloc[0]
    assert s1a["count"] == 6 and s1a["n_docs"] == 3 and s1a["n_tokens"] == 400
    assert s1a["rate_per_1k"] == pytest.approx(15.0)
    assert s1a["share"] == pytest.approx(6 / 8)  # 6 of the 8 hits in s1
    assert s1a["doc_share"] == pytest.approx(1.0)
    assert s1a["rate_lo"] <= s1a["rate_per_1k"] <= s1a["rate_hi"]
    c2 = frame[(frame["period"] == "s2") & (frame["item"] == "c2")].iloc[0]
    assert c2["share"] == pytest.approx(9 / 10) and c2["level"] == "construct"
    # a declared stage without documents is kept, with undefined rates
    s3 = frame[frame["period"] == "s3"]
    assert len(s3) == len(VARS) + len(CONS) and (s3["n_docs"] == 0).all() and s3["rate_per_1k"].isna().all()
    # shares of the variables of one period add up to 1
    s1_vars = frame[(frame["period"] == "s1") & (frame["level"] == "variable")]
    assert s1_vars["share"].sum() == pytest.approx(1.0)


def test_small_groups_get_no_interval_and_zero_counts_an_exact_bound() -> None:
    res, docs = _result(ROWS)
    m = doc_matrix(res, docs)
    frame = period_shares(m, list(docs["stage"]), "stage", n_boot=100, seed=1)  # default: 5 documents
    assert frame["small"].all() and frame["rate_lo"].isna().all() and frame["share_hi"].isna().all()
    rows = [(f"a{i}", "s1", "media", 2, 0, 0, 100) for i in range(6)] + \
           [(f"b{i}", "s2", "media", 0, 1, 1, 100) for i in range(6)]
    res2, docs2 = _result(rows)
    f2 = period_shares(doc_matrix(res2, docs2), list(docs2["stage"]), "stage", n_boot=100, seed=1)
    assert not f2["small"].any()
    zero = f2[(f2["period"] == "s2") & (f2["item"] == "c1.a")].iloc[0]
    # no hit in 600 tokens: [0, 3.689 / 600 * 1000] (exact Poisson), not the degenerate [0, 0]
    assert zero["rate_lo"] == 0 and zero["rate_hi"] == pytest.approx(1000 * 3.6889 / 600, rel=1e-3)
    assert 0 < zero["share_hi"] < 1
    _, diffs = compare_groups(doc_matrix(res, docs), list(docs["stage"]), ["s1", "s2"], "stage", n_boot=50,
                              n_perm=49, min_docs=5)
    assert diffs["diff_lo"].isna().all() and diffs["p_perm"].isna().all()
    assert diffs["diff"].notna().all()  # the estimate is still shown
    t = omnibus_test(doc_matrix(res, docs), list(docs["stage"]), ["s1", "s2"], "stage", "construct", n_perm=9,
                     min_docs=5)
    assert "fewer than 5 documents" in str(t["note"]) and math.isnan(float(t["p_perm"]))


def test_bootstrap_is_seeded() -> None:
    res, docs = _result(ROWS)
    m = doc_matrix(res, docs)
    labels = list(docs["stage"])
    a = period_shares(m, labels, "stage", n_boot=300, seed=7, min_docs=2)
    b = period_shares(m, labels, "stage", n_boot=300, seed=7, min_docs=2)
    c = period_shares(m, labels, "stage", n_boot=300, seed=8, min_docs=2)
    pd.testing.assert_frame_equal(a, b)
    assert not a["rate_lo"].equals(c["rate_lo"])
    sums = bootstrap_sums(np.arange(10.0).reshape(5, 2), 50, np.random.default_rng(0))
    assert sums.shape == (50, 2) and np.allclose(sums.sum(axis=1) % 1, 0)


def test_chi2_and_cramers_v_known_answers() -> None:
    from scipy.stats import chi2_contingency

    table = np.array([[10.0, 20.0, 30.0], [20.0, 20.0, 10.0]])
    expected = chi2_contingency(table, correction=False)[0]
    assert chi2_stat(table) == pytest.approx(expected)
    assert chi2_stat(np.array([[1.0, 2.0], [2.0, 4.0]])) == pytest.approx(0.0)
    perfect = np.array([[10.0, 0.0], [0.0, 10.0]])
    assert cramers_v(chi2_stat(perfect), perfect.sum(), perfect.shape) == pytest.approx(1.0)


def test_omnibus_test_separates_and_is_seeded() -> None:
    rows = [(f"a{i}", "s1", "media", 5, 0, 0, 100) for i in range(8)] + \
           [(f"b{i}", "s2", "media", 0, 0, 5, 100) for i in range(8)]
    res, docs = _result(rows)
    m = doc_matrix(res, docs)
    labels = list(docs["stage"])
    out = omnibus_test(m, labels, ["s1", "s2"], "stage", "construct", n_perm=199, seed=3)
    assert out["cramers_v"] == pytest.approx(1.0)
    assert out["p_perm"] == pytest.approx(1 / 200)  # no permutation is as extreme as the real split
    assert out == omnibus_test(m, labels, ["s1", "s2"], "stage", "construct", n_perm=199, seed=3)
    one = omnibus_test(m, labels, ["s1"], "stage", "construct", n_perm=10)
    assert math.isnan(float(one["chi2"])) and "fewer than two" in str(one["note"])


def test_pairwise_differences_sign_and_interval() -> None:
    res, docs = _result(ROWS)
    tests, diffs = compare_groups(doc_matrix(res, docs), list(docs["stage"]), ["s1", "s2"], "stage",
                                  n_boot=300, n_perm=199, seed=0)
    assert diffs["p_holm"].isna().all()  # adjusted over the whole family by adjust_family
    diffs = adjust_family(diffs)
    assert list(tests.columns) == list(schema.FRAMING_TESTS) and len(tests) == 2
    assert list(diffs.columns) == list(schema.FRAMING_DIFFS)
    c2 = diffs[(diffs["item"] == "c2") & (diffs["level"] == "construct")].iloc[0]
    assert c2["diff"] == pytest.approx(30.0 - 2.5)  # s2: 9 hits / 300 tokens; s1: 1 / 400
    assert c2["diff_lo"] <= c2["diff"] <= c2["diff_hi"] and c2["diff"] > 0
    assert 0 < c2["p_perm"] <= c2["p_holm"] <= 1


def test_holm() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    out = holm([0.5, float("nan")])
    assert out[0] == pytest.approx(0.5) and math.isnan(out[1])


def test_fightin_words_sign_and_order() -> None:
    groups = {"A": Counter({"apple": 40, "common": 50, "pear": 10}),
              "B": Counter({"banana": 40, "common": 50, "pear": 10})}
    frame = fightin_words(groups, min_count=1, by="stage")
    assert list(frame.columns) == list(schema.DISTINCTIVE_WORDS)
    a = frame[frame["group"] == "A"]
    assert a.iloc[0]["word"] == "apple" and (a["z"] > 0).all()
    assert list(a["z"]) == sorted(a["z"], reverse=True)
    assert "banana" not in set(a["word"]) and "common" not in set(a["word"])
    assert frame[frame["group"] == "B"].iloc[0]["word"] == "banana"
    # antisymmetry: i against j is minus j against i
    yi, yj = np.array([40.0, 50, 10, 0]), np.array([0.0, 50, 10, 40])
    prior = np.array([4.0, 10, 2, 4])
    d1, s1 = log_odds_dirichlet(yi, yj, prior)
    d2, s2 = log_odds_dirichlet(yj, yi, prior)
    assert np.allclose(d1, -d2) and np.allclose(s1, s2)
    assert d1[0] > 0 > d1[3] and d1[1] == pytest.approx(0.0)


def test_fightin_words_more_evidence_higher_z() -> None:
    groups = {"A": Counter({"rare": 3, "often": 30, "x": 100}), "B": Counter({"x": 100, "often": 3, "rare": 0})}
    a = fightin_words(groups, min_count=1)
    a = a[a["group"] == "A"].set_index("word")
    assert a.loc["often", "z"] > a.loc["rare", "z"]
    assert group_counts([["a", "b"], ["a"], ["c"]], ["g1", "g1", "g2"], ["g1"]) == {"g1": Counter({"a": 2, "b": 1})}


def test_triangulation_matrix() -> None:
    res, docs = _result(ROWS)
    tri = triangulation(doc_matrix(res, docs), list(docs["source_type"]))
    assert list(tri.columns) == list(schema.TRIANGULATION)
    cov = tri.set_index(["item", "source_type"])
    assert cov.loc[("c1.a", "media"), "docs_with"] == 2 and cov.loc[("c1.a", "media"), "n_docs"] == 4
    assert cov.loc[("c1.a", "media"), "coverage"] == pytest.approx(0.5)
    summary = triangulation_summary(tri).set_index("item")
    assert summary.loc["c2.x", "verdict"] == "all sources"  # media, interview, government
    assert summary.loc["c1.a", "verdict"] == "2 of 3 sources"
    assert summary.loc["c1.a", "sources"] == "media;interview"
    only_media = triangulation(doc_matrix(*_result([("d1", "s1", "media", 1, 0, 0, 10)])), ["media"])
    assert set(only_media["source_type"]) >= {"media", "interview", "government"}  # missing sources stay visible
    s = triangulation_summary(only_media).set_index("item")
    assert s.loc["c1.a", "verdict"] == "single source" and s.loc["c2.x", "verdict"] == "no evidence"


def test_periods_label_undated_and_year_only() -> None:
    docs = pd.DataFrame({"date": ["2014-05-03", "2015", "", "2014-11"],
                         "date_start": ["2014-05-03", "2015-01-01", "", "2014-11-01"],
                         "year": pd.array([2014, 2015, None, 2014], dtype="Int64"),
                         "stage": ["s1", "s2", "unstaged", "s1"], "source_type": ["media"] * 4})
    assert list(doc_periods(docs, "quarter")) == ["2014Q2", "year-only", "undated", "2014Q4"]
    assert list(doc_periods(docs, "year")) == ["2014", "2015", "undated", "2014"]
    assert period_order(["2015", "undated", "2014"], "year") == ["2014", "2015", "undated"]
    assert period_order(["unstaged", "s2"], "stage", ["s1", "s2"]) == ["s1", "s2", "unstaged"]


def test_run_framing_on_small_corpus(make_corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.scoring.score import Scorer, score_corpus
    from corpus_tools.text.tokenize import Tokenizer

    root = make_corpus([
        {"doc_id": "A", "date": "2010-03-01", "text": "村里的网店利润很高，快递和物流也方便。\n\n开网店赚钱。"},
        {"doc_id": "B", "date": "2014-06-01", "text": "政府组织电商培训，提供免费场地和贷款。\n\n培训班很受欢迎。"},
        {"doc_id": "C", "date": "", "source_type": "interview", "text": "我觉得开网店门槛低，资金不多也能做。"},
    ])
    corpus = load_corpus(root)
    tok = Tokenizer()
    scorer = Scorer([load_lexicon("mass_entrepreneurship")], tok)
    res = run_framing(corpus, score_corpus(corpus, scorer, "entry"), tok, n_boot=50, n_perm=49, seed=0)
    for name, frame in res.to_tables().items():
        assert len(frame.columns), name
    assert set(res.shares["by"]) == {"year", "quarter", "stage", "source_type"}
    assert any("undated" in n for n in res.notes)
    assert any("'mature' has no documents" in n for n in res.notes)
    again = run_framing(corpus, score_corpus(corpus, scorer, "entry"), tok, n_boot=50, n_perm=49, seed=0)
    pd.testing.assert_frame_equal(res.shares, again.shares)
    pd.testing.assert_frame_equal(res.diffs, again.diffs)


def test_doc_matrix_sums_entries() -> None:
    scores = pd.DataFrame({"doc_id": ["d1", "d1", "d2"], "c1.a": [1, 2, 0], "c1.b": [0, 0, 1], "c2.x": [0, 1, 0],
                           "c1": [1, 2, 1], "c2": [0, 1, 0], "total": [1, 3, 1], "n_tokens": [10, 10, 5]})
    res = ScoreResult(scores, pd.DataFrame(), "entry", VARS, CONS)
    m: DocMatrix = doc_matrix(res, pd.DataFrame({"doc_id": ["d1", "d2", "d3"]}))
    assert m.counts[0].tolist() == [3, 0, 1, 3, 1] and m.n_tokens.tolist() == [20, 5, 0]
    assert m.columns("construct") == [3, 4]

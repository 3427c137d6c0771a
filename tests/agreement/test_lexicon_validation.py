"""Lexicon validation against hand codes: planted hits and misses give exactly the expected figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from corpus_tools.agreement.lexicon_validation import (
    confusion_metrics,
    format_validation,
    validate_lexicons,
)
from corpus_tools.errors import ConfigError, CorpusError, LexiconError
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.model import lexicon_from_dict
from corpus_tools.scoring.score import Scorer
from tests.conftest import MakeCorpus
from tests.support.validation import TEMPLATES, expected_counts, planted_corpus


def _run(corpus, **kw):  # type: ignore[no-untyped-def]
    lex = load_lexicon(corpus.root / "demo.yaml")
    return validate_lexicons(corpus, [lex], Scorer([lex]), n_boot=kw.pop("n_boot", 300), **kw)


def _row(result, variable: str, term: str = "", lang: str = "all") -> dict:  # type: ignore[no-untyped-def]
    t = result.table
    rows = t[(t["variable"] == variable) & (t["term"] == term) & (t["lang"] == lang)]
    assert len(rows) == 1, (variable, term, lang)
    return rows.iloc[0].to_dict()


def _close(a: object, b: float) -> bool:
    return a is not None and not (isinstance(a, float) and math.isnan(a)) and abs(float(a) - b) < 1e-3


@pytest.mark.parametrize("variable", ["demo.money", "demo.road"])
def test_variable_figures_match_the_planted_counts(make_corpus: MakeCorpus, variable: str) -> None:
    corpus, docs = planted_corpus(make_corpus)
    res = _run(corpus)
    for lang in (None, "zh-Hans", "en"):
        c = expected_counts(docs, variable, lang)
        r = _row(res, variable, lang=lang or "all")
        assert (r["tp"], r["fp"], r["fn"]) == (c["tp"], c["fp"], c["fn"])
        assert r["n_hits"] == c["tp"] + c["fp"] and r["n_coded"] == c["tp"] + c["fn"]
        if c["tp"] + c["fp"]:
            assert _close(r["precision"], c["tp"] / (c["tp"] + c["fp"]))
        if c["tp"] + c["fn"]:
            assert _close(r["recall"], c["tp"] / (c["tp"] + c["fn"]))
    # kappa equals scikit-learn's on the same two binary codings
    from sklearn.metrics import cohen_kappa_score

    c = expected_counts(docs, variable)
    truth = [1] * c["tp"] + [0] * c["fp"] + [1] * c["fn"] + [0] * c["tn"]
    pred = [1] * c["tp"] + [1] * c["fp"] + [0] * c["fn"] + [0] * c["tn"]
    assert _close(_row(res, variable)["kappa"], cohen_kappa_score(truth, pred))


def test_term_rows_use_entries_of_the_terms_language(make_corpus: MakeCorpus) -> None:
    corpus, docs = planted_corpus(make_corpus)
    res = _run(corpus)
    for term, lang, doc_lang in (("利润", "zh", "zh-Hans"), ("赚钱", "zh", "zh-Hans"), ("profit*", "en", "en")):
        c = expected_counts(docs, "demo.money", doc_lang, term)
        r = _row(res, "demo.money", term, lang)
        assert (r["tp"], r["fp"], r["fn"]) == (c["tp"], c["fp"], c["fn"]), term
    # 利润 fires on the coder's "none" template: a false hit, so its precision is below 1
    assert _row(res, "demo.money", "利润", "zh")["precision"] < 1
    assert _row(res, "demo.road", "道路", "zh")["precision"] == 1.0


def test_intervals_bracket_the_estimate_and_are_reproducible(make_corpus: MakeCorpus) -> None:
    corpus, _ = planted_corpus(make_corpus)
    a, b = _run(corpus, random_state=7), _run(corpus, random_state=7)
    pd.testing.assert_frame_equal(a.table, b.table)
    t = a.table.dropna(subset=["precision_lo", "precision_hi"])
    assert len(t)
    assert ((t["precision_lo"] <= t["precision"] + 1e-9) & (t["precision"] <= t["precision_hi"] + 1e-9)).all()
    assert ((t["precision_lo"] >= 0) & (t["precision_hi"] <= 1)).all()
    # a figure measured on a non-constant sample has a real interval
    r = _row(a, "demo.money")
    assert r["precision_lo"] < r["precision_hi"]
    none = _run(corpus, n_boot=0)
    assert none.table["precision_lo"].isna().all()


def test_confusion_and_false_hits(make_corpus: MakeCorpus) -> None:
    corpus, docs = planted_corpus(make_corpus)
    res = _run(corpus)
    n_cross = sum(k == "zh_cross" for d in docs for k in d["keys"])  # type: ignore[attr-defined]
    n_fp = sum(k == "zh_fp_money" for d in docs for k in d["keys"])  # type: ignore[attr-defined]
    conf = res.confusion.set_index(["fired", "coded"])["n_entries"]
    assert conf[("demo.money", "demo.road")] == n_cross  # money terms fire on road-coded entries
    assert conf[("demo.money", "none")] == n_fp
    fh = res.false_hits
    top = fh.iloc[0]
    assert top["n_false"] == fh["n_false"].max()
    liru = fh[fh["term"] == "利润"].iloc[0]
    assert liru["n_false"] == n_fp and "«利润»" in liru["examples"] and liru["false_coded_as"] == "none"
    zq = fh[fh["term"] == "赚钱"].iloc[0]
    assert zq["n_false"] == n_cross and zq["false_coded_as"] == "demo.road"
    assert "demo.money" in format_validation(res)


def test_split_uses_only_the_named_documents(make_corpus: MakeCorpus) -> None:
    corpus, docs = planted_corpus(make_corpus)
    dev = {str(d["doc_id"]) for i, d in enumerate(docs) if i % 2 == 0}
    table = {str(d["doc_id"]): "dev" if d["doc_id"] in dev else "test" for d in docs}
    res = _run(corpus, split="dev", split_table=table)
    c = expected_counts([d for d in docs if d["doc_id"] in dev], "demo.money")
    r = _row(res, "demo.money")
    assert (r["tp"], r["fp"], r["fn"]) == (c["tp"], c["fp"], c["fn"]) and r["split"] == "dev"
    with pytest.raises(ConfigError, match="split"):
        _run(corpus, split="test")  # no validation_split.csv in this corpus


def test_lexicon_specific_codings_file_and_coder_choice(make_corpus: MakeCorpus) -> None:
    corpus, _docs = planted_corpus(make_corpus, codings_name="codings_demo.csv", coders=("X", "Y"))
    res = _run(corpus)
    assert res.samples["demo"]["source"] == "codings_demo.csv" and res.samples["demo"]["coder"] == "X"
    assert _run(corpus, coder="Y").samples["demo"]["coder"] == "Y"
    with pytest.raises(ConfigError, match="coder 'Z'"):
        _run(corpus, coder="Z")


def test_corpus_without_codes_is_a_clear_error(make_corpus: MakeCorpus) -> None:
    corpus, _ = planted_corpus(make_corpus)
    (corpus.root / "codings.csv").unlink()
    with pytest.raises(CorpusError, match="no coded entries") as exc:
        _run(corpus)
    assert "codings.csv" in str(exc.value)


def test_codes_of_another_codebook_do_not_count(make_corpus: MakeCorpus) -> None:
    corpus, _ = planted_corpus(make_corpus)
    path = corpus.root / "codings.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw["codes"] = "opportunity.profitability"
    raw.to_csv(path, index=False)
    with pytest.raises(CorpusError, match="no coded entries"):
        _run(corpus)


def test_empty_term_is_a_lexicon_error() -> None:
    data = {"constructs": {"c": {"variables": {"v": {"terms": {"zh": ["利润", "  "]}}}}}}
    with pytest.raises(LexiconError, match="empty term"):
        lexicon_from_dict(data)


def test_confusion_metrics_undefined_cases() -> None:
    m = confusion_metrics(np.array([0, 3]), np.array([0, 1]), np.array([0, 0]), np.array([5, 0]))
    assert math.isnan(m["precision"][0]) and math.isnan(m["recall"][0]) and math.isnan(m["kappa"][0])
    assert m["precision"][1] == 0.75 and m["recall"][1] == 1.0
    assert set(TEMPLATES)  # the planted corpus covers both languages

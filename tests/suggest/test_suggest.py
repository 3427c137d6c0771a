"""Suggestion model: features, training data, fit/predict invariants, determinism, safe persistence,
cold start, explanations and cross-validated evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corpus_tools import schema
from corpus_tools.corpus.loader import Corpus
from corpus_tools.errors import ModelError
from corpus_tools.jobs.suggest import load_suggester, train
from corpus_tools.store import CodingStore
from corpus_tools.suggest.apply import suggest_corpus, suggest_table_file, suggest_texts
from corpus_tools.suggest.calibration import best_threshold, platt, sigmoid
from corpus_tools.suggest.coldstart import LexiconSuggester
from corpus_tools.suggest.evaluation import cross_validate, format_table, write_evaluation
from corpus_tools.suggest.features import FeatureBuilder, TextAnalyzer
from corpus_tools.suggest.model import SuggestionModel
from corpus_tools.suggest.persistence import load_model, save_model
from corpus_tools.suggest.training import collect, entry_labels
from tests.support.coding import MARKED, MARKER, coded_corpus

LEX = ["mass_entrepreneurship"]


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer(LEX)


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return coded_corpus(tmp_path_factory.mktemp("suggest") / "corpus", 12, 10, n_a=100, n_b=20)


@pytest.fixture(scope="module")
def fitted(coded: Corpus, analyzer: TextAnalyzer) -> SuggestionModel:
    data = _data(coded)
    return SuggestionModel(LEX, random_state=3).fit(data.texts, data.Y, data.codes, data.ids, analyzer=analyzer)


def _data(corpus: Corpus, store: CodingStore | None = None):
    from corpus_tools.lexicon.formats import load_lexicon

    return collect(corpus, store, load_lexicon("mass_entrepreneurship").variable_ids)


def test_features_have_words_chars_and_lexicon_hits(analyzer: TextAnalyzer) -> None:
    docs = analyzer.analyze_many(["网上销售利润很高，赚钱快。", "Logistics and express delivery are cheap.", ""])
    assert "利润" in docs[0].words and any(h.variable == "opportunity.profitability" for h in docs[0].hits)
    fb = FeatureBuilder(analyzer.variable_ids).fit(docs)
    X = fb.transform(docs)
    assert X.shape == (3, fb.n_features) == (3, len(fb.feature_names_))
    names = fb.feature_names_
    assert any(n.startswith("w:") for n in names) and any(n.startswith("c:") for n in names)
    lex_col = names.index("lex:opportunity.profitability")
    assert X[0, lex_col] > 0 and X[2].nnz == 0
    for h in docs[0].hits:  # hit offsets point into the original text
        assert "网上销售利润很高，赚钱快。"[h.start:h.end]


def test_calibration_helpers() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.3).astype(int)
    d = y * 2.0 - 1.0 + rng.normal(0, 1, 400)
    a, b = platt(d, y)
    assert a > 0
    p = sigmoid(a * d + b)
    assert abs(p.mean() - y.mean()) < 0.05  # calibrated: mean probability matches the base rate
    t = best_threshold(p, y)
    assert 0.05 <= t <= 0.95
    assert best_threshold(rng.random(400), y) == 0.5  # no skill: default kept


def test_entry_labels_majority_and_adjudication() -> None:
    long = pd.DataFrame([("e1", "A", "x", "imported"), ("e1", "B", "y", "imported"), ("e2", "A", "x", "imported"),
                         ("e2", "B", "x", "imported"), ("e2", "C", "none", "imported"),
                         ("e3", "A", "x", "imported"), ("e3", "J", "y", "adjudicated")],
                        columns=["entry_id", "coder", "code", "mode"])
    labels = entry_labels(long)
    assert labels == {"e1": {"x", "y"}, "e2": {"x"}, "e3": {"y"}}


def test_training_data_merges_store_and_codings(coded: Corpus, tmp_path: Path) -> None:
    base = _data(coded)
    assert len(base) == 100 and base.Y.shape == (100, 9) and base.sources == {"codings.csv": 100}
    extra = coded.entries.iloc[110]
    with CodingStore(tmp_path / "s.sqlite") as st:
        st.record(extra["entry_id"], extra["text_hash"], "activity.high_ambition", "add", "A")
        st.record("ghost:1", "h", "activity.high_ambition", "add", "A")  # not in the corpus, no text
        data = _data(coded, st)
    assert len(data) == 101 and extra["entry_id"] in data.ids
    assert any("stale" in p for p in data.problems)


def test_fit_predict_invariants_and_determinism(coded: Corpus, fitted: SuggestionModel) -> None:
    data = _data(coded)
    m1 = fitted
    m2 = SuggestionModel(LEX, random_state=3).fit(data.texts, data.Y, data.codes, data.ids)
    texts = list(coded.entries["text"].iloc[100:120])
    P1, P2 = m1.predict_proba(texts), m2.predict_proba(texts)
    assert P1.shape == (20, 9) and ((P1 >= 0) & (P1 <= 1)).all()
    assert m1.version == m2.version and np.array_equal(P1, P2)
    assert np.array_equal(m1.predict(texts), m2.predict(texts))
    f1 = suggest_texts(m1, [str(i) for i in range(20)], texts)
    f2 = suggest_texts(m2, [str(i) for i in range(20)], texts)
    pd.testing.assert_frame_equal(f1, f2)
    # the lexicon-derived labels are learnable: training passages are mostly reproduced
    fitted = m1.predict(data.texts)
    assert (fitted == data.Y).mean() > 0.9
    assert m1.thresholds_.shape == (9,) and m1.calibration_.shape == (9, 2)
    other = SuggestionModel(LEX, random_state=3).fit(data.texts[:-5], data.Y[:-5], data.codes, data.ids[:-5])
    assert other.version != m1.version


def test_too_little_data_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="too few"):
        SuggestionModel(LEX).fit(["a", "b"], np.zeros((2, 9)))
    with pytest.raises(ModelError, match="shape"):
        SuggestionModel(LEX).fit(["a"] * 5, np.zeros((5, 3)))


def test_persistence_roundtrip_and_validation(coded: Corpus, tmp_path: Path, fitted: SuggestionModel) -> None:
    model = fitted
    folder = tmp_path / "m"
    save_model(model, folder, metrics={"note": "test"})
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.npz", "lexicons", "model.json"]
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert meta["codes"] == model.codes_ and meta["training"]["hash"] == model.training_hash_
    assert "scikit-learn" in meta["software"] and "numpy" in meta["software"]
    loaded = load_model(folder)
    texts = list(coded.entries["text"].iloc[100:120])
    assert loaded.version == model.version
    assert np.allclose(loaded.predict_proba(texts), model.predict_proba(texts))
    # tampering with the arrays is detected
    bad = tmp_path / "bad"
    save_model(model, bad)
    with np.load(bad / "arrays.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["coef"] = arrays["coef"] * 2
    np.savez_compressed(bad / "arrays.npz", **arrays)
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(bad)
    # an object (pickle) array is refused even when its hash is recorded
    evil = tmp_path / "evil"
    save_model(model, evil)
    arrays["coef"] = np.array([{"x": 1}], dtype=object)
    np.savez(evil / "arrays.npz", **arrays)
    import hashlib

    meta = json.loads((evil / "model.json").read_text(encoding="utf-8"))
    meta["files"]["arrays.npz"] = hashlib.sha256((evil / "arrays.npz").read_bytes()).hexdigest()
    (evil / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError):
        load_model(evil)
    (evil / "model.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError):
        load_model(evil)
    with pytest.raises(ModelError, match=r"no model\.json"):
        load_model(tmp_path)


def test_cold_start_lexicon_suggestions(coded: Corpus) -> None:
    sug = load_suggester(None, coded)
    assert isinstance(sug, LexiconSuggester) and sug.source == "lexicon"
    frame = suggest_corpus(sug, coded)
    assert list(frame.columns) == ["id", "doc_id", *sug.codes_, *schema.SUGGESTION_WHY]
    assert set(frame["source"]) == {"lexicon"} and frame["model_version"].iloc[0].startswith("lexicon:")
    with_codes = frame[frame["codes"] != ""]
    assert len(with_codes) and (with_codes["why_terms"] != "").all()
    for _, r in with_codes.head(20).iterrows():
        for code in r["codes"].split(";"):
            assert r[code] >= 0.5 and code in r["why_terms"]
            assert code.split(".")[0] in r["constructs"].split(";")


def test_explanations(coded: Corpus, fitted: SuggestionModel) -> None:
    data = _data(coded)
    model = fitted
    frame = suggest_texts(model, data.ids[:30], data.texts[:30])
    assert (frame["similar_id"] != frame["id"]).all()  # never its own nearest neighbour
    assert (frame["similar_id"] != "").all() and (frame["similar_score"] > 0).all()
    suggested = frame[frame["codes"] != ""]
    assert len(suggested) and (suggested["why_features"] != "").any()
    j = model.codes_.index(MARKED)
    assert not model.fallback_[j]  # the model beats the lexicon where coders use a non-lexicon cue
    marked = frame[frame["codes"].str.contains(MARKED, regex=False) & (frame["why_terms"] == "")]
    assert (marked["why_features"].str.contains(MARKER)).any()
    assert model.fallback_.sum() >= 1  # variables the lexicon predicts perfectly stay on the lexicon
    # a construct is suggested when any of its variables is
    for codes, constructs in zip(suggested["codes"], suggested["constructs"], strict=True):
        assert {c.split(".")[0] for c in codes.split(";")} == set(constructs.split(";"))


def test_in_training_flags_in_sample_passages(coded: Corpus, fitted: SuggestionModel) -> None:
    data = _data(coded)
    trained = set(fitted.exemplar_ids_)
    frame = suggest_corpus(fitted, coded, why=False)
    assert set(frame.loc[frame["in_training"] == 1, "id"]) == trained and set(frame["in_training"]) == {0, 1}
    # a passage from elsewhere with the exact text of a training passage is in-sample too
    renamed = suggest_texts(fitted, ["elsewhere", "new"], [data.texts[0], "全新的一段，没有见过。"], why=False)
    assert list(renamed["in_training"]) == [1, 0]
    assert set(suggest_corpus(load_suggester(None, coded), coded, why=False)["in_training"]) == {0}


def test_suggest_table_file(coded: Corpus, tmp_path: Path) -> None:
    sug = load_suggester(None, coded)
    src = tmp_path / "in.csv"
    body = ["利润很高，网上销售。", "", "nothing here"]
    pd.DataFrame({"key": ["a", "b", "c"], "body": body}).to_csv(src, index=False)
    for out in (tmp_path / "out.csv", tmp_path / "out.xlsx", tmp_path / "out.jsonl"):
        n = suggest_table_file(sug, src, out, text_col="body", id_col="key", chunksize=2)
        assert n == 3
    got = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert list(got["id"]) == ["a", "b", "c"] and "opportunity.profitability" in got.columns
    assert "opportunity.profitability" in got["codes"].iloc[0]


def test_cross_validation_and_learning_curve(coded: Corpus, analyzer: TextAnalyzer, tmp_path: Path) -> None:
    data = _data(coded)
    res = cross_validate(data, analyzer, folds=3, random_state=0, sizes=[30, 200])
    pv = res.per_variable
    assert tuple(pv.columns) == schema.EVALUATION and list(pv["variable"]) == [*data.codes, "macro"]
    assert ((pv["f1"] >= 0) & (pv["f1"] <= 1)).all()
    assert res.macro["f1"] > 0.5  # lexicon-derived labels are learnable
    lc = res.learning_curve
    # grouped folds: whole documents (10 passages each) are held out, so the largest training set is the
    # smallest training fold
    assert tuple(lc.columns) == schema.LEARNING_CURVE and lc["n_train"].iloc[0] == 30
    assert 50 <= lc["n_train"].iloc[-1] <= 70 and res.grouping == "document" and res.n_groups == 10
    assert ((lc["f1_low"] <= lc["f1_high"]) & (lc["f1_low"] >= 0) & (lc["f1_high"] <= 1)).all()
    by_lang = res.by_language
    assert by_lang is not None and tuple(by_lang.columns) == schema.EVALUATION_BY_LANGUAGE
    assert by_lang.iloc[0]["lang"] == "all" and by_lang.iloc[0]["macro_f1"] == pytest.approx(res.macro["f1"])
    assert res.macro["f1_low"] <= res.macro["f1"] <= res.macro["f1_high"]
    again = cross_validate(data, analyzer, folds=3, random_state=0, learning_curve=False)
    pd.testing.assert_frame_equal(again.per_variable, pv)
    files = write_evaluation(res, tmp_path / "ev")
    assert all(p.is_file() for p in files.values())
    assert json.loads(files["json"].read_text(encoding="utf-8"))["macro"]["f1"] == pytest.approx(res.macro["f1"])
    assert "macro" in format_table(res)


def test_train_needs_codes(make_corpus, tmp_path: Path) -> None:
    from tests.support.coding import synthetic_docs

    root = make_corpus(synthetic_docs(2, 5))
    with pytest.raises(ModelError, match="at least"):
        train(root, None, tmp_path / "m")


def test_train_on_bundled_corpus(tmp_path: Path) -> None:
    """The bundled Junpu corpus's coded samples train one model over both codebooks (nine mass-entrepreneurship
    variables, plus the government-support variables from codings_government_support.csv)."""
    from corpus_tools.io.resources import default_corpus

    if not (default_corpus() / "codings.csv").is_file():
        pytest.skip("bundled corpus has no codings.csv")
    res = train(None, None, tmp_path / "junpu-model", evaluate=False)  # the grouped CV is tested on tiny corpora
    model = res.model
    from corpus_tools.lexicon.formats import load_lexicon

    me, gov = load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")
    assert model.codes_[:9] == list(me.variable_ids) and res.data.Y.shape[0] >= 600
    if (default_corpus() / "codings_government_support.csv").is_file():
        assert model.codes_[9:] == list(gov.variable_ids)
        mask = res.data.scope()
        assert mask[:, 9:].sum(axis=0).max() >= 300 and not mask.all()  # gov-coded passages only
    assert res.evaluation is None and model.evaluation_ == {}
    assert all(f.positives > 0 for f in model.fits_[:9])
    texts = ["网上销售利润很高，赚钱容易。", "Couriers and broadband made it feasible."]
    frame = suggest_texts(model, ["a", "b"], texts)
    assert "opportunity.profitability" in frame.loc[0, "codes"]
    assert load_model(tmp_path / "junpu-model").version == model.version


def test_analyzer_hits_are_terms_not_negation_cues() -> None:
    """The scorer's matcher also finds negation cues (one more rules lexicon); they are never features."""
    from corpus_tools.lexicon.negation import NEGATION_LEXICON
    from corpus_tools.suggest.features import TextAnalyzer

    a = TextAnalyzer(["mass_entrepreneurship"])
    hits = a.analyze("开网店不赚钱，但是物流方便。We did not make a profit.").hits
    assert hits and all(h.lexicon == "mass_entrepreneurship" for h in hits)
    assert NEGATION_LEXICON not in {h.lexicon for h in hits}

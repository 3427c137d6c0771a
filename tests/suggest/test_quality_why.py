"""One quality record per code (saved with the model, read by the dashboard) and the plain-language why:
matched terms with labels, words only (no character n-grams), another code's terms always named as such."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from corpus_tools.corpus.loader import Corpus
from corpus_tools.jobs.suggest import TrainResult, train
from corpus_tools.review.dashboard import model_quality
from corpus_tools.suggest.apply import suggest_texts
from corpus_tools.suggest.explain import explain
from corpus_tools.suggest.features import TextAnalyzer
from corpus_tools.suggest.model import SuggestionModel
from corpus_tools.suggest.persistence import MODEL_JSON, load_model, load_quality
from tests.support.coding import MARKED, MARKER, coded_corpus, lexicon_labels

LEX = ["mass_entrepreneurship"]


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return coded_corpus(tmp_path_factory.mktemp("quality") / "corpus", 12, 10, n_a=100, n_b=0, seed=4)


@pytest.fixture(scope="module")
def trained(coded: Corpus, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    return train(coded.root, None, tmp_path_factory.mktemp("quality-model") / "model", folds=3)


def test_quality_record_is_the_grouped_cv_with_the_applied_threshold(trained: TrainResult) -> None:
    model, ev = trained.model, trained.evaluation
    assert ev is not None and model.quality_ is not None and model.quality_.cross_validated
    pv = ev.per_variable.set_index("variable")
    checked = 0
    for j, code in enumerate(model.codes_):
        q = model.quality_.get(code)
        assert q is not None and q.threshold == pytest.approx(float(model.thresholds_[j]), abs=1e-4)
        assert q.n_passages == int(pv.at[code, "n_passages"]) and q.support == int(pv.at[code, "support"])
        if not np.isnan(pv.at[code, "f1"]):
            assert q.f1 == pytest.approx(float(pv.at[code, "f1"]), abs=1e-4)
            assert q.fold_threshold == pytest.approx(float(pv.at[code, "threshold"]), abs=1e-4)
            checked += 1
    assert checked >= 3
    folder = trained.path.parent
    assert load_quality(folder) == model.quality_ == load_model(folder).quality_  # stored with the model
    assert model.quality_.macro["f1"] == pytest.approx(ev.macro["f1"], abs=1e-4)


def test_dashboard_shows_the_record_never_the_calibration_folds(trained: TrainResult, tmp_path: Path) -> None:
    folder = trained.path.parent
    quality = model_quality(folder)
    assert quality is not None and quality.record == trained.model.quality_
    for fit in quality.fits:
        q = trained.model.quality_.get(fit["code"])
        assert q is not None and fit["threshold"] == q.threshold and fit.get("f1") == q.f1
        assert "oof" not in fit
    # a model saved before records existed: thresholds shown, no per-code F1 from its calibration folds
    old = tmp_path / "old"
    old.mkdir()
    meta = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
    del meta["quality"]
    (old / MODEL_JSON).write_text(json.dumps(meta), encoding="utf-8")
    legacy = model_quality(old)
    assert legacy is not None and legacy.record is None
    assert all("f1" not in f and "threshold" in f for f in legacy.fits)


def test_why_names_words_not_character_ngrams(coded: Corpus, trained: TrainResult) -> None:
    model = trained.model
    e = coded.entries
    frame = suggest_texts(model, list(e["entry_id"][:60]), list(e["text"][:60]))
    text = " ".join(frame["why_features"]) + " ".join(frame["why_terms"])
    assert "chars" not in text and not re.search(r"\bc:", text) and "lexicon hits" not in text
    marked = frame[frame["codes"].str.contains(MARKED, regex=False)]
    assert marked["why_features"].str.contains(MARKER).any()  # the planted non-lexicon cue is a word reason
    exps = explain(model, model.analyzer_.analyze_many(list(e["text"][:60])),
                   model.predict_proba(list(e["text"][:60])))
    for exp in exps:
        assert all(f.kind in ("word", "lexicon") for f in exp.features)
        for code in {f.code for f in exp.features}:
            for reason in exp.reasons(code):
                assert "chars" not in reason
        for ev in exp.evidence:  # matched terms come with the variable's readable label
            assert exp.name(ev.code) != ev.code


def test_another_codes_terms_are_said_to_be_another_codes(coded: Corpus) -> None:
    """Planted: passages are coded X exactly where Y's lexicon terms occur, so Y's lexicon hits weigh for X;
    the why must say they are another code's terms, never present them as X's."""
    x, y = "activity.low_ambition", "opportunity.profitability"
    labels = lexicon_labels(coded)
    e = coded.entries
    ids, texts = list(e["entry_id"]), list(e["text"])
    target = np.array([[int(y in labels[i])] for i in ids])
    analyzer = TextAnalyzer(LEX)
    model = SuggestionModel(LEX, random_state=0, cv=3).fit(texts, target, [x], ids, analyzer=analyzer)
    docs = analyzer.analyze_many(texts)
    P = model.proba_docs(docs)
    exps = explain(model, docs, P, codes_for=[[0]] * len(texts))
    other = [f for exp in exps for f in exp.features if f.kind == "lexicon" and f.text == y]
    assert other, "the planted cross-code weight was not found"
    for exp in exps:
        reasons = " ".join(exp.reasons(x))
        if y in reasons:
            assert "another code" in reasons
        assert not any(t for t in exp.terms_for(x) if t in exp.terms_for(y))  # Y's terms never listed as X's
    shown = [f.label(exps[0].labels) for f in other]
    assert all("another code" in s and y in s for s in shown)

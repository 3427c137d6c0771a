"""Suggestions coders can trust: the "not sure" band (abstention), suggestions for every codebook with coded
data, the active-learning simulation, similar passages from the user's own material first, and models that
record the evaluation they rest on."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from corpus_tools import schema
from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.errors import ModelError
from corpus_tools.jobs.suggest import train, training_data
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.suggest.active import AL_COLUMNS, STRATEGIES, _pick, simulate
from corpus_tools.suggest.apply import suggest_corpus, suggest_texts
from corpus_tools.suggest.evaluation import cross_validate
from corpus_tools.suggest.features import TextAnalyzer
from corpus_tools.suggest.model import SuggestionModel
from corpus_tools.suggest.persistence import load_model, save_model
from corpus_tools.suggest.training import collect
from tests.support.coding import coded_corpus, synthetic_docs, write_codings, write_corpus

LEX = ["mass_entrepreneurship"]


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """A coded corpus whose coders drop 30% of the codes the lexicon would give (a noisy, realistic sample)."""
    root = tmp_path_factory.mktemp("noisy") / "corpus"
    write_corpus(root, synthetic_docs(14, 10, seed=5))
    corpus = load_corpus(root)
    write_codings(corpus, 140, 0, seed=5, flip=0.3)
    return corpus


def _data(corpus: Corpus):
    return collect(corpus, None, load_lexicon("mass_entrepreneurship").variable_ids)


# -- abstention --------------------------------------------------------------------------------------------
def test_not_sure_band_replaces_likely_wrong_codes(noisy: Corpus) -> None:
    data = _data(noisy)
    an = TextAnalyzer(LEX)
    plain = SuggestionModel(LEX, random_state=0).fit(data.texts, data.Y, data.codes, data.ids, analyzer=an,
                                                     groups=data.groups)
    assert np.array_equal(plain.confident_, plain.thresholds_)  # abstention off by default
    careful = SuggestionModel(LEX, random_state=0, target_precision=0.95).fit(
        data.texts, data.Y, data.codes, data.ids, analyzer=an, groups=data.groups)
    assert (careful.confident_ >= careful.thresholds_).all() and (careful.confident_ > careful.thresholds_).any()
    P = careful.predict_proba(data.texts)
    sure, unsure = careful.suggested_matrix(P), careful.unsure_matrix(P)
    assert unsure.any() and not (sure & unsure).any()
    assert np.array_equal(sure | unsure, careful.thresholds_ <= P)  # the band only splits what was suggested
    frame = suggest_texts(careful, data.ids, data.texts)
    assert list(frame.columns) == ["id", *careful.codes_, *schema.SUGGESTION_WHY]
    for codes, maybe in zip(frame["codes"], frame["unsure"], strict=True):
        assert not set(filter(None, codes.split(";"))) & set(filter(None, maybe.split(";")))
    assert (frame["unsure"] != "").any()
    # the band survives saving and loading, and the cross-validation counts the "not sure" answers
    folder = Path(noisy.root) / "careful-model"
    save_model(careful, folder)
    again = load_model(folder)
    assert np.array_equal(again.confident_, careful.confident_) and again.target_precision == 0.95
    res = cross_validate(data, an, folds=3, learning_curve=False, params={"target_precision": 0.95}, n_boot=50)
    assert int(res.per_variable.set_index("variable").loc["macro", "unsure"]) > 0
    with pytest.raises(ModelError, match="between 0 and 1"):
        SuggestionModel(LEX, target_precision=1.5)


def test_not_sure_band_raises_precision_of_what_is_still_suggested(noisy: Corpus) -> None:
    data = _data(noisy)
    an = TextAnalyzer(LEX)
    plain = cross_validate(data, an, folds=3, learning_curve=False, n_boot=50)
    careful = cross_validate(data, an, folds=3, learning_curve=False, params={"target_precision": 0.95}, n_boot=50)
    p0 = plain.per_variable.set_index("variable").drop(index="macro")
    p1 = careful.per_variable.set_index("variable").drop(index="macro")
    assert p1["predicted"].sum() < p0["predicted"].sum()

    def micro_precision(t) -> float:  # share of all suggested codes the coders gave
        return float((t["precision"] * t["predicted"]).sum() / t["predicted"].sum())

    assert micro_precision(p1) >= micro_precision(p0)


# -- both codebooks -----------------------------------------------------------------------------------------
SECOND = """name: second_book
version: "1"
title: A generated second codebook
languages: [zh]
constructs:
  help:
    label: {en: Help}
    definition: test
    variables:
      roads:
        label: {en: Roads}
        definition: test
        terms: {zh: [修路, 公路]}
      training:
        label: {en: Training}
        definition: test
        terms: {zh: [培训班, 讲座]}
"""


@pytest.fixture(scope="module")
def two_books(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Coder A codes the first codebook on entries 0-79; coder G codes the second one on entries 50-119."""
    root = tmp_path_factory.mktemp("books") / "corpus"
    docs = synthetic_docs(12, 10, seed=2)
    for i, d in enumerate(docs):
        paras = d["text"].split("\n\n")
        d["text"] = "\n\n".join(p + ("修路了。" if (i + k) % 3 == 0 else "")
                                + ("开了培训班。" if (i * k) % 4 == 1 else "") for k, p in enumerate(paras))
    write_corpus(root, docs)
    (root / "second_book.yaml").write_text(SECOND, encoding="utf-8")
    (root / "corpus.toml").write_text('name = "books"\nlexicons = ["mass_entrepreneurship", "second_book.yaml"]\n',
                                      encoding="utf-8")
    corpus = load_corpus(root)
    write_codings(corpus, 80)
    e = corpus.entries
    with (root / "codings.csv").open("a", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        for eid, did, text in zip(e["entry_id"][50:120], e["doc_id"][50:120], e["text"][50:120], strict=True):
            codes = [c for c, term in (("help.roads", "修路"), ("help.training", "培训班")) if term in text]
            w.writerow([eid, did, "", "", "G", ";".join(codes) or "none", ""])
    return corpus


def test_every_codebook_with_coded_data_is_trained_and_suggested(two_books: Corpus, tmp_path: Path) -> None:
    from corpus_tools.jobs.suggest import project_lexicons

    lex = project_lexicons(two_books)
    data = training_data(two_books, None, lex)
    me = list(lex[0].variable_ids)
    assert data.codes == [*me, "help.roads", "help.training"] and len(data) == 120
    mask = data.scope()
    pos = {eid: i for i, eid in enumerate(data.ids)}
    ids = list(two_books.entries["entry_id"])
    # coder A's passages (0-49 only) are not negatives of the second codebook, and G's (80-119) not of the first
    assert not mask[pos[ids[10]], len(me)] and mask[pos[ids[10]], 0]
    assert mask[pos[ids[100]], len(me)] and not mask[pos[ids[100]], 0]
    assert mask[pos[ids[60]]].all()
    res = train(two_books.root, None, tmp_path / "model", progress=None, folds=3)
    model = load_model(tmp_path / "model")
    assert model.codes_ == data.codes and res.evaluation is not None
    pv = res.evaluation.per_variable.set_index("variable")
    assert {"macro", "macro:mass_entrepreneurship", "macro:second_book"} <= set(pv.index)
    assert pv.loc["help.roads", "n_passages"] == 70 and pv.loc["help.roads", "f1"] > 0.8
    frame = suggest_corpus(model, two_books)
    assert {"help.roads", "help.training", *me} <= set(frame.columns)
    road = frame["id"].isin([eid for eid, t in zip(ids, two_books.entries["text"], strict=True) if "修路" in t])
    assert frame.loc[road, "codes"].str.contains("help.roads").mean() > 0.8
    # the saved model records the grouped evaluation it rests on; every suggestion says so
    assert model.evaluation_["grouping"] == "document" and model.evaluation_["macro"]["f1"] is not None
    assert frame["evaluation"].str.startswith("grouped CV macro F1").all()


def test_a_codebook_without_coded_data_is_left_out(make_corpus, tmp_path: Path) -> None:
    corpus = coded_corpus(make_corpus, 8, 8, n_a=60, n_b=0)
    lexicons = [load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")]
    data = training_data(corpus, None, lexicons)
    assert data.codes == list(lexicons[0].variable_ids) and data.mask is None


# -- active learning ------------------------------------------------------------------------------------------
def test_active_learning_simulation(make_corpus) -> None:
    corpus = coded_corpus(make_corpus, 10, 8, n_a=80, n_b=0)
    data = _data(corpus)
    an = TextAnalyzer(LEX)
    res = simulate(data, an, seed_size=10, batch=20, max_coded=40, folds=3)
    c = res.curves
    assert tuple(c.columns) == AL_COLUMNS and set(c["strategy"]) == set(STRATEGIES)
    for _s, g in c.groupby("strategy"):
        assert list(g["n_coded"]) == [10, 30, 40]
        assert g["macro_f1"].iloc[-1] >= g["macro_f1"].iloc[0] - 0.05
    # every strategy starts from the same seed passages
    assert c[c["n_coded"] == 10]["macro_f1"].nunique() == 1
    reach = res.passages_to_reach(0.9)
    assert set(reach) == set(STRATEGIES) and all(v is None or 10 <= v <= 40 for v in reach.values())
    again = simulate(data, an, seed_size=10, batch=20, max_coded=40, folds=3)
    assert again.curves.equals(c)
    d = res.to_dict()
    assert d["passages_to_reach_90pct"] == reach and len(d["curves"]) == len(res.summary())
    with pytest.raises(ModelError, match="strategy"):
        simulate(data, an, strategies=("alphabetical",))


def test_uncertainty_order_picks_scores_nearest_the_threshold(coded_model) -> None:
    model, docs = coded_model
    pool = np.arange(len(docs))
    rng = np.random.default_rng(0)
    picked = _pick("uncertainty", model, pool, docs, 5, rng)
    P = model.proba_docs(docs)
    margin = np.abs(P - model.thresholds_).min(axis=1)
    assert set(picked) == set(np.argsort(margin, kind="stable")[:5])
    diverse = _pick("diversity", model, pool, docs, 5, rng)
    assert len(set(diverse)) == 5 and set(diverse) <= set(np.argsort(margin, kind="stable")[:15])


@pytest.fixture(scope="module")
def coded_model(tmp_path_factory: pytest.TempPathFactory):
    corpus = coded_corpus(tmp_path_factory.mktemp("al") / "corpus", 8, 8, n_a=64, n_b=0)
    data = _data(corpus)
    an = TextAnalyzer(LEX)
    docs = an.analyze_many(data.texts)
    return SuggestionModel(LEX).fit(data.texts, data.Y, data.codes, data.ids, analyzer=an, docs=docs), docs


# -- similar passages -----------------------------------------------------------------------------------------
def test_similar_passage_comes_from_the_users_material_first(make_corpus, tmp_path: Path) -> None:
    corpus = coded_corpus(make_corpus, 8, 8, n_a=64, n_b=0)
    data = _data(corpus)
    an = TextAnalyzer(LEX)
    model = SuggestionModel(LEX).fit(data.texts, data.Y, data.codes, data.ids, analyzer=an, groups=data.groups,
                                     origins=data.origins)
    # on its own corpus: similar passages are the corpus's own
    own = suggest_corpus(model, corpus)
    assert set(own.loc[own["similar_id"] != "", "similar_origin"]) == {"corpus"}
    # on other texts: the training passages are not the user's: marked "training corpus"
    other = suggest_texts(model, ["x1", "x2"], ["村里开网店赚钱，利润很高。", "邻居们一起做物流快递。"])
    assert set(other["similar_origin"]) == {"training corpus"}
    # a passage the user has (local) wins over a more similar training-corpus passage
    text = data.texts[0]
    local = frozenset({data.ids[5]})
    frame = suggest_texts(model, ["new"], [text], local_ids=local)
    assert frame["similar_id"].iloc[0] == data.ids[5] and frame["similar_origin"].iloc[0] == "corpus"
    # passages imported into the store count as the user's own too
    store_model = SuggestionModel(LEX).fit(data.texts, data.Y, data.codes, data.ids, analyzer=an,
                                           origins=["store"] * len(data))
    st = suggest_texts(store_model, ["new"], [text])
    assert st["similar_origin"].iloc[0] == "store" and st["similar_id"].iloc[0] == data.ids[0]
    save_model(store_model, tmp_path / "m")
    assert load_model(tmp_path / "m").exemplar_origins_ == ["store"] * len(data)


# -- distributional features --------------------------------------------------------------------------------
def test_word_vectors_from_the_projects_own_text_roundtrip(make_corpus, tmp_path: Path) -> None:
    from corpus_tools.suggest.distributional import train_word_vectors

    corpus = coded_corpus(make_corpus, 8, 8, n_a=64, n_b=0)
    data = _data(corpus)
    an = TextAnalyzer(LEX)
    docs = an.analyze_many(list(corpus.entries["text"]))
    vectors = train_word_vectors(docs, dim=8, min_count=2, epochs=2)
    assert vectors.dim == 8 and len(vectors.words) == vectors.vectors.shape[0] > 10
    again = train_word_vectors(docs, dim=8, min_count=2, epochs=2)
    assert np.allclose(again.vectors, vectors.vectors)  # seeded, one worker: reproducible
    E = vectors.embed(an.analyze_many(["村里", ""]))
    assert E.shape == (2, 8) and not E[1].any()
    model = SuggestionModel(LEX, word_vectors=vectors, vector_weight=2.0).fit(
        data.texts, data.Y, data.codes, data.ids, analyzer=an)
    assert model.features_.n_features == len(model.features_.feature_names_)
    assert sum(n.startswith("emb:") for n in model.features_.feature_names_) == 8
    save_model(model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.version == model.version
    assert np.allclose(loaded.predict_proba(data.texts[:5]), model.predict_proba(data.texts[:5]))


# -- one figure source: the dashboard reads the grouped evaluation -----------------------------------------------
def test_dashboard_shows_grouped_cv_figures_and_active_learning(make_corpus, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from corpus_tools.cli import main
    from corpus_tools.review.dashboard import model_quality

    corpus = coded_corpus(make_corpus, 8, 8, n_a=64, n_b=0)
    r = CliRunner()
    res = r.invoke(main, ["train", str(corpus.root), "-o", str(tmp_path / "model")])
    assert res.exit_code == 0 and "grouped cross-validated macro F1" in res.output, res.output
    # without evaluation.json, the dashboard shows the evaluation saved with the model, never in-fit scores
    q = model_quality(tmp_path / "model")
    assert q is not None and q.evaluation is not None and q.evaluation["grouping"] == "document"
    assert q.by_language and q.by_language[0]["lang"] == "all" and "grouped by document" in q.quality_kind
    # per-code figures: the quality record saved with the model (its grouped CV), never the calibration folds
    assert q.record is not None and q.record.cross_validated
    for f in q.fits:
        rec = q.record.get(f["code"])
        assert rec is not None and f.get("f1") == rec.f1 and f["threshold"] == rec.threshold and "oof" not in f
    res = r.invoke(main, ["evaluate", str(corpus.root), "-o", str(tmp_path / "ev"), "--folds", "3", "--no-curve",
                          "--active-learning"])
    assert res.exit_code == 0 and "active learning (random)" in res.output, res.output
    assert (tmp_path / "ev" / "evaluation_by_language.csv").is_file()
    q = model_quality(tmp_path / "model", [tmp_path / "ev" / "evaluation.json"])
    assert q is not None and q.active_learning is not None
    assert set(q.active_learning["passages_to_reach_90pct"]) == {"uncertainty", "diversity", "random"}
    # a later `evaluate` feeds the learning curve and active learning; the per-code figures stay the model's
    assert q.record is not None and all(f.get("f1") == q.record.get(f["code"]).f1 for f in q.fits)  # type: ignore[union-attr]
    assert any(f.get("f1_low") is not None for f in q.fits)


def test_a_codebooks_own_codings_file_scopes_its_none(two_books: Corpus, tmp_path: Path) -> None:
    """codings_<lexicon>.csv: `none` there means "no code of that codebook", whoever the coder is."""
    import shutil

    from corpus_tools.jobs.suggest import project_lexicons

    root = tmp_path / "own-file"
    shutil.copytree(two_books.root, root)
    lines = (root / "codings.csv").read_text(encoding="utf-8").splitlines()
    a_rows = [ln for ln in lines if ",A," in ln]
    g_rows = [ln.replace(",G,", ",A,") for ln in lines if ",G," in ln]  # the same coder A, other codebook
    (root / "codings.csv").write_text("\n".join([lines[0], *a_rows]) + "\n", encoding="utf-8")
    (root / "codings_second_book.csv").write_text("\n".join([lines[0], *g_rows]) + "\n", encoding="utf-8")
    corpus = load_corpus(root)
    data = training_data(corpus, None, project_lexicons(corpus))
    me = len(load_lexicon("mass_entrepreneurship").variable_ids)
    assert data.codes[me:] == ["help.roads", "help.training"] and "codings_second_book.csv" in data.sources
    mask, pos = data.scope(), {eid: i for i, eid in enumerate(data.ids)}
    ids = list(corpus.entries["entry_id"])
    # a `none` of A in codings.csv is not a "no" for the second codebook (A's file for it is separate) ...
    a_none = [ln.split(",")[0] for ln in a_rows if ln.split(",")[5] == "none"]
    early = [e for e in a_none if ids.index(e) < 50]
    assert early and all(mask[pos[e], 0] and not mask[pos[e], me] for e in early)
    # ... and A's `none` in codings_second_book.csv is a "no" for the second codebook only
    none_rows = [ln.split(",")[0] for ln in g_rows if ln.split(",")[5] == "none"]
    i = pos[next(e for e in none_rows if ids.index(e) >= 80)]
    assert mask[i, me] and not mask[i, 0]


def test_train_without_evaluation_is_a_quick_retrain(make_corpus, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from corpus_tools.cli import main

    corpus = coded_corpus(make_corpus, 6, 6, n_a=36, n_b=0)
    res = CliRunner().invoke(main, ["train", str(corpus.root), "-o", str(tmp_path / "m"), "--no-evaluation"])
    assert res.exit_code == 0 and "grouped cross-validated" not in res.output, res.output
    model = load_model(tmp_path / "m")
    assert model.evaluation_ == {}
    assert set(suggest_corpus(model, corpus)["evaluation"]) == {""}

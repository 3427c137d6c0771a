"""The vectorised fold-in (topic shares with the topics held fixed) equals the per-document EM, and each
engine folds in under the prior it fitted."""

from __future__ import annotations

import random

import numpy as np
import pytest

from corpus_tools.topics.bilingual import build_concept_map
from corpus_tools.topics.engines import make_estimator, transform_many
from corpus_tools.topics.quality import doc_term_matrix, fold_in, fold_in_reference

K = 6
VOCAB = [f"w{i}" for i in range(120)]


def _docs(n: int, seed: int = 0) -> list[list[str]]:
    """Messy documents: repeated words, words outside the vocabulary, empty and one-word documents."""
    rng = random.Random(seed)
    docs = [[rng.choice(VOCAB[:40]) if rng.random() < 0.7 else rng.choice(VOCAB) for _ in range(rng.randrange(1, 30))]
            + ["unseen"] * rng.randrange(3) for _ in range(n)]
    return [*docs, [], ["unseen", "unseen"], ["w3"], ["w3"] * 9]


@pytest.fixture(scope="module")
def topics() -> np.ndarray:
    return np.random.default_rng(1).dirichlet(np.full(len(VOCAB), 0.1), size=K)


@pytest.mark.parametrize("chunk", [1, 7, 64, 10_000])
def test_vectorised_fold_in_equals_the_per_document_em(topics: np.ndarray, chunk: int) -> None:
    docs = _docs(150)
    got = fold_in(topics, VOCAB, docs, chunk=chunk)
    want = fold_in_reference(topics, VOCAB, docs)
    assert got.shape == (len(docs), K) and np.allclose(got.sum(axis=1), 1)
    assert np.abs(got - want).max() < 1e-9
    assert np.allclose(got[-4], 1 / K) and np.allclose(got[-3], 1 / K)  # nothing known: the prior's mean


@pytest.mark.parametrize("iterations", [1, 5, 60])
def test_vectorised_fold_in_with_fitted_priors(topics: np.ndarray, iterations: int) -> None:
    docs = _docs(90, seed=2)
    rng = np.random.default_rng(3)
    one = rng.gamma(1.0, 0.3, size=K)  # an asymmetric prior (LDA with optimised alpha)
    per_doc = rng.gamma(1.0, 0.3, size=(len(docs), K))  # a prior per document (DMR: its stage's)
    for alpha in (0.1, one, per_doc):
        got = fold_in(topics, VOCAB, docs, alpha=alpha, iterations=iterations, chunk=16)
        want = fold_in_reference(topics, VOCAB, docs, alpha=alpha, iterations=iterations)
        assert np.abs(got - want).max() < 1e-9
    assert np.allclose(fold_in(topics, VOCAB, [[]], alpha=one), one / one.sum())


def test_doc_term_matrix_counts_known_words() -> None:
    x = doc_term_matrix([["b", "a", "b", "zz"], [], ["c"]], ["a", "b", "c"])
    assert x.shape == (3, 3) and x.toarray().tolist() == [[1, 2, 0], [0, 0, 0], [0, 0, 1]]


def test_fold_in_recovers_the_fitted_shares() -> None:
    """On the documents a model was fitted on, the fold-in puts each entry in the topic the fit did."""
    rng = random.Random(0)
    themes = [[f"{t}{i}" for i in range(6)] for t in "abc"]
    docs = [[rng.choice(themes[j % 3]) for _ in range(15)] for j in range(90)]
    for engine in ("tomotopy", "gensim", "sklearn"):
        m = make_estimator(engine, 3, 0, iterations=60).fit(docs)
        agree = np.mean(m.transform(docs).argmax(axis=1) == m.doc_topic_.argmax(axis=1))
        assert agree > 0.95, engine
        assert m.doc_prior().shape == (3,)


def test_dmr_folds_in_under_each_group_prior() -> None:
    rng = random.Random(1)
    docs = [[rng.choice(["p", "q", "r", "s"]) + str(rng.randrange(4)) for _ in range(12)] for _ in range(60)]
    groups = ["g1"] * 30 + ["g2"] * 30
    m = make_estimator("tomotopy", 3, 0, iterations=100).fit(docs, groups)  # weights re-estimated at 50, 100
    prior = m.doc_prior(["g1", "g2", "new"])
    assert prior.shape == (3, 3) and not np.allclose(prior[0], prior[1])
    assert np.allclose(prior[2], (prior[0] + prior[1]) / 2)  # a group the model has not seen: the mean
    want = fold_in_reference(m.topic_word_, m.vocabulary_, docs, alpha=m.doc_prior(groups))
    assert np.abs(m.transform(docs, groups) - want).max() < 1e-9


def test_several_models_share_one_matrix_with_the_same_numbers() -> None:
    """transform_many: each model's own vocabulary and prior, the document-term matrix built once per block."""
    rng = random.Random(4)
    fit_docs = [[rng.choice(VOCAB[:30]) for _ in range(10)] for _ in range(50)]
    models = [make_estimator("tomotopy", 4, s, iterations=30).fit(fit_docs[s * 5:]) for s in range(3)]
    assert len({tuple(m.vocabulary_) for m in models}) > 1  # different word orders and sets
    docs = _docs(70, seed=5)
    for chunk in (3, 1000):
        many = transform_many(models, docs, chunk=chunk)
        for m, got in zip(models, many, strict=True):
            want = fold_in_reference(m.topic_word_, m.vocabulary_, docs, alpha=m.doc_prior())
            assert np.abs(got - want).max() < 1e-9


def test_concept_linked_models_fold_in_on_concepts() -> None:
    rng = random.Random(6)
    pairs = [("快递", "courier"), ("包裹", "parcel"), ("政府", "government"), ("贷款", "loan")]
    docs = [[rng.choice(pairs[j % 2 * 2 + rng.randrange(2)])[rng.randrange(2)] for _ in range(10)] for j in range(60)]
    cmap = build_concept_map(sorted({w for d in docs for w in d}),
                             {zh: [en] for zh, en in pairs}, "test")
    m = make_estimator("tomotopy", 2, 0, iterations=40, concepts=cmap).fit(docs)
    base = m.base  # type: ignore[attr-defined]
    want = fold_in_reference(base.topic_word_, base.vocabulary_, cmap.map_docs(docs), alpha=base.doc_prior())
    assert np.abs(m.transform(docs) - want).max() < 1e-9


def test_fold_in_in_worker_processes_gives_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spans of entries folded in by two worker processes: exactly the one-process arrays (DMR priors per
    entry, concept-linked models, several models at once)."""
    from functools import partial

    from corpus_tools.scoring.parallel import run_tasks
    from corpus_tools.topics import engines

    rng = random.Random(8)
    pairs = [("快递", "courier"), ("包裹", "parcel"), ("政府", "government"), ("贷款", "loan")]
    docs = [[rng.choice(pairs[j % 2 * 2 + rng.randrange(2)])[rng.randrange(2)] for _ in range(10)] for j in range(90)]
    groups = [["a", "b", "c"][j % 3] for j in range(90)]
    cmap = build_concept_map(sorted({w for d in docs for w in d}), {zh: [en] for zh, en in pairs}, "test")
    models = [make_estimator("tomotopy", 2, s, iterations=30, concepts=cmap).fit(docs, groups) for s in (0, 1)]
    one = transform_many(models, docs, groups, chunk=8)
    monkeypatch.setattr(engines, "FOLD_IN_TASK", 20)  # spans of 16 entries (two blocks of 8): 6 tasks
    calls: list[int] = []

    def run(fn, shared, parts):  # type: ignore[no-untyped-def]
        calls.append(len(parts))
        return run_tasks(fn, shared, parts, workers=2)

    two = transform_many(models, docs, groups, chunk=8, run=run)
    assert calls == [6]
    for a, b in zip(one, two, strict=True):
        assert np.array_equal(a, b)
    assert transform_many(models, docs[:5], groups[:5], chunk=8, run=partial(run_tasks, workers=2))[0].shape == (5, 2)

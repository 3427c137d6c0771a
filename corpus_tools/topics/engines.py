"""Topic-model engines behind one scikit-learn-like estimator interface.

Every estimator stores its parameters in `__init__`; `fit(docs, groups=None)` takes token lists (one per
entry, none empty) and returns self; learned attributes are `vocabulary_` (list of words),
`topic_word_` (k × V, rows sum to 1), `doc_topic_` (n_docs × k, rows sum to 1), and `engine_notes_`.
`groups` (one label per document, e.g. the stage) makes the model use them as a covariate where the
engine can (tomotopy's DMR model); engines without covariates ignore it and say so in `engine_notes_`.
`seed_words` (one word list per seeded topic, topics 0..n-1) raises those words' prior in their topic
(keyword-assisted topics, after keyATM: Eshima, Imai & Sasaki 2023) where the engine can (tomotopy word
priors, gensim's eta matrix). `ConceptLinked` wraps any engine to fit it on shared Chinese-English concept
ids (topics.bilingual) and report the topics in surface words again.
"""

from __future__ import annotations

import logging
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools.errors import ConfigError
from corpus_tools.topics.names import ENGINES
from corpus_tools.topics.quality import FOLD_IN_CHUNK, count_matrix, doc_term_matrix, fold_in_counts
from corpus_tools.topics.shares import FileShares, write_rows
from corpus_tools.topics.tokens import TokenDocs

# DMR (the joint model with stage as covariate) re-estimates its covariate weights every this many iterations:
# each round is an optimisation over all documents, so at 10 (tomotopy's default, kept for LDA's alpha) a DMR
# fit of K=10 on 20,000 entries took 30-34 s against 8-13 s for LDA; at 50, 9-12 s, with the same K chosen on
# the bundled corpus and the benchmark archive (docs/performance.md, "Topic models at scale")
DMR_OPTIM_INTERVAL = 50
SEED_PRIOR = 1.0  # topic-word prior of a seed word in its own topic
SEED_OTHER: float | None = None  # ... and in every other topic (None: eta)


class TopicEstimator(ABC):
    """Base class: parameters and the shared validation; subclasses implement `_fit`."""

    name = "base"
    supports_groups = False
    supports_seeds = False
    # learned in fit (declared for type checkers; absent before fit, as in scikit-learn)
    vocabulary_: list[str]
    topic_word_: np.ndarray
    doc_topic_: np.ndarray
    engine_notes_: list[str]
    groups_: list[str]
    model_: Any

    def __init__(self, n_topics: int = 10, random_state: int = 0, iterations: int = 200,
                 alpha: float | None = None, eta: float = 0.01,
                 seed_words: Sequence[Sequence[str]] | None = None) -> None:
        self.n_topics = n_topics
        self.random_state = random_state
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.seed_words = seed_words

    def fit(self, docs: Sequence[Sequence[str]], groups: Sequence[str] | None = None) -> TopicEstimator:
        """Fit on token lists (and optional per-document group labels); return self."""
        if not docs:
            raise ConfigError("a topic model needs at least one non-empty document")
        if any(len(d) == 0 for d in docs):
            raise ConfigError("topic model input contains an empty document",
                              hint="drop entries without content words before fitting")
        if groups is not None and len(groups) != len(docs):
            raise ConfigError(f"{len(groups)} group labels for {len(docs)} documents")
        if self.n_topics < 1:
            raise ConfigError(f"number of topics must be at least 1, got {self.n_topics}")
        if self.seed_words is not None and len(self.seed_words) > self.n_topics:
            raise ConfigError(f"{len(self.seed_words)} seeded topics need K of at least that, got {self.n_topics}")
        self.engine_notes_ = []
        if self.seed_words and not self.supports_seeds:
            self.engine_notes_.append(f"{self.name} cannot take word priors: seeded topics are fitted as free "
                                      f"topics")
        self._fit(docs, groups)
        return self

    def __getstate__(self) -> dict[str, Any]:
        """What goes to and from worker processes: everything but the engine's own model object (`model_`,
        which some engines cannot pickle; nothing outside the engine reads it). Saved results never use this."""
        state = self.__dict__.copy()
        state.pop("model_", None)
        return state

    @abstractmethod
    def _fit(self, docs: Sequence[Sequence[str]], groups: Sequence[str] | None) -> None:
        """Engine-specific fitting: set topic_word_, doc_topic_ and vocabulary_."""

    def doc_prior(self, groups: Sequence[str] | None = None) -> np.ndarray:
        """The Dirichlet prior of documents' topic shares as fitted: (k,), or (n_docs × k) with `groups`
        for a model whose prior depends on them (DMR); the fitted `alpha_` when the engine learns it."""
        alpha = getattr(self, "alpha_", None)
        if alpha is None:
            alpha = np.full(self.n_topics, self.alpha if self.alpha is not None else 0.1)
        return np.asarray(alpha, dtype=float)

    def transform(self, docs: Sequence[Sequence[str]], groups: Sequence[str] | None = None, *,
                  iterations: int = 30) -> np.ndarray:
        """Topic shares (n_docs × k) of any documents with the fitted topics held fixed (EM fold-in under the
        fitted prior, vectorised and chunked: `transform_many`); words the model has not seen are skipped."""
        return transform_many([self], docs, groups, iterations=iterations)[0]

    def top_words(self, n: int = 10) -> list[list[str]]:
        """The n most probable words of every topic, best first."""
        order = np.argsort(-self.topic_word_, axis=1, kind="stable")[:, :n]
        return [[self.vocabulary_[j] for j in row] for row in order]

    def quality_view(self, docs: Sequence[Sequence[str]], n: int = 10) -> tuple[list[list[str]], list[list[str]]]:
        """(top n units of each topic, docs in those units): what coherence and stability are measured on."""
        return self.top_words(n), [list(d) for d in docs]

    def _priors(self, vocab: set[str]) -> dict[str, list[float]]:
        """Topic-word prior per seed word the documents contain: SEED_PRIOR in its seeded topic(s),
        SEED_OTHER (default eta) elsewhere."""
        other = self.eta if SEED_OTHER is None else SEED_OTHER
        out: dict[str, list[float]] = {}
        for t, words in enumerate(self.seed_words or []):
            for w in words:
                if w in vocab:
                    out.setdefault(w, [other] * self.n_topics)[t] = SEED_PRIOR
        return out


def _normalise_rows(m: np.ndarray) -> np.ndarray:

    m = np.asarray(m, dtype=float)
    s = m.sum(axis=1, keepdims=True)
    s[s == 0] = 1.0
    return m / s


class TomotopyLDA(TopicEstimator):
    """Collapsed-Gibbs LDA (tomotopy, workers=1 so a seed gives the same topics); DMR with groups."""

    name = "tomotopy"
    supports_groups = True
    supports_seeds = True

    def __init__(self, n_topics: int = 10, random_state: int = 0, iterations: int = 200,
                 alpha: float | None = None, eta: float = 0.01,
                 seed_words: Sequence[Sequence[str]] | None = None, burn_in: int = 0,
                 optim_interval: int = 10, dmr_optim_interval: int | None = None) -> None:
        super().__init__(n_topics, random_state, iterations, alpha, eta, seed_words)
        self.burn_in = burn_in
        self.optim_interval = optim_interval  # LDA: alpha re-estimated every this many iterations
        self.dmr_optim_interval = dmr_optim_interval  # DMR: covariate weights (None: DMR_OPTIM_INTERVAL)

    def _fit(self, docs: Sequence[Sequence[str]], groups: Sequence[str] | None) -> None:
        import tomotopy as tp

        alpha = self.alpha if self.alpha is not None else 0.1
        model: Any
        if groups is not None:
            model = tp.DMRModel(k=self.n_topics, alpha=alpha, eta=self.eta, seed=self.random_state)
            for d, g in zip(docs, groups, strict=True):
                model.add_doc(list(d), metadata=str(g))
        else:
            model = tp.LDAModel(k=self.n_topics, alpha=alpha, eta=self.eta, seed=self.random_state)
            for d in docs:
                model.add_doc(list(d))
        vocab = {w for d in docs for w in d}
        for w, prior in self._priors(vocab).items():
            model.set_word_prior(w, prior)
        model.burn_in = self.burn_in
        if groups is None:
            model.optim_interval = self.optim_interval
        else:
            model.optim_interval = (self.dmr_optim_interval if self.dmr_optim_interval is not None
                                    else DMR_OPTIM_INTERVAL)
        done = 0
        while done < self.iterations:  # in steps, so hyper-parameter optimisation runs in between
            step = min(10, self.iterations - done)
            model.train(step, workers=1, parallel=tp.ParallelScheme.NONE)
            done += step
        self.vocabulary_ = list(model.used_vocabs)
        self.topic_word_ = _normalise_rows(np.array([model.get_topic_word_dist(t)
                                                     for t in range(self.n_topics)]))
        self.doc_topic_ = _normalise_rows(np.array([doc.get_topic_dist() for doc in model.docs]))
        self.log_likelihood_ = float(model.ll_per_word)
        self.model_ = model
        if groups is not None:
            self.groups_ = list(model.metadata_dict)
            self.group_alpha_ = {str(g): np.asarray(model.get_topic_prior(g), dtype=float) for g in self.groups_}
        else:
            self.alpha_ = np.asarray(model.alpha, dtype=float)

    def doc_prior(self, groups: Sequence[str] | None = None) -> np.ndarray:
        """LDA: the fitted (optimised) alpha; DMR: each document's prior from its group, exp(λ_group)
        (a group the model has not seen gets the mean of the fitted groups' priors)."""
        by_group = getattr(self, "group_alpha_", None)
        if not by_group:
            return super().doc_prior(groups)
        mean = np.mean(list(by_group.values()), axis=0)
        if groups is None:
            return mean
        return np.array([by_group.get(str(g), mean) for g in groups]).reshape(len(groups), self.n_topics)


class GensimLDA(TopicEstimator):
    """Online variational Bayes LDA (gensim LdaModel, single process: exactly reproducible)."""

    name = "gensim"
    supports_seeds = True

    def __init__(self, n_topics: int = 10, random_state: int = 0, iterations: int = 200,
                 alpha: float | None = None, eta: float = 0.01,
                 seed_words: Sequence[Sequence[str]] | None = None, passes: int = 10) -> None:
        super().__init__(n_topics, random_state, iterations, alpha, eta, seed_words)
        self.passes = passes

    def _fit(self, docs: Sequence[Sequence[str]], groups: Sequence[str] | None) -> None:

        from gensim.corpora import Dictionary
        from gensim.models import LdaModel

        logging.getLogger("gensim").setLevel(logging.WARNING)
        if groups is not None:
            self.engine_notes_.append("gensim LdaModel has no covariates: the joint model ignores stage; "
                                      "prevalence per stage is the mean topic share of its entries")
        dictionary = Dictionary(docs)
        bow = [dictionary.doc2bow(d) for d in docs]
        alpha = self.alpha if self.alpha is not None else 0.1
        eta: Any = self.eta
        if self.seed_words:
            eta = np.full((self.n_topics, len(dictionary)), self.eta)
            for w, prior in self._priors(set(dictionary.token2id)).items():
                eta[:, dictionary.token2id[w]] = prior
        model = LdaModel(bow, id2word=dictionary, num_topics=self.n_topics, random_state=self.random_state,
                         passes=self.passes, iterations=min(self.iterations, 100), alpha=alpha, eta=eta,
                         chunksize=2000, eval_every=None)
        self.vocabulary_ = [dictionary[i] for i in range(len(dictionary))]
        self.topic_word_ = _normalise_rows(model.get_topics())
        gamma, _ = model.inference(bow)
        self.doc_topic_ = _normalise_rows(np.asarray(gamma))
        self.alpha_ = np.asarray(model.alpha, dtype=float)
        self.model_ = model


class SklearnLDA(TopicEstimator):
    """Batch variational Bayes LDA (scikit-learn), for comparison in the benchmark."""

    name = "sklearn"

    def _fit(self, docs: Sequence[Sequence[str]], groups: Sequence[str] | None) -> None:
        from scipy.sparse import csr_matrix
        from sklearn.decomposition import LatentDirichletAllocation

        if groups is not None:
            self.engine_notes_.append("scikit-learn LDA has no covariates: the joint model ignores stage; "
                                      "prevalence per stage is the mean topic share of its entries")
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for i, d in enumerate(docs):
            counts: dict[int, int] = {}
            for w in d:
                j = vocab.setdefault(w, len(vocab))
                counts[j] = counts.get(j, 0) + 1
            for j, c in counts.items():
                rows.append(i)
                cols.append(j)
                vals.append(c)
        x = csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)), dtype=float)
        alpha = self.alpha if self.alpha is not None else 0.1
        model = LatentDirichletAllocation(n_components=self.n_topics, doc_topic_prior=alpha,
                                          topic_word_prior=self.eta, learning_method="batch",
                                          max_iter=min(self.iterations, 50), random_state=self.random_state)
        theta = model.fit_transform(x)
        self.vocabulary_ = list(vocab)
        self.topic_word_ = _normalise_rows(model.components_)
        self.doc_topic_ = _normalise_rows(np.asarray(theta))
        self.model_ = model


class ConceptLinked(TopicEstimator):
    """Any engine fitted on shared concept ids (topics.bilingual.ConceptMap), reported in surface words.

    `topic_word_` is over the surface vocabulary: p(w | t) = p(concept | t) · p(w | concept), so a topic
    whose concept is 快递 = courier lists both words; `quality_view` gives the concept-level top words and
    documents (the units the model was fitted on) for coherence and stability."""

    def __init__(self, base: TopicEstimator, concepts: Any) -> None:
        super().__init__(base.n_topics, base.random_state, base.iterations, base.alpha, base.eta, base.seed_words)
        self.base = base
        self.concepts = concepts
        self.name = base.name
        self.supports_groups = base.supports_groups
        self.supports_seeds = base.supports_seeds

    def _fit(self, docs: Sequence[Sequence[str]], groups: Sequence[str] | None) -> None:
        mapped = self.concepts.map_docs(docs)
        self.base.seed_words = ([list(dict.fromkeys(self.concepts.concept_of.get(w, w) for w in ws))
                                 for ws in self.seed_words] if self.seed_words else None)
        self.base.fit(mapped, groups)
        self.engine_notes_ = list(self.base.engine_notes_)
        self.vocabulary_, tw = self.concepts.expand(self.base.topic_word_, self.base.vocabulary_, docs)
        self.topic_word_ = _normalise_rows(tw)
        self.doc_topic_ = self.base.doc_topic_
        self.model_ = self.base.model_
        if hasattr(self.base, "groups_"):
            self.groups_ = self.base.groups_

    def quality_view(self, docs: Sequence[Sequence[str]], n: int = 10) -> tuple[list[list[str]], list[list[str]]]:
        return self.base.top_words(n), self.concepts.map_docs(docs)

    def doc_prior(self, groups: Sequence[str] | None = None) -> np.ndarray:
        return self.base.doc_prior(groups)


_CLASSES: dict[str, type[TopicEstimator]] = {"tomotopy": TomotopyLDA, "gensim": GensimLDA,
                                             "sklearn": SklearnLDA}


def make_estimator(engine: str, n_topics: int, random_state: int, *, concepts: Any = None,
                   **params: Any) -> TopicEstimator:
    """An unfitted estimator of the named engine (wrapped in ConceptLinked when `concepts` is a ConceptMap);
    ConfigError naming the engines when unknown."""
    cls = _CLASSES.get(engine)
    if cls is None:
        raise ConfigError(f"unknown topic-model engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")
    est = cls(n_topics=n_topics, random_state=random_state, **params)
    return ConceptLinked(est, concepts) if concepts is not None else est


@dataclass(frozen=True)
class _FoldIn:
    """What every block of one fold-in shares (inherited by forked workers, else sent once per worker)."""

    phis: list[np.ndarray]
    known: list[np.ndarray]
    priors: list[np.ndarray]  # per model: (k,), or (groups × k) indexed by `group_codes`
    group_codes: np.ndarray | None
    col: dict[str, int]
    docs: Sequence[Sequence[str]]
    mapper: Any
    iterations: int
    chunk: int
    col_of_id: np.ndarray | None = None  # TokenDocs: each word id's column (-1: no model knows it)
    paths: list[str] | None = None  # write each model's shares to these files instead of returning them


def _block_matrix(data: _FoldIn, a: int, b: int) -> Any:
    """The document-term matrix of docs[a:b] over the shared columns."""
    if data.col_of_id is not None and isinstance(data.docs, TokenDocs):
        ids, lengths = data.docs.ids(a, b)
        return count_matrix(data.col_of_id[ids], lengths, len(data.col))
    part = data.docs[a:b]
    return doc_term_matrix(data.mapper(part) if data.mapper is not None else part, data.col)


def _fold_in_range(data: _FoldIn, span: tuple[int, int]) -> list[np.ndarray] | None:
    """Topic shares of docs[start:stop] under every model, `chunk` documents at a time (the task each worker
    runs; a block's numbers do not depend on which process computes it): returned, or with `paths` written
    into those files (rows start..stop-1) and None returned."""
    start, stop = span
    out = None if data.paths else [np.empty((stop - start, phi.shape[0])) for phi in data.phis]
    for a in range(start, stop, data.chunk):
        b = min(a + data.chunk, stop)
        x = _block_matrix(data, a, b)
        for i, phi in enumerate(data.phis):
            xi = x.copy()
            xi.data *= data.known[i][xi.indices]
            prior = data.priors[i]
            if prior.ndim == 2:
                assert data.group_codes is not None
                prior = prior[data.group_codes[a:b]]
            theta = fold_in_counts(phi, xi, prior, data.iterations)
            if out is not None:
                out[i][a - start:b - start] = theta
            else:
                assert data.paths is not None
                write_rows(data.paths[i], a, theta)
    return out


FOLD_IN_TASK = 64 * 1024  # entries per worker task of a parallel fold-in (a multiple of the block size)
Runner = Callable[[Callable[[Any, Any], Any], Any, Sequence[Any]], list[Any]]


def group_codes(groups: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """(distinct labels, each document's position among them) of per-document group labels (as text);
    a pandas Categorical gives its categories and codes without a pass over every label."""
    if isinstance(groups, pd.Categorical):
        labels = [str(c) for c in groups.categories]
        codes = np.asarray(groups.codes, dtype=np.int64)
        if (codes < 0).any():
            labels.append("nan")
            codes = np.where(codes < 0, len(labels) - 1, codes)
        return labels, codes
    uniq, inv = np.unique(np.asarray([str(g) for g in groups], dtype=str), return_inverse=True)
    return [str(u) for u in uniq], inv.astype(np.int64)


def _fold_in_data(models: Sequence[TopicEstimator], docs: Sequence[Sequence[str]], groups: Sequence[str] | None,
                  iterations: int, chunk: int | None, paths: list[str] | None = None) -> _FoldIn:
    linked = [isinstance(m, ConceptLinked) for m in models]
    if any(linked) and not all(linked):
        raise ValueError("transform_many: models fitted on concept ids and on words cannot share a matrix")
    bases = [m.base if isinstance(m, ConceptLinked) else m for m in models]
    concepts = models[0].concepts if isinstance(models[0], ConceptLinked) else None
    mapper = concepts.map_docs if concepts is not None else None
    col: dict[str, int] = {}
    for b in bases:
        for w in b.vocabulary_:
            col.setdefault(w, len(col))
    phis, known = [], []
    for b in bases:  # each model's topics over the shared columns (+1e-12 as in quality.fold_in)
        idx = np.fromiter((col[w] for w in b.vocabulary_), dtype=np.int64, count=len(b.vocabulary_))
        phi = np.full((b.n_topics, len(col)), 1e-12)
        phi[:, idx] += np.asarray(b.topic_word_, dtype=float)
        mask = np.zeros(len(col))
        mask[idx] = 1.0
        phis.append(phi)
        known.append(mask)
    codes = None
    priors = [b.doc_prior(None) for b in bases]
    if groups is not None:  # a prior per group (DMR): one row per distinct group, indexed per document
        labels, codes = group_codes(groups)
        priors = [b.doc_prior(labels) for b in bases]
        if all(p.ndim == 1 for p in priors):
            codes = None
    col_of_id = None
    if isinstance(docs, TokenDocs):  # the column of each word id: the same counts as mapping the words
        get = concepts.concept_of.get if concepts is not None else None
        col_of_id = np.fromiter((col.get(get(w, w) if get is not None else w, -1) for w in docs.words),
                                dtype=np.int64, count=len(docs.words))
    step = max(1, chunk or FOLD_IN_CHUNK)
    return _FoldIn(phis, known, priors, codes, col, docs, mapper, iterations, step, col_of_id, paths)


def _spans(n: int, step: int) -> list[tuple[int, int]]:
    span = max(step, FOLD_IN_TASK // step * step)
    return [(a, min(a + span, n)) for a in range(0, n, span)]


def transform_many(models: Sequence[TopicEstimator], docs: Sequence[Sequence[str]],
                   groups: Sequence[str] | None = None, *, iterations: int = 30,
                   chunk: int | None = None, run: Runner | None = None) -> list[np.ndarray]:
    """Topic shares (n_docs × k) of `docs` under each model, its topics held fixed: the EM fold-in of
    quality.fold_in under each model's fitted prior (`doc_prior`), with the document-term matrix of each block
    of `chunk` (default FOLD_IN_CHUNK) documents built once for all models (so memory is bounded by the block,
    not the corpus).
    `run` (a runner as in topics.sweep: worker processes) folds in spans of FOLD_IN_TASK entries in parallel;
    every block is computed the same way wherever it runs, so the numbers are identical. `docs` may be word
    lists or TokenDocs (read a block at a time); `fold_in_files` writes the shares to files instead.

    Models fitted on concept ids (ConceptLinked, all with one concept map) fold in on those ids, the units
    they were fitted on; a word a model has not seen counts zero for it (as skipping it)."""
    if not models:
        return []
    data = _fold_in_data(models, docs, groups, iterations, chunk)
    n = len(docs)
    spans = _spans(n, data.chunk)
    if run is None or len(spans) < 2:
        out = _fold_in_range(data, (0, n)) if n else [np.empty((0, phi.shape[0])) for phi in data.phis]
        assert out is not None
        return out
    parts = run(_fold_in_range, data, spans)
    return [np.concatenate([p[i] for p in parts]) for i in range(len(models))]


def fold_in_files(models: Sequence[TopicEstimator], docs: Sequence[Sequence[str]], groups: Sequence[str] | None,
                  directory: str | Path, *, iterations: int = 30, chunk: int | None = None,
                  run: Runner | None = None) -> list[FileShares]:
    """`transform_many`, each model's shares written to a new file in `directory` a block at a time (by the
    worker processes themselves with `run`), so neither the main process nor a worker holds more than a span:
    the same numbers, read back with FileShares."""
    if not models:
        return []
    n = len(docs)
    out = []
    for m in models:
        fd, name = tempfile.mkstemp(suffix=".f64", prefix="shares-", dir=directory)
        os.close(fd)
        out.append(FileShares.allocate(name, n, m.n_topics))
    data = _fold_in_data(models, docs, groups, iterations, chunk, [s.path for s in out])
    spans = _spans(n, data.chunk)
    if run is None or len(spans) < 2:
        if n:
            _fold_in_range(data, (0, n))
    else:
        run(_fold_in_range, data, spans)
    return out

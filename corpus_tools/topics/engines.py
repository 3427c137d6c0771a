"""Topic-model engines behind one scikit-learn-like estimator interface.

Every estimator stores its parameters in `__init__`; `fit(docs, groups=None)` takes token lists (one per
entry, none empty) and returns self; learned attributes are `vocabulary_` (list of words),
`topic_word_` (k × V, rows sum to 1), `doc_topic_` (n_docs × k, rows sum to 1), and `engine_notes_`.
`groups` (one label per document, e.g. the stage) makes the model use them as a covariate where the
engine can (tomotopy's DMR model); engines without covariates ignore it and say so in `engine_notes_`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus_tools.errors import ConfigError
from corpus_tools.topics.names import ENGINES

if TYPE_CHECKING:
    import numpy as np



class TopicEstimator(ABC):
    """Base class: parameters and the shared validation; subclasses implement `_fit`."""

    name = "base"
    supports_groups = False
    # learned in fit (declared for type checkers; absent before fit, as in scikit-learn)
    vocabulary_: list[str]
    topic_word_: np.ndarray
    doc_topic_: np.ndarray
    engine_notes_: list[str]
    groups_: list[str]
    model_: Any

    def __init__(self, n_topics: int = 10, random_state: int = 0, iterations: int = 200,
                 alpha: float | None = None, eta: float = 0.01) -> None:
        self.n_topics = n_topics
        self.random_state = random_state
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta

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
        self.engine_notes_ = []
        self._fit(docs, groups)
        return self

    @abstractmethod
    def _fit(self, docs: Sequence[Sequence[str]], groups: Sequence[str] | None) -> None:
        """Engine-specific fitting: set topic_word_, doc_topic_ and vocabulary_."""

    def top_words(self, n: int = 10) -> list[list[str]]:
        """The n most probable words of every topic, best first."""

        order = np.argsort(-self.topic_word_, axis=1, kind="stable")[:, :n]
        return [[self.vocabulary_[j] for j in row] for row in order]


def _normalise_rows(m: np.ndarray) -> np.ndarray:

    m = np.asarray(m, dtype=float)
    s = m.sum(axis=1, keepdims=True)
    s[s == 0] = 1.0
    return m / s


class TomotopyLDA(TopicEstimator):
    """Collapsed-Gibbs LDA (tomotopy, workers=1 so a seed gives the same topics); DMR with groups."""

    name = "tomotopy"
    supports_groups = True

    def __init__(self, n_topics: int = 10, random_state: int = 0, iterations: int = 200,
                 alpha: float | None = None, eta: float = 0.01, burn_in: int = 0,
                 optim_interval: int = 10) -> None:
        super().__init__(n_topics, random_state, iterations, alpha, eta)
        self.burn_in = burn_in
        self.optim_interval = optim_interval

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
        model.burn_in = self.burn_in
        model.optim_interval = self.optim_interval
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


class GensimLDA(TopicEstimator):
    """Online variational Bayes LDA (gensim LdaModel, single process: exactly reproducible)."""

    name = "gensim"

    def __init__(self, n_topics: int = 10, random_state: int = 0, iterations: int = 200,
                 alpha: float | None = None, eta: float = 0.01, passes: int = 10) -> None:
        super().__init__(n_topics, random_state, iterations, alpha, eta)
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
        model = LdaModel(bow, id2word=dictionary, num_topics=self.n_topics, random_state=self.random_state,
                         passes=self.passes, iterations=min(self.iterations, 100), alpha=alpha, eta=self.eta,
                         chunksize=2000, eval_every=None)
        self.vocabulary_ = [dictionary[i] for i in range(len(dictionary))]
        self.topic_word_ = _normalise_rows(model.get_topics())
        gamma, _ = model.inference(bow)
        self.doc_topic_ = _normalise_rows(np.asarray(gamma))
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


_CLASSES: dict[str, type[TopicEstimator]] = {"tomotopy": TomotopyLDA, "gensim": GensimLDA,
                                             "sklearn": SklearnLDA}


def make_estimator(engine: str, n_topics: int, random_state: int, **params: Any) -> TopicEstimator:
    """An unfitted estimator of the named engine; ConfigError naming the engines when unknown."""
    cls = _CLASSES.get(engine)
    if cls is None:
        raise ConfigError(f"unknown topic-model engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")
    return cls(n_topics=n_topics, random_state=random_state, **params)

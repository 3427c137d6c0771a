"""Topic quality: coherence (c_npmi, c_v via gensim's CoherenceModel for every engine), stability,
exclusivity and held-out likelihood (document completion)."""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np

TOPN = 10  # top words per topic used for coherence and stability


def coherence(top_words: Sequence[Sequence[str]], texts: Sequence[Sequence[str]]) -> tuple[float, float]:
    """(c_npmi, c_v) of topics given by their top words, with the texts as reference corpus."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    logging.getLogger("gensim").setLevel(logging.WARNING)
    topics = [list(t[:TOPN]) for t in top_words if len(t) >= 2]
    if not topics:
        return math.nan, math.nan
    dictionary = Dictionary(texts)
    docs = [list(t) for t in texts]
    out = []
    for measure in ("c_npmi", "c_v"):
        cm = CoherenceModel(topics=topics, texts=docs, dictionary=dictionary, coherence=measure, topn=TOPN,
                            processes=1)
        out.append(float(cm.get_coherence()))
    return out[0], out[1]


def topic_set_similarity(a: Sequence[Sequence[str]], b: Sequence[Sequence[str]]) -> float:
    """Mean Jaccard overlap of top-word sets after matching topics one-to-one (Hungarian assignment)."""
    from scipy.optimize import linear_sum_assignment

    if not a or not b:
        return float("nan")
    sa = [set(t[:TOPN]) for t in a]
    sb = [set(t[:TOPN]) for t in b]
    sim = np.array([[len(x & y) / len(x | y) if x | y else 0.0 for y in sb] for x in sa])
    rows, cols = linear_sum_assignment(-sim)
    return float(sim[rows, cols].sum() / max(len(sa), len(sb)))


def stability(runs: Sequence[Sequence[Sequence[str]]]) -> float:
    """Average pairwise top-word agreement of the same K fitted with different seeds (nan for one run)."""
    pairs = list(combinations(range(len(runs)), 2))
    if not pairs:
        return float("nan")
    return sum(topic_set_similarity(runs[i], runs[j]) for i, j in pairs) / len(pairs)


def coherence_per_topic(top_words: Sequence[Sequence[str]], texts: Sequence[Sequence[str]]) -> list[float]:
    """c_npmi of each topic (same reference corpus and window as `coherence`); nan for a topic under 2 words."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    logging.getLogger("gensim").setLevel(logging.WARNING)
    ok = [i for i, t in enumerate(top_words) if len(t) >= 2]
    out = [math.nan] * len(top_words)
    if not ok:
        return out
    dictionary = Dictionary(texts)
    cm = CoherenceModel(topics=[list(top_words[i][:TOPN]) for i in ok], texts=[list(t) for t in texts],
                        dictionary=dictionary, coherence="c_npmi", topn=TOPN, processes=1)
    for i, v in zip(ok, cm.get_coherence_per_topic(), strict=True):
        out[i] = float(v)
    return out


def exclusivity(topic_word: np.ndarray, n: int = TOPN) -> float:
    """Mean over topics of how exclusive their top n words are: p(w | k) / Σ_j p(w | j), averaged.

    1 means no top word is probable in another topic; 1/K means every top word is shared evenly (the
    exclusivity half of FREX, Roberts et al. 2014/Bischof & Airoldi 2012)."""
    tw = np.asarray(topic_word, dtype=float)
    if tw.size == 0:
        return float("nan")
    share = tw / np.maximum(tw.sum(axis=0, keepdims=True), 1e-300)
    top = np.argsort(-tw, axis=1, kind="stable")[:, :n]
    return float(np.mean(np.take_along_axis(share, top, axis=1)))


def topic_exclusivity(topic_word: np.ndarray, n: int = TOPN) -> list[float]:
    """Exclusivity of each topic's top n words (see `exclusivity`)."""
    tw = np.asarray(topic_word, dtype=float)
    share = tw / np.maximum(tw.sum(axis=0, keepdims=True), 1e-300)
    top = np.argsort(-tw, axis=1, kind="stable")[:, :n]
    return [float(x) for x in np.take_along_axis(share, top, axis=1).mean(axis=1)]


def heldout_loglik(topic_word: np.ndarray, vocabulary: Sequence[str], docs: Sequence[Sequence[str]],
                   *, alpha: float = 0.1, iterations: int = 30) -> tuple[float, int]:
    """Document completion (Wallach et al. 2009): fold in each held-out document's topic shares from its
    even-numbered tokens (EM with the topics fixed), score its odd-numbered tokens.

    Returns (log-likelihood per scored token, number of scored tokens); words outside the vocabulary are
    skipped (they are the same for every K)."""
    col = {w: j for j, w in enumerate(vocabulary)}
    phi = np.asarray(topic_word, dtype=float) + 1e-12
    total, n = 0.0, 0
    for d in docs:
        ids = [col[w] for w in d if w in col]
        seen, scored = ids[0::2], ids[1::2]
        if not seen or not scored:
            continue
        theta = _fold_in_ids(phi, seen, alpha, iterations)
        total += float(np.log(theta @ phi[:, scored]).sum())
        n += len(scored)
    return (total / n if n else float("nan")), n


def _fold_in_ids(phi: np.ndarray, ids: Sequence[int], alpha: float | np.ndarray, iterations: int) -> np.ndarray:
    """One document's topic shares by EM with the topics fixed, token by token: the reference that
    `fold_in_counts` must equal (an empty document gets the prior's mean)."""
    k = phi.shape[0]
    theta = np.full(k, 1.0 / k)
    p = phi[:, list(ids)]
    for _ in range(iterations):
        resp = theta[:, None] * p
        resp /= resp.sum(axis=0, keepdims=True)
        theta = resp.sum(axis=1) + alpha
        theta /= theta.sum()
    return theta


FOLD_IN_CHUNK = 1024  # documents per block of the vectorised fold-in (fastest of 256/1024/4096 measured)


def doc_term_matrix(docs: Sequence[Sequence[str]], vocabulary: Sequence[str] | dict[str, int]) -> Any:
    """Word counts (scipy.sparse CSR, n_docs × V) over `vocabulary` (a word list or word → column);
    words outside it are left out."""
    col = vocabulary if isinstance(vocabulary, dict) else {w: j for j, w in enumerate(vocabulary)}
    get = col.get
    ids = np.fromiter((get(w, -1) for d in docs for w in d), dtype=np.int64)
    return count_matrix(ids, np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs)), len(col))


def count_matrix(cols: np.ndarray, lengths: np.ndarray, n_cols: int) -> Any:
    """Word counts (CSR, len(lengths) × n_cols) of documents given as the column of each token (concatenated;
    -1: left out) and the number of tokens of each document (`doc_term_matrix` on word ids)."""
    from scipy.sparse import csr_matrix

    rows = np.repeat(np.arange(len(lengths)), lengths)
    known = cols >= 0
    x = csr_matrix((np.ones(int(known.sum())), (rows[known], cols[known])), shape=(len(lengths), n_cols))
    x.sum_duplicates()  # repeated words become counts (the COO → CSR conversion already adds them up)
    return x


def fold_in_counts(phi: np.ndarray, x: Any, alpha: float | np.ndarray = 0.1, iterations: int = 30) -> np.ndarray:
    """Topic shares (n × k) of the documents in the count matrix `x` (CSR, n × V) with the topics `phi`
    (k × V, already smoothed) held fixed: the EM of `_fold_in_ids` for all documents at once.

    Per iteration, for each document d and word w it holds, denominator Σ_t θ_dt φ_tw; then
    θ_dt ← θ_dt Σ_w x_dw φ_tw / denominator + α_t, normalised. Summing a word's tokens as one count instead
    of token by token changes the numbers only at rounding level. `alpha`: a number, a (k,) prior or one
    prior per document (n × k)."""
    n, k = x.shape[0], phi.shape[0]
    theta = np.full((n, k), 1.0 / k)
    if n == 0:
        return theta
    rows = np.repeat(np.arange(n), np.diff(x.indptr))
    p = np.ascontiguousarray(phi[:, x.indices].T)  # nnz × k, fixed through the iterations
    phi_t = np.ascontiguousarray(phi.T)
    prior = np.asarray(alpha, dtype=float)
    weighted = x.astype(float, copy=True)  # x's sparsity, its values replaced each iteration (building a new
    # matrix every iteration validated its structure again: 1.6x the time of the whole loop)
    for _ in range(iterations):
        denom = np.einsum("ij,ij->i", theta[rows], p)
        np.divide(x.data, denom, out=weighted.data)
        theta = theta * (weighted @ phi_t) + prior
        theta /= theta.sum(axis=1, keepdims=True)
    return theta


def fold_in(topic_word: np.ndarray, vocabulary: Sequence[str], docs: Sequence[Sequence[str]], *,
            alpha: float | np.ndarray = 0.1, iterations: int = 30, chunk: int = FOLD_IN_CHUNK) -> np.ndarray:
    """Topic shares (n_docs × k) of documents a model was not fitted on, with its topics held fixed (EM,
    vectorised over a sparse document-term matrix, `chunk` documents at a time so memory stays bounded).
    The same numbers as `fold_in_reference` (the per-document EM); words outside the vocabulary are skipped.
    `alpha`: the prior of the topic shares (a number, (k,), or (n_docs × k) for a prior per document)."""
    col = {w: j for j, w in enumerate(vocabulary)}
    phi = np.asarray(topic_word, dtype=float) + 1e-12
    prior = np.asarray(alpha, dtype=float)
    out = np.empty((len(docs), phi.shape[0]))
    for start in range(0, len(docs), max(1, chunk)):
        stop = min(start + max(1, chunk), len(docs))
        part = prior[start:stop] if prior.ndim == 2 else prior
        out[start:stop] = fold_in_counts(phi, doc_term_matrix(docs[start:stop], col), part, iterations)
    return out


def fold_in_reference(topic_word: np.ndarray, vocabulary: Sequence[str], docs: Sequence[Sequence[str]], *,
                      alpha: float | np.ndarray = 0.1, iterations: int = 30) -> np.ndarray:
    """`fold_in` one document at a time, token by token (slow; the reference the vectorised one is tested on)."""
    col = {w: j for j, w in enumerate(vocabulary)}
    phi = np.asarray(topic_word, dtype=float) + 1e-12
    prior = np.asarray(alpha, dtype=float)
    return np.array([_fold_in_ids(phi, [col[w] for w in d if w in col], prior[i] if prior.ndim == 2 else prior,
                                  iterations) for i, d in enumerate(docs)]).reshape(len(docs), phi.shape[0])


def unigram_loglik(train: Sequence[Sequence[str]], docs: Sequence[Sequence[str]]) -> float:
    """Per-token log-likelihood of the odd-numbered tokens of `docs` under the training corpus's word
    frequencies (add-one smoothed over its vocabulary): the no-topics baseline for `heldout_loglik`."""
    counts = Counter(w for d in train for w in d)
    total = sum(counts.values()) + len(counts)
    ll, n = 0.0, 0
    for d in docs:
        scored = [w for w in d if w in counts][1::2]
        for w in scored:
            ll += math.log((counts[w] + 1) / total)
        n += len(scored)
    return ll / n if n else float("nan")


def coherence_batch(fits: Sequence[Sequence[Sequence[str]]], texts: Sequence[Sequence[str]]
                    ) -> list[tuple[float, float]]:
    """(c_npmi, c_v) of several fits' topics against one reference corpus, the same numbers as `coherence`
    per fit, but with the corpus's co-occurrence counts accumulated once for all of them (the slow part)."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    logging.getLogger("gensim").setLevel(logging.WARNING)
    flat: list[list[str]] = []
    owner: list[int] = []
    for i, topics in enumerate(fits):
        for t in topics:
            if len(t) >= 2:
                flat.append(list(t[:TOPN]))
                owner.append(i)
    if not flat:
        return [(math.nan, math.nan)] * len(fits)
    dictionary = Dictionary(texts)
    docs = [list(t) for t in texts]
    per: dict[str, list[float]] = {}
    for measure in ("c_npmi", "c_v"):
        cm = CoherenceModel(topics=flat, texts=docs, dictionary=dictionary, coherence=measure, topn=TOPN,
                            processes=1)
        per[measure] = [float(x) for x in cm.get_coherence_per_topic()]
    out = []
    for i in range(len(fits)):
        idx = [j for j, o in enumerate(owner) if o == i]
        if not idx:
            out.append((math.nan, math.nan))
            continue
        # CoherenceModel.get_coherence is the arithmetic mean of the per-topic values
        out.append((sum(per["c_npmi"][j] for j in idx) / len(idx), sum(per["c_v"][j] for j in idx) / len(idx)))
    return out

"""Topic quality: coherence (c_npmi, c_v via gensim's CoherenceModel for every engine), stability,
exclusivity and held-out likelihood (document completion)."""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from itertools import combinations

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


def _fold_in_ids(phi: np.ndarray, ids: Sequence[int], alpha: float, iterations: int) -> np.ndarray:

    k = phi.shape[0]
    theta = np.full(k, 1.0 / k)
    if not ids:
        return theta
    p = phi[:, list(ids)]
    for _ in range(iterations):
        resp = theta[:, None] * p
        resp /= resp.sum(axis=0, keepdims=True)
        theta = resp.sum(axis=1) + alpha
        theta /= theta.sum()
    return theta


def fold_in(topic_word: np.ndarray, vocabulary: Sequence[str], docs: Sequence[Sequence[str]], *,
            alpha: float = 0.1, iterations: int = 30) -> np.ndarray:
    """Topic shares (n_docs × k) of documents a model was not fitted on, with its topics held fixed (EM)."""
    col = {w: j for j, w in enumerate(vocabulary)}
    phi = np.asarray(topic_word, dtype=float) + 1e-12
    return np.array([_fold_in_ids(phi, [col[w] for w in d if w in col], alpha, iterations) for d in docs]
                    ).reshape(len(docs), phi.shape[0])


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

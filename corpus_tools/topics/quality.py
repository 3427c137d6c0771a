"""Topic quality: coherence (c_npmi, c_v via gensim's CoherenceModel for every engine) and stability."""

from __future__ import annotations

import logging
import math
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

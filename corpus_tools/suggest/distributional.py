"""Distributional features learned locally from the project's own (mostly uncoded) text: word2vec vectors
(Mikolov et al. 2013; gensim) trained on the corpus's tokenized entries, and a passage vector = the mean of
its content words' vectors. No weights are downloaded: the vectors come from the user's texts only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from corpus_tools.suggest.features import Analyzed, WordVectors


def train_word_vectors(docs: Sequence[Analyzed], dim: int = 50, window: int = 5, min_count: int = 3,
                       epochs: int = 10, random_state: int = 0) -> WordVectors:
    """Skip-gram word2vec on the passages' content words (one worker, seeded: reproducible)."""
    from gensim.models import Word2Vec

    sentences = [list(d.words) for d in docs if d.words]
    if not sentences:
        return WordVectors([], np.zeros((0, dim)))
    w2v = Word2Vec(sentences, vector_size=dim, window=window, min_count=min_count, sg=1, epochs=epochs,
                   seed=random_state, workers=1)
    words = list(w2v.wv.index_to_key)
    return WordVectors(words, np.asarray(w2v.wv.vectors, dtype=float))

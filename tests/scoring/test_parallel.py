"""Scoring in worker processes or on a Dask cluster gives exactly what one process gives."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import pytest

from corpus_tools.corpus.loader import Corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.parallel import ScorerSpec, chunks, score_texts, texts_scorer
from corpus_tools.scoring.score import Scorer, score_levels
from corpus_tools.text.tokenize import Tokenizer


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer([load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")], Tokenizer("rjieba"))


def test_chunks_cover_every_text_once_in_order() -> None:
    texts = ["a" * n for n in (5, 300, 1, 0, 700, 20, 20, 20)]
    ranges = list(chunks(texts, chunk_chars=100))
    assert ranges[0][0] == 0 and ranges[-1][1] == len(texts)
    assert all(a < b for a, b in ranges) and all(r[1] == s[0] for r, s in pairwise(ranges))
    assert list(chunks([], 100)) == []


def test_a_rebuilt_scorer_is_the_same_scorer(scorer: Scorer, junpu: Corpus) -> None:
    rebuilt = ScorerSpec.of(scorer).build()
    for text in list(junpu.entries["text"])[:300]:
        assert rebuilt.score_text(text) == scorer.score_text(text)
    assert ScorerSpec.of(rebuilt).key == ScorerSpec.of(scorer).key


def test_two_workers_give_identical_scores_and_evidence(scorer: Scorer, junpu: Corpus) -> None:
    one = score_levels(junpu, scorer, dedupe=True)
    two = score_levels(junpu, scorer, dedupe=True, score_many=texts_scorer(scorer, workers=2))
    for a, b in zip(one, two, strict=True):
        pd.testing.assert_frame_equal(a.scores, b.scores)
        pd.testing.assert_frame_equal(a.evidence, b.evidence)
    assert len(one[1].evidence) > 1000  # the bundled corpus really exercised the pool


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_results(scorer: Scorer, junpu: Corpus) -> None:
    pytest.importorskip("distributed")
    texts = list(junpu.entries["text"])[:400]
    local = score_texts(scorer, texts)
    on_dask = score_texts(scorer, texts, workers=2, dask="local", chunk_chars=5_000)
    assert on_dask == local


def test_bad_worker_counts_are_refused(scorer: Scorer) -> None:
    from corpus_tools.errors import ConfigError

    with pytest.raises(ConfigError, match="at least 1"):
        score_texts(scorer, ["x"], workers=0)


def test_a_pool_kept_open_across_chunks_gives_identical_results(scorer: Scorer, junpu: Corpus) -> None:
    from corpus_tools.scoring.parallel import PooledScorer

    texts = list(junpu.entries["text"])[:300]
    local = score_texts(scorer, texts)
    with PooledScorer(scorer, workers=2, chunk_chars=3_000) as pool:
        got = [ts for a in range(0, 300, 70) for ts in pool(texts[a:a + 70])]  # five calls, one pool
        assert pool._pool is not None
    assert got == local and pool._pool is None  # closed on leaving the block


@pytest.mark.slow
def test_a_dask_pool_kept_open_gives_identical_results(scorer: Scorer, junpu: Corpus) -> None:
    pytest.importorskip("distributed")
    from corpus_tools.scoring.parallel import PooledScorer

    texts = list(junpu.entries["text"])[:200]
    with PooledScorer(scorer, workers=2, dask="local", chunk_chars=5_000) as pool:
        got = pool(texts[:120]) + pool(texts[120:])
    assert got == score_texts(scorer, texts)

"""Language balance draws its bootstrap resamples a block at a time (bounded memory at archive scale): any block
size gives the same intervals as drawing every replicate at once."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from corpus_tools.corpus.loader import load_corpus
from corpus_tools.scoring import balance
from corpus_tools.scoring.score import Scorer, score_levels
from tests.conftest import MakeCorpus
from tests.scoring.test_balance import LEX, _docs


def test_any_block_gives_the_same_intervals(make_corpus: MakeCorpus, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _docs(random.Random(3), 2, 1, n=7)
    docs.append({"doc_id": "M0", "text": "网店 profit", "lang": "mixed", "date": "2014-01-01"})  # a group of one
    corpus = load_corpus(make_corpus(docs))
    scores, _ = score_levels(corpus, Scorer([LEX]))
    monkeypatch.setattr(balance, "BOOT_CELLS", 10**9)  # every replicate in one block
    whole = balance.language_balance(scores, corpus, n_boot=301, seed=4)
    assert whole["rate_lo"].notna().any()
    for cells in (1, 13, 100):  # one replicate per block, and blocks that do not divide 301
        monkeypatch.setattr(balance, "BOOT_CELLS", cells)
        pd.testing.assert_frame_equal(balance.language_balance(scores, corpus, n_boot=301, seed=4), whole)

"""Lexicon health counted from the evidence equals matching the corpus again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corpus_tools.corpus.loader import Corpus
from corpus_tools.project import project_lexicons
from corpus_tools.scoring.chunked import score_to_parquet
from corpus_tools.scoring.health import health_from_evidence, lexicon_health
from corpus_tools.scoring.score import corpus_scorer
from corpus_tools.text.tokenize import Tokenizer


def test_health_from_the_evidence_is_the_health_of_the_corpus(junpu: Corpus, tmp_path: Path) -> None:
    """Both lexicons, negated hits, interviewer turns and junk entries (left out of both) included: the same table,
    read from the evidence file in batches of any size."""
    lex = project_lexicons(junpu, ())
    tok = Tokenizer("rjieba")
    scored = score_to_parquet(junpu, corpus_scorer(junpu, lex, tok), tmp_path, False, workers=1, chunk_entries=300)
    want = lexicon_health(lex, tok, junpu)
    assert want["matches"].sum() > 1000 and (want["matches"] == 0).any()
    evidence = pd.read_parquet(scored.evidence)
    assert (~evidence["counted"]).any() and len(lex) == 2  # hits that scores leave out still count as matches
    pd.testing.assert_frame_equal(health_from_evidence(lex, scored.evidence), want)
    pd.testing.assert_frame_equal(health_from_evidence(lex, evidence), want)
    none = health_from_evidence(lex, evidence.iloc[:0])
    assert list(none.columns) == list(want.columns) and (none["matches"] == 0).all() and len(none) == len(want)

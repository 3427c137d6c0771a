"""Lexicon health on a corpus: how often each term matches (0 = never), the table `analyze` writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from corpus_tools.corpus.loader import Corpus
from corpus_tools.lexicon.lint import term_frequencies
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.scoring.evidence_queries import evidence_batches
from corpus_tools.text.tokenize import Tokenizer


def lexicon_health(lexicons: Sequence[Lexicon], tokenizer: Tokenizer, corpus: Corpus) -> pd.DataFrame:
    """Per term: variable, language and number of matches in the corpus (0 = never matches)."""
    texts = corpus.content_entries["text"]  # junk entries (menus, markup, ...) are no evidence of use
    freq: Counter[tuple[str, str, str]] = Counter()
    for lex in lexicons:
        for (variable, term), n in term_frequencies(lex, tokenizer, iter(texts)).items():
            freq[(lex.name, variable, term)] = n
    return _table(lexicons, freq)


def health_from_evidence(lexicons: Sequence[Lexicon], evidence: pd.DataFrame | Path) -> pd.DataFrame:
    """`lexicon_health`'s table counted from the evidence of a scoring run with these lexicons (a frame or the
    evidence Parquet file, batch by batch): every hit is there, counted or not, so the numbers are the same
    without matching the corpus a second time (at a million entries that took minutes)."""
    freq: Counter[tuple[str, str, str]] = Counter()
    for batch in evidence_batches(evidence, ["lexicon", "variable", "term"]):
        for key, n in batch.groupby(["lexicon", "variable", "term"], sort=False).size().items():
            freq[(str(key[0]), str(key[1]), str(key[2]))] += int(n)
    return _table(lexicons, freq)


def _table(lexicons: Sequence[Lexicon], freq: Counter[tuple[str, str, str]]) -> pd.DataFrame:
    rows = [{"lexicon": lex.name, "variable": v.id, "lang": lang, "term": term,
             "matches": freq[(lex.name, v.id, term)]}
            for lex in lexicons for v in lex.variables for lang, term in v.all_terms()]
    return pd.DataFrame(rows, columns=["lexicon", "variable", "lang", "term", "matches"])

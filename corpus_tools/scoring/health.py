"""Lexicon health on a corpus: how often each term matches (0 = never), the table `analyze` writes."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from corpus_tools.corpus.loader import Corpus
from corpus_tools.lexicon.lint import term_frequencies
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.text.tokenize import Tokenizer


def lexicon_health(lexicons: Sequence[Lexicon], tokenizer: Tokenizer, corpus: Corpus) -> pd.DataFrame:
    """Per term: variable, language and number of matches in the corpus (0 = never matches)."""
    rows = []
    texts = corpus.content_entries["text"]  # junk entries (menus, markup, ...) are no evidence of use
    for lex in lexicons:
        freq = term_frequencies(lex, tokenizer, iter(texts))  # one text at a time, not a list of all of them
        for v in lex.variables:
            for lang, term in v.all_terms():
                rows.append({"lexicon": lex.name, "variable": v.id, "lang": lang, "term": term,
                             "matches": freq[(v.id, term)]})
    return pd.DataFrame(rows, columns=["lexicon", "variable", "lang", "term", "matches"])

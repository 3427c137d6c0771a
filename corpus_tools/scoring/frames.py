"""Scores and evidence as DataFrames, from whatever holds the texts: the notebook face of scoring.

`score` and `evidence` take a Corpus, a DataFrame of texts, a corpus folder or a table file (see
corpus.loader.open_corpus) and return plain DataFrames, which Jupyter shows as HTML tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_tools.corpus.from_table import Columns
from corpus_tools.corpus.loader import Corpus, open_corpus
from corpus_tools.lexicon.formats import load_lexicons
from corpus_tools.scoring.score import Scorer, ScoreResult, aggregate, score_corpus
from corpus_tools.text.tokenize import Tokenizer

if TYPE_CHECKING:
    import pandas as pd



def _scored(source: Corpus | pd.DataFrame | str | Path | None, lexicons: Sequence[str] | None, level: str,
            dedupe: bool, engine: str, text: str | None, id: str | None,
            date: str | None) -> tuple[Corpus, ScoreResult]:
    corpus = open_corpus(source, Columns(text=text, id=id, date=date))
    lexs = load_lexicons(corpus.config.lexicon_refs(lexicons or ()), corpus.root)
    return corpus, score_corpus(corpus, Scorer(lexs, Tokenizer(engine)), level, dedupe)


def score(source: Corpus | pd.DataFrame | str | Path | None, lexicons: Sequence[str] | None = None, *,
          level: str = "document", by: str | Sequence[str] | None = None, dedupe: bool = False,
          engine: str = "rjieba", text: str | None = None, id: str | None = None,
          date: str | None = None) -> pd.DataFrame:
    """Lexicon scores, one row per document (or entry, `level="entry"`): a count column per variable id,
    construct totals, `total`, `n_tokens`, `rate_per_1k` (NaN for a unit without tokens), beside the
    document metadata (a frame's or table's other columns included). With `by`, counts and rates per
    group instead (e.g. `by="outlet"`). `text`/`id`/`date` name a frame's or table's columns (default:
    recognised names); `lexicons` default to the corpus's (DEFAULT_LEXICON for frames and tables).

    >>> import corpus_tools as ct, pandas as pd
    >>> df = pd.DataFrame({"text": ["村里租金便宜，门槛低。", "Profits are high.", "No match here."],
    ...                    "outlet": ["A", "B", "B"]})
    >>> s = ct.score(df)
    >>> s[["outlet", "opportunity.feasibility", "opportunity.profitability", "total"]].to_dict("records")
    [{'outlet': 'A', 'opportunity.feasibility': 2, 'opportunity.profitability': 0, 'total': 2}, \
{'outlet': 'B', 'opportunity.feasibility': 0, 'opportunity.profitability': 1, 'total': 1}, \
{'outlet': 'B', 'opportunity.feasibility': 0, 'opportunity.profitability': 0, 'total': 0}]
    >>> ct.score(df, by="outlet")[["outlet", "n_units", "total"]].to_dict("records")
    [{'outlet': 'A', 'n_units': 1, 'total': 2}, {'outlet': 'B', 'n_units': 2, 'total': 1}]
    """
    corpus, result = _scored(source, lexicons, level, dedupe, engine, text, id, date)
    if by:
        return aggregate(result, by, corpus.docs)
    return result.scores


def evidence(source: Corpus | pd.DataFrame | str | Path | None, lexicons: Sequence[str] | None = None, *,
             dedupe: bool = False, engine: str = "rjieba", text: str | None = None, id: str | None = None,
             date: str | None = None) -> pd.DataFrame:
    """Every lexicon match: variable, term, matched text, `start`/`end` into the document's original text,
    left/right context and the document metadata.

    >>> import corpus_tools as ct, pandas as pd
    >>> ev = ct.evidence(pd.DataFrame({"text": ["The rent is low."], "outlet": ["B"]}))
    >>> ev[["variable", "matched", "start", "end", "outlet"]].to_dict("records")
    [{'variable': 'opportunity.feasibility', 'matched': 'rent', 'start': 4, 'end': 8, 'outlet': 'B'}]
    """
    return _scored(source, lexicons, "entry", dedupe, engine, text, id, date)[1].evidence

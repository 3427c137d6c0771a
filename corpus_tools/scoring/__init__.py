"""Lexicons over text: scores with evidence, streaming scores of large tables, concordances, expansion, health.

Public names are listed in `__all__` and imported on first use (corpus_tools.io.lazy).
"""

from __future__ import annotations

from typing import Any

from corpus_tools.io.lazy import lazy_attr

_EXPORTS = {
    "Hit": "corpus_tools.scoring.score",
    "ScoreResult": "corpus_tools.scoring.score",
    "Scorer": "corpus_tools.scoring.score",
    "aggregate": "corpus_tools.scoring.score",
    "score_corpus": "corpus_tools.scoring.score",
    "score_levels": "corpus_tools.scoring.score",
    "build_scorer": "corpus_tools.scoring.streaming",
    "score_table_file": "corpus_tools.scoring.streaming",
    "KwicLine": "corpus_tools.scoring.kwic",
    "concordance": "corpus_tools.scoring.kwic",
    "Expansion": "corpus_tools.scoring.expand",
    "accept_terms": "corpus_tools.scoring.expand",
    "expand": "corpus_tools.scoring.expand",
    "lexicon_health": "corpus_tools.scoring.health",
}
__all__ = ["Expansion", "Hit", "KwicLine", "ScoreResult", "Scorer", "accept_terms", "aggregate", "build_scorer",
    "concordance", "expand", "lexicon_health", "score_corpus", "score_levels", "score_table_file"]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)

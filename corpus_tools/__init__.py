"""corpus_tools: bilingual text mining for qualitative case-study research.

The public API is imported lazily so that `import corpus_tools` (and the CLI's --help) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from corpus_tools._version import __version__

_EXPORTS = {
    "load_corpus": "corpus_tools.corpus.loader",
    "Corpus": "corpus_tools.corpus.loader",
    "Tokenizer": "corpus_tools.text.tokenize",
    "load_lexicon": "corpus_tools.lexicon.formats",
    "Lexicon": "corpus_tools.lexicon.model",
    "Scorer": "corpus_tools.scoring.score",
    "score_corpus": "corpus_tools.scoring.score",
    "aggregate": "corpus_tools.scoring.score",
    "analyze": "corpus_tools.jobs.analyze",
    "concordance": "corpus_tools.scoring.kwic",
    # notebook API (issue 14): whatever holds the texts in, DataFrames out
    "kwic": "corpus_tools.scoring.kwic",
    "score": "corpus_tools.scoring.frames",
    "evidence": "corpus_tools.scoring.frames",
    "open_corpus": "corpus_tools.corpus.open",
    "bundled_corpus": "corpus_tools.corpus.open",
}

__all__ = ["Corpus", "Lexicon", "Scorer", "Tokenizer", "__version__", "aggregate", "analyze", "bundled_corpus",
           "concordance", "evidence", "kwic", "load_corpus", "load_lexicon", "open_corpus", "score", "score_corpus"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'corpus_tools' has no attribute {name!r}")

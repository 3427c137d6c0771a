"""corpus_tools: bilingual (Chinese/English) text mining for qualitative case-study research.

The public front: the names a notebook user needs, listed in `__all__`. Each is imported on first use, so
`import corpus_tools` (and the CLI's `--help`) stays fast. The rooms behind it are described in
docs/architecture.md.

>>> import corpus_tools as ct
>>> ct.DEFAULT_LEXICON
'mass_entrepreneurship'
"""

from __future__ import annotations

from typing import Any

from corpus_tools._version import __version__
from corpus_tools.io.lazy import lazy_attr

_EXPORTS = {
    # reading
    "Corpus": "corpus_tools.corpus.loader",
    "load_corpus": "corpus_tools.corpus.loader",
    "open_corpus": "corpus_tools.corpus.loader",
    "default_corpus": "corpus_tools.io.resources",
    "DEFAULT_LEXICON": "corpus_tools.io.resources",
    "Project": "corpus_tools.project",
    "Tokenizer": "corpus_tools.text.tokenize",
    "Lexicon": "corpus_tools.lexicon.model",
    "load_lexicon": "corpus_tools.lexicon.formats",
    # lexicon scores with evidence
    "Scorer": "corpus_tools.scoring.score",
    "score_corpus": "corpus_tools.scoring.score",
    "aggregate": "corpus_tools.scoring.score",
    "concordance": "corpus_tools.scoring.kwic",
    # analyses
    "run_framing": "corpus_tools.framing",
    "run_topics": "corpus_tools.topics",
    "compute_agreement": "corpus_tools.agreement",
    "CodingStore": "corpus_tools.store",
    # whole jobs
    "analyze": "corpus_tools.jobs.analyze",
    "train": "corpus_tools.jobs.suggest",
    "evaluate": "corpus_tools.jobs.suggest",
    # errors
    "CorpusToolsError": "corpus_tools.errors",
}

__all__ = ["DEFAULT_LEXICON", "CodingStore", "Corpus", "CorpusToolsError", "Lexicon", "Project", "Scorer",
           "Tokenizer", "__version__", "aggregate", "analyze", "compute_agreement", "concordance", "default_corpus",
           "evaluate", "load_corpus", "load_lexicon", "open_corpus", "run_framing", "run_topics", "score_corpus",
           "train"]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)

"""Reading corpora: folder format, text formats and encodings, entries and ids, near-duplicates, corpus.toml.

Public names are listed in `__all__` and imported on first use (corpus_tools.io.lazy).
"""

from __future__ import annotations

from typing import Any

from corpus_tools.io.lazy import lazy_attr

_EXPORTS = {
    "Corpus": "corpus_tools.corpus.loader",
    "Problem": "corpus_tools.corpus.loader",
    "load_corpus": "corpus_tools.corpus.loader",
    "open_corpus": "corpus_tools.corpus.loader",
    "detect_lang": "corpus_tools.corpus.loader",
    "CorpusConfig": "corpus_tools.corpus.config",
    "Stage": "corpus_tools.corpus.config",
    "lexicon_refs": "corpus_tools.corpus.config",
    "load_config": "corpus_tools.corpus.config",
    "split_entries": "corpus_tools.corpus.entries",
    "near_duplicates": "corpus_tools.corpus.dedupe",
    "read_text": "corpus_tools.corpus.formats",
    "parse_date": "corpus_tools.corpus.dates",
    "assign_stage": "corpus_tools.corpus.dates",
}
__all__ = ["Corpus", "CorpusConfig", "Problem", "Stage", "assign_stage", "detect_lang", "lexicon_refs",
    "load_config", "load_corpus", "near_duplicates", "open_corpus", "parse_date", "read_text", "split_entries"]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)

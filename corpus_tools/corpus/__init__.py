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
    "bundled_corpus": "corpus_tools.corpus.loader",
    "Columns": "corpus_tools.corpus.from_table",
    "TableImport": "corpus_tools.corpus.from_table",
    "table_to_folder": "corpus_tools.corpus.from_table",
    "write_corpus_folder": "corpus_tools.corpus.from_table",
    "junk_reasons": "corpus_tools.corpus.junk",
}
__all__ = ["Columns", "Corpus", "CorpusConfig", "Problem", "Stage", "TableImport", "assign_stage", "bundled_corpus",
    "detect_lang", "junk_reasons", "lexicon_refs", "load_config", "load_corpus", "near_duplicates", "open_corpus",
    "parse_date", "read_text", "split_entries", "table_to_folder", "write_corpus_folder"]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)

"""Shared plumbing below every layer: reading and writing tables, run manifests, bundled resources, the cache.

Public names are listed in `__all__` and imported on first use (corpus_tools.io.lazy).
"""

from __future__ import annotations

from typing import Any

from corpus_tools.io.lazy import lazy_attr

_EXPORTS = {
    "TableWriter": "corpus_tools.io.tables",
    "iter_table": "corpus_tools.io.tables",
    "write_table": "corpus_tools.io.tables",
    "file_sha1": "corpus_tools.io.manifest",
    "write_manifest": "corpus_tools.io.manifest",
    "DEFAULT_LEXICON": "corpus_tools.io.resources",
    "default_corpus": "corpus_tools.io.resources",
    "lexicons_dir": "corpus_tools.io.resources",
    "resolve_lexicon": "corpus_tools.io.resources",
    "Cache": "corpus_tools.io.cache",
    "code_hash": "corpus_tools.io.cache",
    "make_key": "corpus_tools.io.cache",
    "source_files": "corpus_tools.io.cache",
    "write_xlsx": "corpus_tools.io.tables",
    "InputLimits": "corpus_tools.io.limits",
    "safe_frame": "corpus_tools.io.cells",
    "raw_cells": "corpus_tools.io.cells",
    "neutralize_cell": "corpus_tools.io.cells",
}
__all__ = [
    "DEFAULT_LEXICON",
    "Cache",
    "InputLimits",
    "TableWriter",
    "code_hash",
    "default_corpus",
    "file_sha1",
    "iter_table",
    "lexicons_dir",
    "make_key",
    "neutralize_cell",
    "raw_cells",
    "resolve_lexicon",
    "safe_frame",
    "source_files",
    "write_manifest",
    "write_table",
    "write_xlsx",
]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)

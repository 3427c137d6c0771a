"""Codebook-lexicons: the model, YAML/quanteda/LIWC formats, matching and lint.

Public names are listed in `__all__` and imported on first use (corpus_tools.io.lazy).
"""

from __future__ import annotations

from typing import Any

from corpus_tools.io.lazy import lazy_attr

_EXPORTS = {
    "Construct": "corpus_tools.lexicon.model",
    "Lexicon": "corpus_tools.lexicon.model",
    "Variable": "corpus_tools.lexicon.model",
    "lexicon_from_dict": "corpus_tools.lexicon.model",
    "lexicon_to_dict": "corpus_tools.lexicon.model",
    "load_lexicon": "corpus_tools.lexicon.formats",
    "load_lexicons": "corpus_tools.lexicon.formats",
    "read_liwc": "corpus_tools.lexicon.formats",
    "read_quanteda": "corpus_tools.lexicon.formats",
    "write_liwc": "corpus_tools.lexicon.formats",
    "write_quanteda": "corpus_tools.lexicon.formats",
    "Matcher": "corpus_tools.lexicon.match",
    "Pattern": "corpus_tools.lexicon.match",
    "compile_term": "corpus_tools.lexicon.match",
    "all_terms": "corpus_tools.lexicon.match",
    "LintIssue": "corpus_tools.lexicon.lint",
    "lint_lexicon": "corpus_tools.lexicon.lint",
    "term_frequencies": "corpus_tools.lexicon.lint",
    "write_codebook": "corpus_tools.lexicon.yaml_io",
}
__all__ = ["Construct", "Lexicon", "LintIssue", "Matcher", "Pattern", "Variable", "all_terms", "compile_term",
    "lexicon_from_dict", "lexicon_to_dict", "lint_lexicon", "load_lexicon", "load_lexicons", "read_liwc",
    "read_quanteda", "term_frequencies", "write_codebook", "write_liwc", "write_quanteda"]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)

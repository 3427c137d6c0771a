"""Text normalisation (length-preserving, offsets never move), tokenizers and stop-word lists.

Public names are listed in `__all__` and imported on first use (corpus_tools.io.lazy).
"""

from __future__ import annotations

from typing import Any

from corpus_tools.io.lazy import lazy_attr

_EXPORTS = {
    "Tokenizer": "corpus_tools.text.tokenize",
    "Tokens": "corpus_tools.text.tokenize",
    "has_cjk": "corpus_tools.text.tokenize",
    "normalize": "corpus_tools.text.normalize",
    "normalize_for_tokens": "corpus_tools.text.normalize",
    "text_hash": "corpus_tools.text.normalize",
    "to_simplified": "corpus_tools.text.normalize",
    "StopWords": "corpus_tools.text.stopwords",
    "default_stopwords": "corpus_tools.text.stopwords",
    "load_stopwords": "corpus_tools.text.stopwords",
}
__all__ = ["StopWords", "Tokenizer", "Tokens", "default_stopwords", "has_cjk", "load_stopwords", "normalize",
    "normalize_for_tokens", "text_hash", "to_simplified"]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)

"""Draft codes for coders: features, the multi-label model, calibration, explanations, persistence, evaluation.

Public names are listed in `__all__` and imported on first use (corpus_tools.io.lazy).
"""

from __future__ import annotations

from typing import Any

from corpus_tools.io.lazy import lazy_attr

_EXPORTS = {
    "SuggestionModel": "corpus_tools.suggest.model",
    "LexiconSuggester": "corpus_tools.suggest.coldstart",
    "TextAnalyzer": "corpus_tools.suggest.features",
    "TrainingData": "corpus_tools.suggest.training",
    "collect": "corpus_tools.suggest.training",
    "EvaluationResult": "corpus_tools.suggest.evaluation",
    "cross_validate": "corpus_tools.suggest.evaluation",
    "Explanation": "corpus_tools.suggest.explain",
    "explain": "corpus_tools.suggest.explain",
    "load_model": "corpus_tools.suggest.persistence",
    "save_model": "corpus_tools.suggest.persistence",
    "suggest_corpus": "corpus_tools.suggest.apply",
    "suggest_texts": "corpus_tools.suggest.apply",
    "SuggestionsResult": "corpus_tools.suggest.result",
}
__all__ = ["EvaluationResult", "Explanation", "LexiconSuggester", "SuggestionModel", "SuggestionsResult",
    "TextAnalyzer", "TrainingData", "collect", "cross_validate", "explain", "load_model", "save_model",
    "suggest_corpus", "suggest_texts"]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)

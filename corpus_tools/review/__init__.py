"""The human coding workflow: review sessions and queues, the per-coder pool, adjudication, code examples, dashboard.

Public names are listed in `__all__` and imported on first use (corpus_tools.io.lazy).
"""

from __future__ import annotations

from typing import Any

from corpus_tools.io.lazy import lazy_attr

_EXPORTS = {
    "ReviewFilters": "corpus_tools.review.session",
    "ReviewItem": "corpus_tools.review.session",
    "ReviewSession": "corpus_tools.review.session",
    "QueueSettings": "corpus_tools.review.pool",
    "ReviewPool": "corpus_tools.review.pool",
    "Disagreement": "corpus_tools.review.adjudication",
    "adjudicate": "corpus_tools.review.adjudication",
    "find_disagreements": "corpus_tools.review.adjudication",
    "accepted_examples": "corpus_tools.review.examples",
    "agreement_overview": "corpus_tools.review.dashboard",
    "coder_progress": "corpus_tools.review.dashboard",
    "model_quality": "corpus_tools.review.dashboard",
}
__all__ = ["Disagreement", "QueueSettings", "ReviewFilters", "ReviewItem", "ReviewPool", "ReviewSession",
    "accepted_examples", "adjudicate", "agreement_overview", "coder_progress", "find_disagreements", "model_quality"]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)

"""Topic models per stage and jointly with stage as covariate: K sweep, alignment, prevalence.

Public entry point: `run_topics(corpus, tokenizer, lexicons)` → TopicsResult (frames with the
schema.TOPIC_* contracts). Engines share one estimator interface (see `engines`). Public names are imported on
first use (corpus_tools.io.lazy), so the engine names in `names` stay cheap to import.
"""

from __future__ import annotations

from typing import Any

from corpus_tools.io.lazy import lazy_attr

_EXPORTS = {
    "DEFAULT_ENGINE": "corpus_tools.topics.names",
    "ENGINES": "corpus_tools.topics.names",
    "TopicsResult": "corpus_tools.topics.result",
    "run_topics": "corpus_tools.topics.run",
}
__all__ = ["DEFAULT_ENGINE", "ENGINES", "TopicsResult", "run_topics"]


def __getattr__(name: str) -> Any:
    return lazy_attr(__name__, _EXPORTS, name)

"""Topic models per stage and jointly with stage as covariate: K sweep, alignment, prevalence.

Public entry point: `run_topics(corpus, tokenizer, lexicons)` → TopicsResult (frames with the
schema.TOPIC_* contracts). Engines share one estimator interface (see `engines`).
"""

from __future__ import annotations

from corpus_tools.topics.result import TopicsResult
from corpus_tools.topics.run import DEFAULT_ENGINE, ENGINES, run_topics

__all__ = ["DEFAULT_ENGINE", "ENGINES", "TopicsResult", "run_topics"]

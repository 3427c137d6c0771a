"""Names of the topic-model engines, importable without the engines themselves (the CLI's choices)."""

from __future__ import annotations

ENGINES = ("tomotopy", "gensim", "sklearn")  # each is a TopicEstimator in corpus_tools.topics.engines
DEFAULT_ENGINE = "tomotopy"  # from benchmarks/bench_topics.py: best coherence and stability, fastest

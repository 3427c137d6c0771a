"""Names of the topic-model engines, importable without the engines themselves (the CLI's choices)."""

from __future__ import annotations

ENGINES = ("tomotopy", "gensim", "sklearn")  # each is a TopicEstimator in corpus_tools.topics.engines
DEFAULT_ENGINE = "tomotopy"  # from benchmarks/bench_topics.py: best coherence and stability, fastest
BILINGUAL_MODES = ("auto", "dictionary", "off")  # topics.bilingual: how Chinese and English words are linked
SEED_LEVELS = ("variable", "construct", "off")  # topics.seeded: one seeded topic per codebook item of this level
SWEEP_SAMPLE = 20_000  # entries: a scope with more usable entries than this chooses K on a sample of this size
FINAL_FITS = ("sample", "all")  # a sampled scope's topics: fitted on the sample (shares folded in) or refitted on all

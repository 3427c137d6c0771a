"""Names of the topic-model engines, importable without the engines themselves (the CLI's choices)."""

from __future__ import annotations

ENGINES = ("tomotopy", "gensim", "sklearn")  # each is a TopicEstimator in corpus_tools.topics.engines
DEFAULT_ENGINE = "tomotopy"  # from benchmarks/bench_topics.py: best coherence and stability, fastest
BILINGUAL_MODES = ("auto", "dictionary", "off")  # topics.bilingual: how Chinese and English words are linked
SEED_LEVELS = ("variable", "construct", "off")  # topics.seeded: one seeded topic per codebook item of this level
# entries: a scope with more usable entries than this chooses K (and, by default, fits its topics) on a stratified
# sample of this size. 5,000: on the 10,000-document benchmark archive the joint sweep chose the same K on
# samples of 5,000 (three seeds) as of 10,000, with topics matched to those of a 20,000-entry sample
# (docs/topics.md, "How large a sample"), at a quarter of 20,000's cost per fit
SWEEP_SAMPLE = 5_000
FINAL_FITS = ("sample", "all")  # a sampled scope's topics: fitted on the sample (shares folded in) or refitted on all

"""`run_topics`: per-stage topic models aligned across stages, and one joint model with stage prevalence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.config import UNSTAGED
from corpus_tools.errors import ConfigError
from corpus_tools.topics.align import align_pair, topic_similarity
from corpus_tools.topics.describe import TermIndex, passage_rows, topic_rows, variable_rows
from corpus_tools.topics.engines import ENGINES
from corpus_tools.topics.names import DEFAULT_ENGINE
from corpus_tools.topics.prepare import prepare
from corpus_tools.topics.prevalence import stage_prevalence
from corpus_tools.topics.result import TopicsResult, empty_result
from corpus_tools.topics.sweep import DEFAULT_K_RANGE, feasible_ks, sweep

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon
    from corpus_tools.text.tokenize import Tokenizer
    from corpus_tools.topics.engines import TopicEstimator
    from corpus_tools.topics.prepare import TopicInput

MIN_STAGE_ENTRIES = 30  # fewer usable entries than this: no separate model for the stage
Progress = Callable[[str], None]

__all__ = ["DEFAULT_ENGINE", "ENGINES", "MIN_STAGE_ENTRIES", "run_topics"]


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:

    frame = pd.DataFrame(rows)
    for c in columns:
        if c not in frame.columns:
            frame[c] = []
    extra = [c for c in frame.columns if c not in columns]
    return frame[[*columns, *extra]]


def _describe(scope: str, stage: str, model: TopicEstimator, data: TopicInput, index: Any,
              out: dict[str, list[dict[str, Any]]]) -> None:

    out["topics"] += topic_rows(scope, stage, model, model.doc_topic_.mean(axis=0))
    out["passages"] += passage_rows(scope, model, data.entries, data.docs)
    out["variables"] += variable_rows(scope, model, index)


def run_topics(corpus: Corpus, tokenizer: Tokenizer, lexicons: Sequence[Lexicon], *, seed: int = 0,
               k_range: Sequence[int] | None = None, n_seeds: int = 3, engine: str | None = None,
               progress: Progress | None = None) -> TopicsResult:
    """Per-stage topic models aligned across stages, and a joint model with stage prevalence.

    Topics are over entries (paragraphs) tokenized with `tokenizer.content_words`; K is chosen per
    scope from `k_range` by coherence and stability over `n_seeds` seeds; the reported model of each
    scope is the one fitted with `seed`. Stages with too few entries get a note instead of a model.
    """

    engine = engine or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise ConfigError(f"unknown topic-model engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")
    if n_seeds < 1:
        raise ConfigError(f"n_seeds must be at least 1, got {n_seeds}")
    ks = list(k_range) if k_range else list(DEFAULT_K_RANGE)
    if any(int(k) < 1 for k in ks):
        raise ConfigError(f"topic numbers must be positive, got {ks}")
    seeds = [seed + i for i in range(n_seeds)]
    say = progress or (lambda _m: None)
    say("topics: tokenizing entries")
    data = prepare(corpus, tokenizer, lexicons)
    notes = list(data.notes)
    if n_seeds == 1:
        notes.append("one seed per K: stability cannot be measured; K chosen by coherence alone")
    if len(data.docs) < 2 * MIN_STAGE_ENTRIES // 3 or len(data.vocabulary) < 10:
        notes.append(f"only {len(data.docs)} usable entries and {len(data.vocabulary)} words: too little text "
                     f"for topic models")
        return empty_result(engine, notes)
    index = TermIndex(lexicons, tokenizer)
    out: dict[str, list[dict[str, Any]]] = {"sweep": [], "topics": [], "passages": [], "variables": []}
    k_by_scope: dict[str, int] = {}
    langs = set(data.entries["lang"].fillna("").astype(str))
    if any(lang.startswith("zh") for lang in langs) and "en" in langs:
        notes.append("Chinese and English entries share each model; topics tend to split by language, so "
                     "top words are listed per script (top_words_zh, top_words_en)")

    stage_col = data.entries["stage"].astype(str)
    subsets = {stage: data.subset(list(stage_col == stage)) for stage in corpus.config.stage_ids}
    # progress counts fits: every usable K × seed of each modelled stage and of the joint model
    n_fits = len(seeds) * sum(len(feasible_ks(ks, n)[0]) for n in
                              [*(len(sub.docs) for sub in subsets.values() if len(sub.docs) >= MIN_STAGE_ENTRIES),
                               len(data.docs)])
    done = [0]

    def fit_say(message: str) -> None:
        done[0] += 1
        say(f"{message} (fit {done[0]}/{n_fits})")

    # (a) one model per stage, in corpus.toml order
    stage_models: list[tuple[str, TopicEstimator]] = []
    for stage, sub in subsets.items():
        if len(sub.docs) < MIN_STAGE_ENTRIES:
            notes.append(f"stage {stage}: {len(sub.docs)} usable entries (fewer than {MIN_STAGE_ENTRIES}); "
                         f"no separate topic model, its entries are only in the joint model")
            continue
        scope = f"stage:{stage}"
        res = sweep(scope, sub.docs, k_range=ks, seeds=seeds, engine=engine, progress=fit_say)
        out["sweep"] += res.rows
        notes += res.notes
        k_by_scope[scope] = res.k
        stage_models.append((stage, res.model))
        _describe(scope, stage, res.model, sub, index, out)
    n_unstaged = int((stage_col == UNSTAGED).sum())
    if not corpus.config.stage_ids:
        notes.append("corpus.toml declares no stages: no per-stage models or alignment, only the joint model")
    elif n_unstaged:
        notes.append(f"{n_unstaged} entries without a stage: not in any per-stage model; in the joint model "
                     f"as stage '{UNSTAGED}'")

    alignment: list[dict[str, Any]] = []
    for (sa, ma), (sb, mb) in pairwise(stage_models):
        sim = topic_similarity(ma.topic_word_, ma.vocabulary_, mb.topic_word_, mb.vocabulary_)
        alignment += align_pair(sa, sb, sim)
    skipped = [s for s in corpus.config.stage_ids if s not in {m[0] for m in stage_models}]
    if skipped and len(stage_models) > 1:
        notes.append(f"alignment runs between consecutive modelled stages; skipped: {', '.join(skipped)}")

    # (b) one joint model with stage as covariate
    groups = list(stage_col)
    res = sweep("joint", data.docs, k_range=ks, seeds=seeds, engine=engine, groups=groups, progress=fit_say)
    out["sweep"] += res.rows
    notes += res.notes
    notes += res.model.engine_notes_
    k_by_scope["joint"] = res.k
    _describe("joint", "", res.model, data, index, out)
    order = [s for s in [*corpus.config.stage_ids, UNSTAGED] if s in set(groups)]
    method = ("DMR (stage as covariate), " if res.model.supports_groups else "") + \
        f"document bootstrap (1000, 95%), seed {seed}"
    prevalence = stage_prevalence(res.model.doc_topic_, groups, list(data.entries["doc_id"].astype(str)),
                                  order, seed=seed, method=method)
    notes.append("prevalence intervals resample documents within each stage; they do not include the "
                 "variation between model seeds (see the stability column of the sweep)")
    say("topics: done")
    return TopicsResult(
        sweep=_frame(out["sweep"], schema.TOPIC_SWEEP), topics=_frame(out["topics"], schema.TOPICS),
        passages=_frame(out["passages"], schema.TOPIC_PASSAGES),
        alignment=_frame(alignment, schema.TOPIC_ALIGNMENT),
        prevalence=_frame(prevalence, schema.TOPIC_PREVALENCE),
        variables=_frame(out["variables"], schema.TOPIC_VARIABLES),
        engine=engine, k_by_scope=k_by_scope, notes=notes).check()

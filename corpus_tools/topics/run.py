"""`run_topics`: per-stage topic models aligned across stages, one joint model with covariate effects on
prevalence, and keyword-assisted topics seeded from the codebook."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.config import UNSTAGED
from corpus_tools.errors import ConfigError
from corpus_tools.io.mapped import factorize, text_reader
from corpus_tools.io.memory import release_memory
from corpus_tools.scoring.parallel import run_tasks
from corpus_tools.topics.align import SIMILARITY_THRESHOLD, align_pair, topic_similarity
from corpus_tools.topics.bilingual import build_concept_map, resolve_dictionary
from corpus_tools.topics.describe import MIN_PASSAGE_TOKENS, TermIndex, passage_rows, topic_rows, variable_rows
from corpus_tools.topics.effects import match_topics, topic_effects
from corpus_tools.topics.engines import ENGINES
from corpus_tools.topics.names import BILINGUAL_MODES, DEFAULT_ENGINE, FINAL_FITS, SEED_LEVELS
from corpus_tools.topics.prepare import prepare
from corpus_tools.topics.result import TopicsResult, empty_result
from corpus_tools.topics.sample import STRATA, SWEEP_SAMPLE, describe_codes, strata_codes, stratified_sample_codes
from corpus_tools.topics.seeded import on_vocab, read_hand_codes, seed_sets, seeded_rows
from corpus_tools.topics.shares import Shares, as_shares
from corpus_tools.topics.sweep import DEFAULT_K_RANGE, feasible_ks, k_cap, sweep
from corpus_tools.topics.tokens import as_lists

if TYPE_CHECKING:

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


def _describe(corpus: Corpus, scope: str, stage: str, model: TopicEstimator, theta: Shares, data: TopicInput,
              index: Any, out: dict[str, list[dict[str, Any]]]) -> None:
    """Topic, passage and variable rows of one scope; `theta`: the topic shares of every entry of `data`."""
    out["topics"] += topic_rows(scope, stage, model, theta.mean())
    rows = data.entries["row"].to_numpy()
    doc = data.doc_codes
    entries, docs = corpus.entries, corpus.docs
    # passages are read at random: from the mapped file (pread), since a read through the mapping brings about
    # 1 MB of the file into memory each time; "" (empty or missing) is read from the column as before
    text_of = text_reader(entries["text"])

    def entry(i: int) -> dict[str, Any]:
        r, d = int(rows[i]), int(doc[i])
        text = text_of(r) if text_of is not None else ""
        return {"entry_id": entries["entry_id"].iat[r], "doc_id": entries["doc_id"].iat[r],
                "title": docs["title"].iat[d] if 0 <= d < len(docs) else np.nan,
                "stage": data.entries["stage"].iat[i], "text": text or entries["text"].iat[r]}

    out["passages"] += passage_rows(scope, theta, data.docs.lengths >= MIN_PASSAGE_TOKENS, doc, entry)
    out["variables"] += variable_rows(scope, model, index)


def sorted_categorical(column: pd.Series) -> pd.Categorical:
    """`pd.Categorical(column.astype(str))` of a categorical column of strings (its used categories, sorted), made
    from its codes: the text column and its factorizing cost a string per entry (tens of MB at a million)."""
    cat = column.array
    assert isinstance(cat, pd.Categorical)
    codes = np.asarray(cat.codes, dtype=np.int64)
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(cat.categories)))
    labels = [str(c) for c in cat.categories[used]]
    order = sorted(range(len(labels)), key=labels.__getitem__)
    new_code = np.full(len(cat.categories) + 1, -1, dtype=np.int64)  # the last: missing stays missing
    new_code[used[order]] = np.arange(len(order))
    return pd.Categorical.from_codes(new_code[codes], categories=pd.Index([labels[i] for i in order], dtype="str"))


DEFAULT_COVARIATES = ("stage", "source_type", "lang", "year")
DEFAULT_FREE_TOPICS = 4  # free topics beside the seeded ones


def run_topics(corpus: Corpus, tokenizer: Tokenizer, lexicons: Sequence[Lexicon], *, seed: int = 0,
               k_range: Sequence[int] | None = None, n_seeds: int = 3, engine: str | None = None,
               progress: Progress | None = None, bilingual: str = "auto", dictionary: str | Path | None = None,
               seeded: str = "variable", free_topics: int = DEFAULT_FREE_TOPICS,
               prevalence_by: Sequence[str] = (), hand_codes: pd.DataFrame | None = None,
               align_threshold: float | None = None, workers: int = 1,
               sweep_sample: int | None = SWEEP_SAMPLE, final_fit: str = "sample",
               tokens: Mapping[str, Sequence[str]] | None = None,
               scratch: str | Path | None = None) -> TopicsResult:
    """Per-stage topic models aligned across stages, a joint model with covariate effects on prevalence,
    and keyword-assisted (seeded) topics from the codebook.

    Topics are over entries (paragraphs) tokenized with `tokenizer.content_words` after junk is stripped;
    with `bilingual` "auto" (both languages present and a CC-CEDICT installed) or "dictionary", Chinese and
    English words are linked to shared concepts first. K is chosen per scope from `k_range` by a
    grid-independent score of coherence, stability, exclusivity and held-out likelihood over `n_seeds`
    seeds; the reported model of each scope is the one fitted with `seed`. `seeded` is variable, construct
    or off; `prevalence_by` adds metadata columns to the covariates (stage, source type, language, year);
    `hand_codes` (entry_id, code) defaults to the corpus's codings*.csv files. Problems with any of these options
    become notes and the rest of the run goes on. The K × seed fits of every sweep run in `workers` processes
    (each fit is seeded: the same result as one process). A scope with more usable entries than `sweep_sample`
    chooses K on a stratified sample of that many entries (stage × language × source type, seeded by `seed`;
    topics.sample) (None or 0: never sample). With `final_fit` "sample" its topics are the sample's fits and
    the topic shares of every entry are inferred with those topics held fixed (fold-in); with "all" the
    chosen K is fitted again on every entry (an hour or more at a million entries). `TopicsResult.sweep_samples` and a
    note say which. `tokens` (entry_id → `tokenizer.content_words`, as analyze's tokens step holds them) saves
    tokenizing again every entry that junk stripping leaves unchanged (topics.prepare). The entries' word ids
    and topic shares are kept in a temporary folder under `scratch` (default: the system's temporary folder),
    removed when the run ends.
    """
    engine = engine or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise ConfigError(f"unknown topic-model engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")
    if n_seeds < 1:
        raise ConfigError(f"n_seeds must be at least 1, got {n_seeds}")
    ks = list(k_range) if k_range else list(DEFAULT_K_RANGE)
    if any(int(k) < 1 for k in ks):
        raise ConfigError(f"topic numbers must be positive, got {ks}")
    if free_topics < 0:
        raise ConfigError(f"free topics must be 0 or more, got {free_topics}")
    if seeded not in SEED_LEVELS:
        raise ConfigError(f"unknown seeding level {seeded!r}", hint=f"choose one of {', '.join(SEED_LEVELS)}")
    if final_fit not in FINAL_FITS:
        raise ConfigError(f"unknown final fit {final_fit!r}", hint=f"choose one of {', '.join(FINAL_FITS)}")
    if bilingual not in BILINGUAL_MODES:
        raise ConfigError(f"unknown bilingual mode {bilingual!r}", hint=f"choose one of {', '.join(BILINGUAL_MODES)}")
    threshold = SIMILARITY_THRESHOLD if align_threshold is None else float(align_threshold)
    # the entries' word ids and every scope's topic shares live in files here while the models run (memory
    # holds a block of them at a time); the folder goes when the run ends
    if scratch is not None:
        Path(scratch).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".topics-", dir=scratch) as work:
        return _run(corpus, tokenizer, lexicons, Path(work), seed=seed, ks=ks, n_seeds=n_seeds, engine=engine,
                    progress=progress, bilingual=bilingual, dictionary=dictionary, seeded=seeded,
                    free_topics=free_topics, prevalence_by=prevalence_by, hand_codes=hand_codes, threshold=threshold,
                    workers=workers, sweep_sample=sweep_sample, final_fit=final_fit, tokens=tokens)


def _run(corpus: Corpus, tokenizer: Tokenizer, lexicons: Sequence[Lexicon], work: Path, *, seed: int,
         ks: list[int], n_seeds: int, engine: str, progress: Progress | None, bilingual: str,
         dictionary: str | Path | None, seeded: str, free_topics: int, prevalence_by: Sequence[str],
         hand_codes: pd.DataFrame | None, threshold: float, workers: int, sweep_sample: int | None,
         final_fit: str, tokens: Mapping[str, Sequence[str]] | None) -> TopicsResult:
    """run_topics after its options are checked, with `work` the folder for its files."""
    seeds = [seed + i for i in range(n_seeds)]
    run = partial(run_tasks, workers=workers) if workers > 1 else None
    samples: dict[str, dict[str, Any]] = {}

    def sample_for(scope: str, sub: TopicInput) -> list[int] | None:
        """The stratified sample K is chosen on when the scope is larger than `sweep_sample`, else None."""
        if not sweep_sample or len(sub.docs) <= sweep_sample:
            return None
        labels, inverse = strata_codes(sub.entries)
        picked = stratified_sample_codes(len(labels), inverse, sweep_sample, seed)
        release_memory()  # the per-entry strata arrays: returned to the system, not kept for the fits
        samples[scope] = {"size": len(picked), "of": len(sub.docs), "stratified_by": list(STRATA), "seed": seed,
                          "strata": describe_codes(labels, inverse, picked), "final_fit": final_fit,
                          "topics_fitted_on": len(picked) if final_fit == "sample" else len(sub.docs),
                          "topic_shares": ("every entry inferred with the topics held fixed (fold-in)"
                                           if final_fit == "sample" else "from the models fitted on all entries")}
        return picked
    say = progress or (lambda _m: None)
    say("topics: tokenizing entries" if tokens is None else "topics: preparing the entries' words")
    data = prepare(corpus, tokenizer, lexicons, tokens=tokens, directory=work)
    release_memory()  # prepare's chunks: freed, returned to the system before the models run
    notes = list(data.notes)
    if n_seeds == 1:
        notes.append("one seed per K: stability and held-out likelihood cannot be measured; K chosen by "
                     "coherence and exclusivity alone")
    if len(data.docs) < 2 * MIN_STAGE_ENTRIES // 3 or len(data.vocabulary) < 10:
        notes.append(f"only {len(data.docs)} usable entries and {len(data.vocabulary)} words: too little text "
                     f"for topic models")
        return empty_result(engine, notes)
    index = TermIndex(lexicons, tokenizer)
    out: dict[str, list[dict[str, Any]]] = {"sweep": [], "topics": [], "passages": [], "variables": []}
    k_by_scope: dict[str, int] = {}
    langs = {str(x) for x in data.entries["lang"].unique()}
    both = any(lang.startswith("zh") for lang in langs) and bool({"en", "mixed"} & langs)
    concepts = None
    if bilingual == "dictionary" or (bilingual == "auto" and both):
        # only the vocabulary's headwords: the whole dictionary cost about 100 MB while loaded
        table, how = resolve_dictionary(bilingual, dictionary, words=data.vocabulary)
        if table is not None:
            freq = data.docs.word_counts()
            concepts = build_concept_map(data.vocabulary, table, how, freq)
            del table
            examples = ", ".join(f"{zh}={en}" for zh, en in
                                 sorted(concepts.linked.items(), key=lambda kv: -freq.get(kv[0], 0))[:6])
            notes.append(f"bilingual topics: {concepts.n_links} Chinese words share a concept with an English "
                         f"word ({how}; e.g. {examples}), so a theme written in both languages can be one "
                         f"topic; top words are listed per script (top_words_zh, top_words_en)")
        else:
            notes.append(how)
    if both and concepts is None:
        notes.append("Chinese and English entries share each model without linked words; topics tend to split "
                     "by language, so top words are listed per script (top_words_zh, top_words_en)")

    stage_col = data.entries["stage"]
    subsets = {stage: data.subset((stage_col == stage).to_numpy(dtype=bool)) for stage in corpus.config.stage_ids}

    def n_source(sub: TopicInput) -> int:
        return len(np.unique(sub.doc_codes))

    sets, seed_notes = seed_sets(lexicons, index, data.vocabulary, seeded)
    # progress counts fits: every usable K × seed of each modelled stage and of the joint model, and the
    # seeds of the seeded model
    n_fits = len(seeds) * (sum(len(feasible_ks(ks, len(sub.docs), n_source(sub))[0]) for sub in
                               [*(s for s in subsets.values() if len(s.docs) >= MIN_STAGE_ENTRIES), data])
                           + (1 if sets else 0))
    done = [0]

    def fit_say(message: str) -> None:
        if message.endswith("coherence") or "topic shares" in message:  # not a fit
            say(message)
            return
        done[0] += 1
        say(f"{message} (fit {done[0]}/{max(n_fits, done[0])})")

    # (a) one model per stage, in corpus.toml order
    stage_models: list[tuple[str, TopicEstimator]] = []
    for stage, sub in subsets.items():
        if len(sub.docs) < MIN_STAGE_ENTRIES:
            notes.append(f"stage {stage}: {len(sub.docs)} usable entries (fewer than {MIN_STAGE_ENTRIES}); "
                         f"no separate topic model, its entries are only in the joint model")
            continue
        scope = f"stage:{stage}"
        res = sweep(scope, sub.docs, k_range=ks, seeds=seeds, engine=engine, progress=fit_say,
                    n_documents=n_source(sub), concepts=concepts, run=run, sample=sample_for(scope, sub),
                    final_fit=final_fit, all_seed_shares=False, shares_dir=work)
        out["sweep"] += res.rows
        notes += res.notes
        k_by_scope[scope] = res.k
        stage_models.append((stage, res.model))
        _describe(corpus, scope, stage, res.model, res.thetas[0], sub, index, out)
        for theta in res.thetas:
            theta.discard()
        release_memory()
    n_unstaged = int((stage_col == UNSTAGED).sum())
    del subsets
    if not corpus.config.stage_ids:
        notes.append("corpus.toml declares no stages: no per-stage models or alignment, only the joint model")
    elif n_unstaged:
        notes.append(f"{n_unstaged} entries without a stage: not in any per-stage model; in the joint model "
                     f"as stage '{UNSTAGED}'")

    alignment: list[dict[str, Any]] = []
    for (sa, ma), (sb, mb) in pairwise(stage_models):
        sim = topic_similarity(ma.topic_word_, ma.vocabulary_, mb.topic_word_, mb.vocabulary_)
        alignment += align_pair(sa, sb, sim, threshold)
    if stage_models[1:]:
        notes.append(f"alignment: two topics of consecutive stages match when the cosine similarity of their "
                     f"word distributions is at least {threshold:.2f}; one topic may match several (split, "
                     f"merged); 'emerged' means no earlier topic reaches {threshold:.2f}")
    skipped = [s for s in corpus.config.stage_ids if s not in {m[0] for m in stage_models}]
    if skipped and len(stage_models) > 1:
        notes.append(f"alignment runs between consecutive modelled stages; skipped: {', '.join(skipped)}")

    # (b) one joint model with stage as covariate
    groups = sorted_categorical(stage_col)  # the stage of each entry (as codes)
    res = sweep("joint", data.docs, k_range=ks, seeds=seeds, engine=engine, groups=groups, progress=fit_say,
                n_documents=n_source(data), concepts=concepts, run=run, sample=sample_for("joint", data),
                final_fit=final_fit, shares_dir=work)
    out["sweep"] += res.rows
    notes += res.notes
    notes += res.model.engine_notes_
    k_by_scope["joint"] = res.k
    _describe(corpus, "joint", "", res.model, res.thetas[0], data, index, out)
    effects, eff_notes = _effects(corpus, data, res.models, res.thetas, prevalence_by, seed)
    notes += eff_notes
    for theta in res.thetas:
        theta.discard()
    release_memory()  # the effects' per-entry arrays, before the seeded model
    prevalence = _prevalence(effects, res.model.supports_groups)

    # (c) keyword-assisted topics seeded from the codebook
    seeded_out: list[dict[str, Any]] = []
    notes += seed_notes
    if sets:
        n_k = len(sets) + free_topics
        cap = k_cap(len(data.docs), n_source(data))
        if n_k > cap:
            notes.append(f"seeded topics: K = {n_k} ({len(sets)} codebook {sets[0].kind}s + {free_topics} free) is "
                         f"above what {len(data.docs)} entries support (K ≤ {cap}); expect thin, unstable seeded "
                         f"topics, or use --seeded construct")
        say(f"topics: seeded model ({len(sets)} seeded + {free_topics} free topics)")
        # plain LDA (no stage covariate): its prevalence is not reported, and DMR costs more per fit
        sres = sweep("seeded", data.docs, k_range=[n_k], seeds=seeds, engine=engine, progress=fit_say,
                     n_documents=n_source(data), concepts=concepts, seed_words=[s.words for s in sets], run=run,
                     sample=sample_for("seeded", data), final_fit=final_fit, all_seed_shares=False,
                     shares_dir=work)
        out["sweep"] += sres.rows
        notes += sres.notes
        k_by_scope["seeded"] = sres.k
        _describe(corpus, "seeded", "", sres.model, sres.thetas[0], data, index, out)
        for row in out["topics"]:  # a seeded topic's label names its codebook item
            if row["scope"] == "seeded" and row["topic"] <= len(sets):
                row["label"] = f"[{sets[row['topic'] - 1].item}] {row['label']}"
        codes = hand_codes if hand_codes is not None else read_hand_codes(corpus.root)
        # coherence against the entries K was chosen on (the sample's, when sampled); shares of every entry
        reference = as_lists(data.docs, sres.sample)
        seeded_out = seeded_rows(sets, sres.models, reference, corpus.entries["entry_id"], codes,
                                 theta=sres.thetas[0], rows=data.entries["row"].to_numpy())
        del reference
        for theta in sres.thetas:
            theta.discard()
        held = sum(1 for r in seeded_out if r["holds_up"])
        notes.append(f"seeded topics: {held} of {len(sets)} codebook {sets[0].kind}s hold up as topics "
                     f"(coherent, stable across seeds, still led by their terms); {free_topics} free topics "
                     f"show what the codebook does not name"
                     + ("" if codes is not None and not codes.empty else "; no hand codes to compare with"))
    say("topics: done")
    return TopicsResult(
        sweep=_frame(out["sweep"], schema.TOPIC_SWEEP), topics=_frame(out["topics"], schema.TOPICS),
        passages=_frame(out["passages"], schema.TOPIC_PASSAGES),
        alignment=_frame(alignment, schema.TOPIC_ALIGNMENT),
        prevalence=_frame(prevalence, schema.TOPIC_PREVALENCE),
        variables=_frame(out["variables"], schema.TOPIC_VARIABLES),
        effects=_frame(effects, schema.TOPIC_EFFECTS), seeded=_frame(seeded_out, schema.TOPIC_SEEDED),
        engine=engine, k_by_scope=k_by_scope, notes=notes, sweep_samples=samples).check()


def _effects(corpus: Corpus, data: TopicInput, models: Sequence[TopicEstimator], thetas: Sequence[Any],
             prevalence_by: Sequence[str], seed: int) -> tuple[list[dict[str, Any]], list[str]]:
    """topic_effects rows for the default covariates plus `prevalence_by` (unknown columns → a note)."""
    notes: list[str] = []
    ref = models[0]
    aligned = [as_shares(thetas[0])]
    for m, th in zip(models[1:], thetas[1:], strict=True):
        order = match_topics(ref.topic_word_, on_vocab(m, ref.vocabulary_))
        aligned.append(as_shares(th).permuted(order))
    docs_meta = corpus.docs
    cols = list(DEFAULT_COVARIATES)
    for c in prevalence_by:
        c = c.strip()
        if not c or c in cols:
            continue
        if c not in docs_meta.columns:
            notes.append(f"--prevalence-by {c}: no such metadata column (documents.csv has "
                         f"{', '.join(str(x) for x in docs_meta.columns)}); left out")
            continue
        cols.append(c)
    # one column per covariate, categorical (a small code per entry): the lean columns of `data.entries`, an
    # entries column as it is (not also a documents column analyses merge in), else the documents' values
    merged = {"source_type", "stage", "date", "year", "lang", "title", "outlet", *corpus.meta_columns}
    doc_pos = data.doc_codes
    frame = pd.DataFrame(index=pd.RangeIndex(len(data.entries)))
    for c in cols:
        if c in ("stage", "lang", "source_type"):
            frame[c] = data.entries[c].array  # the categorical (a small code per entry), not a label per entry
        elif c in corpus.entries.columns and c not in merged:  # (codes of the whole column: no copy of it)
            codes, uniq = factorize(corpus.entries[c])  # Arrow codes: no str per entry
            frame[c] = pd.Categorical.from_codes(codes[data.entries["row"].to_numpy()], categories=pd.Index(uniq))
        elif c in docs_meta.columns:
            codes, uniq = pd.factorize(docs_meta[c], use_na_sentinel=True)
            codes = np.append(codes, np.full(max(0, int(doc_pos.max(initial=0)) + 1 - len(codes)), -1))
            frame[c] = pd.Categorical.from_codes(codes[doc_pos], categories=pd.Index(uniq))  # missing document: NaN
    present = [c for c in cols if c in frame.columns]
    orders = {"stage": [*corpus.config.stage_ids, UNSTAGED]}
    rows, eff_notes = topic_effects(aligned, data.docs.lengths, frame[present], data.entries["doc_id"],
                                    seed=seed, orders=orders)
    return rows, notes + eff_notes


def _prevalence(effects: list[dict[str, Any]], covariate_model: bool) -> list[dict[str, Any]]:
    """topic_prevalence rows (per stage) from the stage rows of the effects table."""
    prefix = "DMR (stage as covariate); " if covariate_model else ""
    return [{"topic": r["topic"], "stage": r["level"], "mean": r["estimate"], "lo": r["lo"], "hi": r["hi"],
             "method": prefix + r["method"], "n_entries": r["n_entries"], "n_documents": r["n_documents"]}
            for r in effects if r["covariate"] == "stage"]

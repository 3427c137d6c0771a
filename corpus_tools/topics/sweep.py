"""Choose the number of topics: fit a range of K with several seeds; score coherence, stability,
exclusivity and held-out likelihood, each shown, and choose by a score that does not depend on the grid."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from corpus_tools.errors import ConfigError
from corpus_tools.topics.engines import TopicEstimator, fold_in_files, make_estimator, transform_many
from corpus_tools.topics.names import FINAL_FITS
from corpus_tools.topics.quality import (
    TOPN,
    coherence_batch,
    exclusivity,
    heldout_loglik,
    stability,
    unigram_loglik,
)
from corpus_tools.topics.shares import ArrayShares, Shares
from corpus_tools.topics.tokens import as_lists

DEFAULT_K_RANGE = (4, 6, 8, 10, 12, 15)
MIN_DOCS_PER_TOPIC = 5  # a K above n_entries / 5 cannot give every topic some entries of its own
MIN_SOURCE_DOCS_PER_TOPIC = 2  # nor a K above half the number of source documents
HELDOUT_SHARE = 0.1  # entries left out of every fit after the first seed's, for held-out likelihood


@dataclass
class SweepResult:
    """Rows of the sweep table (schema.TOPIC_SWEEP) for one scope, the chosen K and its fitted model."""

    rows: list[dict[str, Any]]
    k: int
    model: TopicEstimator
    notes: list[str] = field(default_factory=list)
    models: list[TopicEstimator] = field(default_factory=list)  # chosen K, one per seed
    # chosen K: topic shares of every entry of the scope, one per seed (only the first seed's when the sweep
    # was asked for `all_seed_shares=False`); thetas[0] goes with `model`, whose own doc_topic_ covers only
    # the entries it was fitted on. Shares read in blocks (a file per model after a fold-in into `shares_dir`)
    thetas: list[Shares] = field(default_factory=list)
    criteria: dict[int, dict[str, float]] = field(default_factory=dict)  # K → mean criteria
    sample: list[int] | None = None  # indices of the entries K was chosen on (None: all entries)


def k_cap(n_entries: int, n_documents: int | None = None) -> int:
    """Largest K a corpus of this size supports: entries / 5, √entries, and source documents / 2 (at least 2)."""
    cap = min(n_entries // MIN_DOCS_PER_TOPIC, math.isqrt(max(n_entries, 0)))
    if n_documents:
        cap = min(cap, n_documents // MIN_SOURCE_DOCS_PER_TOPIC)
    return max(2, cap)


def feasible_ks(k_range: Sequence[int], n_docs: int, n_documents: int | None = None,
                min_k: int = 2) -> tuple[list[int], list[int]]:
    """(usable K values, dropped ones): K between min_k and `k_cap`; none usable → the nearest one."""
    cap = max(min_k, k_cap(n_docs, n_documents))
    ks = sorted({int(k) for k in k_range})
    usable = [k for k in ks if min_k <= k <= cap]
    dropped = [k for k in ks if k not in usable]
    if not usable:
        usable = [min(cap, max(min_k, ks[0] if ks else min_k))]
    return usable, dropped


def parse_k_range(spec: str) -> list[int]:
    """K values from "4,6,8", "4-12" (every K) or "4-12:2" (step 2); ConfigError when malformed."""
    out: list[int] = []
    try:
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            if "-" in part:
                rng, _, step = part.partition(":")
                lo, hi = (int(x) for x in rng.split("-", 1))
                out.extend(range(lo, hi + 1, int(step) if step else 1))
            else:
                out.append(int(part))
    except ValueError as exc:
        raise ConfigError(f"cannot read topic numbers {spec!r}", hint="write e.g. 4,6,8 or 4-12 or 4-16:2") from exc
    if not out or min(out) < 2:
        raise ConfigError(f"topic numbers {spec!r} must be at least 2", hint="write e.g. 4,6,8 or 4-12")
    return sorted(set(out))


def criteria_score(c: dict[str, float]) -> float:
    """One K's score from its own measurements on fixed scales, so adding or removing other K values from
    the grid never changes which of two K is preferred: the mean of (c_npmi + 1) / 2, stability,
    exclusivity and held-out gain (1 − model perplexity / unigram perplexity, clipped to 0–1); a criterion
    that could not be measured (nan) is left out of the mean."""
    parts = []
    if not math.isnan(c.get("c_npmi", math.nan)):
        parts.append((c["c_npmi"] + 1) / 2)
    for name in ("stability", "exclusivity"):
        if not math.isnan(c.get(name, math.nan)):
            parts.append(c[name])
    if not math.isnan(c.get("heldout_gain", math.nan)):
        parts.append(min(1.0, max(0.0, c["heldout_gain"])))
    return sum(parts) / len(parts) if parts else 0.0


def choose_k(by_k: dict[int, dict[str, float]]) -> int:
    """The K with the best `criteria_score` (the smaller K on ties)."""
    best_k, best = min(by_k), -math.inf
    for k in sorted(by_k):
        score = criteria_score(by_k[k])
        if score > best + 1e-9:
            best_k, best = k, score
    return best_k


def _mean(xs: list[float]) -> float:
    finite = [x for x in xs if not math.isnan(x)]
    return sum(finite) / len(finite) if finite else math.nan


def _heldout_split(n_docs: int, seed: int, share: float) -> list[int]:
    """Indices of the entries held out from one seed's fit (none when too few entries)."""
    n_out = int(n_docs * share)
    if n_out < 5:
        return []
    return sorted(random.Random(seed).sample(range(n_docs), n_out))


@dataclass(frozen=True)
class SweepData:
    """What every fit of one sweep shares (sent once to each worker process)."""

    docs: Sequence[Sequence[str]]
    groups: Sequence[str] | None
    engine: str
    iterations: int
    concepts: Any
    seed_words: Sequence[Sequence[str]] | None
    heldout_share: float


def fit_one(data: SweepData, task: tuple[int, int, int, bool]) -> tuple[TopicEstimator, list[list[str]], Any, Any,
                                                                         dict[str, Any]]:
    """One fit of a sweep (K, seed position, seed, whether to return the documents): (model, top units, the
    quality view's documents (the same for every fit: returned once) or None, topic shares of every entry, its
    sweep-row measurements). The task each worker runs."""
    k, i, s, want_units = task
    docs, groups = data.docs, data.groups
    out = _heldout_split(len(docs), s, data.heldout_share) if i > 0 else []
    out_set = set(out)
    train = [d for j, d in enumerate(docs) if j not in out_set]
    tgroups = [g for j, g in enumerate(groups) if j not in out_set] if groups is not None else None
    m = make_estimator(data.engine, k, s, iterations=data.iterations, concepts=data.concepts,
                       seed_words=data.seed_words).fit(train, tgroups)
    tops, units = m.quality_view(docs, TOPN)  # units: the same documents for every fit
    ll = ll_uni = math.nan
    if out:
        held = [docs[j] for j in out]
        ll, _n = heldout_loglik(m.topic_word_, m.vocabulary_, held)
        ll_uni = unigram_loglik(train, held)
        theta = np.zeros((len(docs), k))
        theta[[j for j in range(len(docs)) if j not in out_set]] = m.doc_topic_
        theta[out] = m.transform(held, [groups[j] for j in out] if groups is not None else None)
    else:
        theta = m.doc_topic_
    row = {"exclusivity": exclusivity(m.topic_word_), "heldout_ll": ll,
           "heldout_gain": (1 - math.exp(ll_uni - ll)) if not math.isnan(ll) else math.nan}
    return m, tops, units if want_units else None, theta, row


Runner = Callable[[Callable[[Any, Any], Any], Any, Sequence[Any]], list[Any]]  # run(fn, shared, parts)


def sweep(scope: str, docs: Sequence[Sequence[str]], *, k_range: Sequence[int], seeds: Sequence[int],
          engine: str, groups: Sequence[str] | None = None, iterations: int = 200,
          progress: Callable[[str], None] | None = None, n_documents: int | None = None,
          concepts: Any = None, seed_words: Sequence[Sequence[str]] | None = None,
          heldout_share: float = HELDOUT_SHARE, run: Runner | None = None,
          sample: Sequence[int] | None = None, final_fit: str = "sample",
          all_seed_shares: bool = True, shares_dir: str | Path | None = None) -> SweepResult:
    """Fit every K × seed, score each fit, choose K; the chosen model is the one with the first seed.

    The first seed's model is fitted on every entry (it is the reported one); every further seed's model
    leaves out a random `heldout_share` of the entries and scores them by document completion, so held-out
    likelihood costs no extra fits (stability then also covers that small change of data). With
    `seed_words`, K counts the seeded topics too (at least one free topic) and is not capped by corpus size.
    `progress` is called once before each fit (so a caller can count fits against `feasible_ks`) and once
    before the scope's coherence. `run` maps the fits (scoring.parallel.run_tasks on worker processes); each
    fit is seeded, so the result is the same however they run. With `sample` (indices of `docs`, e.g.
    topics.sample.stratified_sample), K is chosen on those entries; with `final_fit` "sample" (the default)
    the reported models are the chosen K's fits on the sample, one per seed, and the topic shares of every
    entry of the scope (the sample's too, so all come from one estimator) are inferred with their topics held
    fixed (`transform_many`, a vectorised fold-in: under a minute per million entries and model, where
    refitting takes an hour or more); with "all" the chosen K is fitted again on all entries with every seed
    (no held-out part).
    Either way `thetas` cover every entry; `all_seed_shares=False` computes them for the first seed only
    (enough where only the reported model's shares are used). `docs` may be TokenDocs (topics.tokens): word
    lists are built only for the entries the fits use; with `shares_dir` the fold-in writes the shares of every
    entry to files there (topics.shares.FileShares), else they are arrays."""
    if final_fit not in FINAL_FITS:
        raise ConfigError(f"unknown final fit {final_fit!r}", hint=f"choose one of {', '.join(FINAL_FITS)}")
    full_docs, full_groups = docs, groups
    sampled = sample is not None and len(sample) < len(docs)
    if sampled:
        assert sample is not None
        docs = as_lists(full_docs, sample)
        groups = [full_groups[i] for i in sample] if full_groups is not None else None
    else:
        docs = as_lists(full_docs)
        groups = list(full_groups) if full_groups is not None else None

    say = progress or (lambda _m: None)
    n_seeded = len(seed_words or [])
    dropped: list[int] = []
    if n_seeded:  # K is the codebook's items plus the free topics asked for: not capped (run_topics notes it)
        ks = sorted({max(int(k), n_seeded + 1) for k in k_range})
    else:
        ks, dropped = feasible_ks(k_range, len(docs), n_documents)
    notes = []
    if dropped:
        notes.append(f"{scope}: K = {', '.join(map(str, dropped))} left out of the sweep "
                     f"({len(docs)} entries{f' in {n_documents} documents' if n_documents else ''} allow "
                     f"K = {ks[0]}–{k_cap(len(docs), n_documents)})")
    rows: list[dict[str, Any]] = []
    models: dict[tuple[int, int], TopicEstimator] = {}
    thetas: dict[tuple[int, int], Any] = {}
    tops: dict[tuple[int, int], list[list[str]]] = {}
    units: list[list[str]] = []
    data = SweepData(docs, groups, engine, iterations, concepts, seed_words, heldout_share)
    tasks = [(k, i, s, n == 0) for n, (k, (i, s)) in enumerate((k, x) for k in ks for x in enumerate(seeds))]
    if run is None:
        fits = []
        for task in tasks:
            say(f"topics {scope}: K={task[0]}, seed {task[2]}")
            fits.append(fit_one(data, task))
    else:
        for task in tasks:
            say(f"topics {scope}: K={task[0]}, seed {task[2]}")
        fits = run(fit_one, data, tasks)
    for (k, _i, s, _w), (m, top, view, theta, measured) in zip(tasks, fits, strict=True):
        models[(k, s)], tops[(k, s)], thetas[(k, s)] = m, top, theta
        if view is not None:
            units = view
        rows.append({"scope": scope, "k": k, "seed": s, **measured})
    # coherence of every fit at once: the reference corpus is counted once per scope, not once per fit
    say(f"topics {scope}: coherence")
    keys = [(int(r["k"]), int(r["seed"])) for r in rows]
    for r, (c_npmi, c_v) in zip(rows, coherence_batch([tops[key] for key in keys], units), strict=True):
        r["c_npmi"], r["c_v"] = c_npmi, c_v
    by_k: dict[int, dict[str, float]] = {}
    for k in ks:
        kr = [r for r in rows if r["k"] == k]
        stab = stability([tops[(k, s)] for s in seeds])
        crit = {"c_npmi": _mean([r["c_npmi"] for r in kr]), "c_v": _mean([r["c_v"] for r in kr]),
                "stability": stab, "exclusivity": _mean([r["exclusivity"] for r in kr]),
                "heldout_gain": _mean([r["heldout_gain"] for r in kr])}
        by_k[k] = crit
        for r in kr:
            r["stability"] = stab
            r["score"] = criteria_score(crit)
    chosen = choose_k(by_k) if len(ks) > 1 else ks[0]
    for r in rows:
        r["chosen"] = r["k"] == chosen
    if sampled and final_fit == "sample":  # the sample's fits; every entry's shares with their topics fixed
        used = seeds if all_seed_shares else seeds[:1]
        say(f"topics {scope}: K={chosen}: topic shares of all {len(full_docs)} entries ({len(used)} "
            f"model{'s' if len(used) > 1 else ''})")
        chosen_models = [models[(chosen, s)] for s in used]
        shares: list[Any] = (fold_in_files(chosen_models, full_docs, full_groups, shares_dir, run=run)
                             if shares_dir is not None else
                             transform_many(chosen_models, full_docs, full_groups, run=run))
        for s, theta in zip(used, shares, strict=True):
            thetas[(chosen, s)] = theta
        notes.append(f"{scope}: K chosen and topics fitted on a stratified sample of {len(docs)} of "
                     f"{len(full_docs)} entries; the topic shares of all {len(full_docs)} entries (the sample's "
                     f"too) inferred with the topics held fixed (fold-in)")
    elif sampled:  # the chosen K on every entry, one model per seed
        full = SweepData(as_lists(full_docs), list(full_groups) if full_groups is not None else None, engine,
                         iterations, concepts, seed_words, heldout_share)
        final_tasks = [(chosen, 0, s, False) for s in seeds]
        for s in seeds:
            say(f"topics {scope}: K={chosen}, seed {s}, all {len(full_docs)} entries")
        finals = run(fit_one, full, final_tasks) if run is not None else [fit_one(full, t) for t in final_tasks]
        for s, (m, _top, _view, theta, _m) in zip(seeds, finals, strict=True):
            models[(chosen, s)], thetas[(chosen, s)] = m, theta
        notes.append(f"{scope}: K chosen on a stratified sample of {len(docs)} of {len(full_docs)} entries; the "
                     f"reported model (K = {chosen}) is fitted on all {len(full_docs)} entries")
    if all(not math.isnan(c["c_npmi"]) and c["c_npmi"] < 0 for c in by_k.values()):
        notes.append(f"{scope}: coherence (c_npmi) is negative at every K: too little text for topics at this "
                     f"level; read its topics as rough groupings, not themes")
    share_seeds = seeds if all_seed_shares or not (sampled and final_fit == "sample") else seeds[:1]
    return SweepResult(rows, chosen, models[(chosen, seeds[0])], notes,
                       models=[models[(chosen, s)] for s in seeds],
                       thetas=[t if isinstance(t, Shares) else ArrayShares(t)
                               for t in (thetas[(chosen, s)] for s in share_seeds)], criteria=by_k,
                       sample=list(sample) if sampled and sample is not None else None)

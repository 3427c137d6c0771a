"""Choose the number of topics: fit a range of K with several seeds, score coherence and stability."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from corpus_tools.errors import ConfigError
from corpus_tools.topics.engines import TopicEstimator, make_estimator
from corpus_tools.topics.quality import TOPN, coherence, stability

DEFAULT_K_RANGE = (4, 6, 8, 10, 12, 15)
MIN_DOCS_PER_TOPIC = 5  # a K above n_entries / 5 cannot give every topic some entries of its own


@dataclass
class SweepResult:
    """Rows of the sweep table (schema.TOPIC_SWEEP) for one scope, the chosen K and its fitted model."""

    rows: list[dict[str, Any]]
    k: int
    model: TopicEstimator
    notes: list[str] = field(default_factory=list)


def feasible_ks(k_range: Sequence[int], n_docs: int) -> tuple[list[int], list[int]]:
    """(usable K values, dropped ones): K must be at least 2 and at most n_docs / MIN_DOCS_PER_TOPIC."""
    cap = max(2, n_docs // MIN_DOCS_PER_TOPIC)
    ks = sorted({int(k) for k in k_range})
    usable = [k for k in ks if 2 <= k <= cap]
    dropped = [k for k in ks if k not in usable]
    if not usable:
        usable = [min(cap, max(2, ks[0] if ks else 2))]
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


def _rescale(values: list[float]) -> list[float]:
    """Min-max rescale to [0, 1] ignoring nan; a constant criterion gives every K the same score."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return [math.nan] * len(values)
    lo, hi = min(finite), max(finite)
    return [math.nan if math.isnan(v) else (1.0 if hi == lo else (v - lo) / (hi - lo)) for v in values]


def choose_k(by_k: dict[int, dict[str, float]]) -> int:
    """The K with the best mean of rescaled c_npmi, c_v and stability (the smaller K on ties)."""
    ks = sorted(by_k)
    crit = [_rescale([by_k[k][c] for k in ks]) for c in ("c_npmi", "c_v", "stability")]
    best_k, best = ks[0], -math.inf
    for i, k in enumerate(ks):
        vals = [c[i] for c in crit if not math.isnan(c[i])]
        score = sum(vals) / len(vals) if vals else 0.0
        if score > best + 1e-12:
            best_k, best = k, score
    return best_k


def _mean(xs: list[float]) -> float:
    finite = [x for x in xs if not math.isnan(x)]
    return sum(finite) / len(finite) if finite else math.nan


def sweep(scope: str, docs: Sequence[Sequence[str]], *, k_range: Sequence[int], seeds: Sequence[int],
          engine: str, groups: Sequence[str] | None = None, iterations: int = 200,
          progress: Callable[[str], None] | None = None) -> SweepResult:
    """Fit every K × seed, score each fit, choose K; the chosen model is the one with the first seed.

    `progress` is called once before each fit (so a caller can count fits against `feasible_ks`)."""
    say = progress or (lambda _m: None)
    ks, dropped = feasible_ks(k_range, len(docs))
    notes = []
    if dropped:
        notes.append(f"{scope}: K = {', '.join(map(str, dropped))} left out of the sweep "
                     f"({len(docs)} entries allow at most K = {max(2, len(docs) // MIN_DOCS_PER_TOPIC)})")
    rows: list[dict[str, Any]] = []
    models: dict[tuple[int, int], TopicEstimator] = {}
    by_k: dict[int, dict[str, float]] = {}
    for k in ks:
        tops = []
        scores = []
        for s in seeds:
            say(f"topics {scope}: K={k}, seed {s}")
            m = make_estimator(engine, k, s, iterations=iterations).fit(docs, groups)
            models[(k, s)] = m
            top = m.top_words(TOPN)
            tops.append(top)
            scores.append(coherence(top, docs))
            rows.append({"scope": scope, "k": k, "seed": s, "c_npmi": scores[-1][0], "c_v": scores[-1][1]})
        stab = stability(tops)
        for r in rows[-len(seeds):]:
            r["stability"] = stab
        by_k[k] = {"c_npmi": _mean([x[0] for x in scores]), "c_v": _mean([x[1] for x in scores]),
                   "stability": stab}
    chosen = choose_k(by_k) if len(ks) > 1 else ks[0]
    for r in rows:
        r["chosen"] = r["k"] == chosen
    return SweepResult(rows, chosen, models[(chosen, seeds[0])], notes)

"""Covariate effects on topic prevalence with the method of composition (as STM's `estimateEffect`).

Roberts, Stewart & Tingley (2019, "stm: An R package for structural topic models", J. Stat. Softw. 91(2))
estimate how topic prevalence varies with document metadata by regressing topic shares on covariates many
times, each time on a fresh draw of the topic shares from their approximate posterior, and pooling the
coefficient draws ("method of composition", Tanner 1996). Here the covariate is categorical (stage,
source type, language, year, any metadata column), so the regression's coefficients are the level means:
for every posterior draw of θ the level mean is drawn from its sampling distribution (normal, with a
cluster-robust variance over source documents, since paragraphs of one document are not independent),
and the interval is the 2.5–97.5 % range of all draws. Draws come from every seed's model (topics matched to
the reported model's), so the interval includes the uncertainty of the topic shares within a model
(Dirichlet(θ_d · n_d + α) per entry) and between seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

DRAWS_PER_SEED = 100
# entry × share draws per seed: above this (about 100,000 entries at 100 draws) fewer draws of the entries'
# topic shares are made per seed (at least MIN_SHARE_DRAWS), each with several draws of the level means'
# sampling error, so the intervals still pool at least DRAWS_PER_SEED draws per seed. Drawing every entry's
# shares (a gamma variate per entry and topic) was the cost: about 100 s per seed at a million entries.
ENTRY_DRAWS_PER_SEED = 10_000_000
MIN_SHARE_DRAWS = 10
LEVEL = 0.95
MAX_LEVELS = 40  # a covariate with more distinct values is not categorical (ids, free text)
MISSING = "(missing)"


@dataclass
class _Covariate:
    """One categorical covariate: its levels in order, and per level a sparse sum over its document clusters
    (clusters × all entries: row c adds up the entries of cluster c), the entries per cluster, and n."""

    order: list[str]
    sums: list[Any] = field(default_factory=list)
    sizes: list[Any] = field(default_factory=list)
    n_documents: list[int] = field(default_factory=list)
    n_entries: list[int] = field(default_factory=list)


def match_topics(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Column order putting `other`'s topics (k × V over the same vocabulary) in `reference`'s order."""
    from scipy.optimize import linear_sum_assignment

    def unit(m: np.ndarray) -> np.ndarray:
        n = np.linalg.norm(m, axis=1, keepdims=True)
        n[n == 0] = 1.0
        return m / n

    sim = unit(reference) @ unit(other).T
    _rows, cols = linear_sum_assignment(-sim)
    return np.asarray(cols)


def covariate_levels(values: Sequence[Any]) -> tuple[list[str], list[str]]:
    """(level of each entry as text, level order): missing values become '(missing)'; years sort as numbers."""
    out = []
    for v in values:
        if v is None or bool(pd.isna(v)) or str(v).strip() == "":
            out.append(MISSING)
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    uniq = sorted(set(out) - {MISSING}, key=lambda x: (0, float(x)) if _is_number(x) else (1, x))
    return out, uniq + ([MISSING] if MISSING in out else [])


def _is_number(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True


def share_draws(n_entries: int, draws_per_seed: int = DRAWS_PER_SEED,
                entry_draws: int = ENTRY_DRAWS_PER_SEED) -> tuple[int, int]:
    """(draws of every entry's topic shares per seed, sampling-error draws per share draw): all
    `draws_per_seed` share draws while n_entries × draws stays within `entry_draws`, else fewer (at least
    MIN_SHARE_DRAWS) with enough sampling-error draws each that their product is at least `draws_per_seed`."""
    shares = min(draws_per_seed, max(MIN_SHARE_DRAWS, entry_draws // max(n_entries, 1)))
    return shares, -(-draws_per_seed // shares)


def topic_effects(thetas: Sequence[np.ndarray], lengths: Sequence[int], covariates: pd.DataFrame,
                  doc_ids: Sequence[str], *, alpha: float = 0.1, draws_per_seed: int = DRAWS_PER_SEED,
                  level: float = LEVEL, seed: int = 0,
                  orders: dict[str, list[str]] | None = None,
                  keep_single: Sequence[str] = ("stage",),
                  entry_draws: int = ENTRY_DRAWS_PER_SEED) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows of schema.TOPIC_EFFECTS for every column of `covariates` (one row per entry), and notes.

    `thetas`: one (n_entries × k) topic-share matrix per seed, topics already in one order; `lengths`:
    tokens per entry (how sure each entry's shares are); `orders`: level order per covariate (else sorted);
    covariates in `keep_single` are reported even with one level (stage prevalence of an unstaged corpus).
    Above `entry_draws` entries × draws per seed, fewer share draws with several sampling-error draws each
    (`share_draws`; the method column says so)."""
    from scipy.sparse import csr_matrix

    rng = np.random.default_rng(seed)
    lengths_a = np.asarray(lengths, dtype=float)[:, None]
    docs_a = np.asarray([str(d) for d in doc_ids])
    k = thetas[0].shape[1]
    tail = (1 - level) / 2
    notes: list[str] = []
    groups: dict[str, _Covariate] = {}
    for cov in covariates.columns:
        labels, order = covariate_levels(list(covariates[cov]))
        if orders and cov in orders:
            order = [x for x in orders[cov] if x in set(labels)] + [x for x in order if x not in orders[cov]]
        if len(order) > MAX_LEVELS:
            notes.append(f"covariate {cov!r} has {len(order)} distinct values (more than {MAX_LEVELS}): not "
                         f"categorical, left out of topic_effects")
            continue
        if len(order) < 2 and not (order and cov in keep_single):
            notes.append(f"covariate {cov!r} has a single value ({order[0] if order else 'none'}): no effect "
                         f"to estimate, left out of topic_effects")
            continue
        lab = np.asarray(labels)
        c = _Covariate(order)
        for lv in order:
            where = np.flatnonzero(lab == lv)
            uniq, inv = np.unique(docs_a[where], return_inverse=True)
            c.sums.append(csr_matrix((np.ones(len(where)), (inv, where)), shape=(len(uniq), len(lab))))
            c.sizes.append(np.bincount(inv, minlength=len(uniq)).astype(float)[:, None])
            c.n_documents.append(len(uniq))
            c.n_entries.append(len(where))
        groups[str(cov)] = c
    draws: dict[str, list[np.ndarray]] = {cov: [] for cov in groups}
    n_shares, n_errors = share_draws(len(docs_a), draws_per_seed, entry_draws)
    for theta in thetas:
        conc = np.asarray(theta, dtype=float) * lengths_a + alpha
        for _ in range(n_shares):
            g = rng.gamma(conc)
            th = g / g.sum(axis=1, keepdims=True)
            for cov, c in groups.items():
                out = np.empty((n_errors, len(c.order), k))
                for li, summed in enumerate(c.sums):
                    per_cluster = summed @ th  # sparse sums over each document's entries of the level
                    n_x, n_cl = c.n_entries[li], c.n_documents[li]
                    mean = per_cluster.sum(axis=0) / n_x
                    if n_cl > 1:  # Σ_{i in cluster} (x_i − mean) = cluster sum − cluster size · mean
                        resid = per_cluster - c.sizes[li] * mean
                        var = (resid ** 2).sum(axis=0) / n_x ** 2 * n_cl / (n_cl - 1)
                        out[:, li] = mean + rng.standard_normal((n_errors, k)) * np.sqrt(var)
                    else:
                        out[:, li] = mean
                draws[cov].extend(out)
    rows: list[dict[str, Any]] = []
    n_seeds = len(thetas)
    per = (f"{n_shares} posterior draws of the topic shares" if n_errors == 1 else
           f"{n_shares} posterior draws of the topic shares (fewer for {len(docs_a)} entries) with "
           f"{n_errors} sampling-error draws each")
    method = (f"method of composition: {per} × {n_seeds} "
              f"seed{'s' if n_seeds != 1 else ''}, level means with document-clustered sampling error, "
              f"{level:.0%} interval")
    for cov, c in groups.items():
        arr = np.stack(draws[cov])  # draws × levels × k
        est = arr.mean(axis=0)
        lo, hi = np.quantile(arr, [tail, 1 - tail], axis=0)
        for t in range(k):
            for li, lv in enumerate(c.order):
                rows.append({"topic": t + 1, "covariate": cov, "level": lv, "estimate": float(est[li, t]),
                             "lo": float(lo[li, t]), "hi": float(hi[li, t]), "n_entries": c.n_entries[li],
                             "n_documents": c.n_documents[li], "method": method})
    return rows, notes

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
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools.topics import shares as shares_module
from corpus_tools.topics.shares import as_shares

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
    """One categorical covariate: its levels in order and per level the rows of its document clusters (its
    documents, in document-id order) in a table of cluster sums, the entries per cluster, and n. A covariate of
    documents (one level per document) reads the documents' sums, which every such covariate shares; one that
    varies within documents has sums of its own (`cluster`: each entry's row there)."""

    order: list[str]
    rows: list[Any] = field(default_factory=list)
    sizes: list[Any] = field(default_factory=list)
    n_documents: list[int] = field(default_factory=list)
    n_entries: list[int] = field(default_factory=list)
    cluster: Any = None  # None: a covariate of documents
    blocks: list[tuple[Any, Any]] = field(default_factory=list)  # per entry block: (its clusters, sparse sums)


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
    out = [_label(v) for v in values]
    uniq = sorted(set(out) - {MISSING}, key=lambda x: (0, float(x)) if _is_number(x) else (1, x))
    return out, uniq + ([MISSING] if MISSING in out else [])


def level_codes(values: Any) -> tuple[np.ndarray, list[str]]:
    """(each entry's position in the level order, level order): `covariate_levels` from the distinct values
    (a categorical or string column costs one small integer per entry, not a label)."""
    codes, uniq = pd.factorize(pd.Series(values) if not isinstance(values, pd.Series) else values,
                               use_na_sentinel=True)
    labels = [_label(u) for u in uniq]
    present = set(labels) | ({MISSING} if (codes < 0).any() else set())
    order = sorted(present - {MISSING}, key=lambda x: (0, float(x)) if _is_number(x) else (1, x))
    order += [MISSING] if MISSING in present else []
    pos = {x: j for j, x in enumerate(order)}
    table = np.asarray([pos[x] for x in labels] + [pos.get(MISSING, -1)], dtype=np.int64)
    return table[np.where(codes < 0, len(labels), codes)], order


def _label(v: Any) -> str:
    if v is None or bool(pd.isna(v)) or str(v).strip() == "":
        return MISSING
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


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


def doc_ranks(doc_ids: Any) -> np.ndarray:
    """Each entry's document as its rank among the distinct document ids in text order (the order clusters are
    summed in); a pandas Categorical or categorical Series ranks its categories only."""
    values = doc_ids.array if isinstance(doc_ids, pd.Series) else doc_ids
    if isinstance(values, pd.Categorical):
        cats = np.asarray([str(c) for c in values.categories], dtype=str)
        rank = np.empty(len(cats), dtype=np.int64)
        rank[np.argsort(cats, kind="stable")] = np.arange(len(cats))
        return rank[np.asarray(values.codes)]
    codes, uniq = pd.factorize(pd.Series(values, dtype=object).astype(str))
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(np.asarray(uniq, dtype=str), kind="stable")] = np.arange(len(uniq))
    return rank[codes]


def _blocks(doc: np.ndarray, rows: int) -> tuple[list[tuple[int, int]], bool]:
    """Blocks of about `rows` entries that start where a document starts, and whether every document's entries
    are consecutive (then no document is split between blocks)."""
    n = len(doc)
    starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]]) if n else np.zeros(0, dtype=np.int64)
    if len(starts) != len(np.unique(doc)):
        return [(a, min(a + rows, n)) for a in range(0, n, rows)], False
    bounds = [0]
    while bounds[-1] < n:
        j = int(np.searchsorted(starts, bounds[-1] + rows))
        bounds.append(int(starts[j]) if j < len(starts) else n)
    return list(pairwise(bounds)), True


def _block_sums(cluster: np.ndarray, ones: np.ndarray) -> tuple[np.ndarray, Any]:
    """(the clusters of a block's entries, sorted; the sparse matrix adding up each one's entries in entry
    order): the rows of `per-level sums @ shares` for those clusters, computed the same way."""
    from scipy.sparse import csr_matrix

    order = np.argsort(cluster, kind="stable")
    sorted_cl = cluster[order]
    starts = np.flatnonzero(np.r_[True, sorted_cl[1:] != sorted_cl[:-1]]) if len(cluster) else np.zeros(0, int)
    indptr = np.r_[starts, len(cluster)].astype(np.int32)
    mat = csr_matrix((ones[:len(cluster)], order.astype(np.int32), indptr), shape=(len(starts), len(cluster)))
    return sorted_cl[starts], mat


def topic_effects(thetas: Sequence[Any], lengths: Sequence[int] | np.ndarray, covariates: pd.DataFrame,
                  doc_ids: Any, *, alpha: float = 0.1, draws_per_seed: int = DRAWS_PER_SEED,
                  level: float = LEVEL, seed: int = 0,
                  orders: dict[str, list[str]] | None = None,
                  keep_single: Sequence[str] = ("stage",),
                  entry_draws: int = ENTRY_DRAWS_PER_SEED,
                  block_rows: int | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows of schema.TOPIC_EFFECTS for every column of `covariates` (one row per entry), and notes.

    `thetas`: one (n_entries × k) topic-share matrix per seed, topics already in one order (arrays or
    topics.shares.Shares: read `block_rows` entries at a time (default: shares.READ_CELLS shares' worth, at most
    shares.BLOCK_ROWS), so memory is bounded by a block and the documents, not by the entries); `lengths`: tokens
    per entry (how sure each entry's shares are); `doc_ids`: each entry's document (clusters); `orders`: level
    order per covariate (else sorted); covariates in `keep_single` are reported even with one level (stage
    prevalence of an unstaged corpus).
    Above `entry_draws` entries × draws per seed, fewer share draws with several sampling-error draws each
    (`share_draws`; the method column says so). The random draws are taken in the same order as for the whole
    matrix at once and every sum is added up in the same order, so the numbers do not depend on `block_rows`."""
    rng = np.random.default_rng(seed)
    shares = [as_shares(t) for t in thetas]
    lengths_a = np.asarray(lengths, dtype=float)[:, None]
    doc = doc_ranks(doc_ids)
    n, k = len(doc), shares[0].k
    tail = (1 - level) / 2
    notes: list[str] = []
    n_docs = int(doc.max()) + 1 if n else 0
    # a block's shares and its draws (gamma, normalised) are k floats per entry each: bounded by READ_CELLS
    # shares (2 MB), as Shares.blocks reads, not 65,536 rows (11.5 MB a copy at k = 22, four copies at once)
    default_rows = min(shares_module.BLOCK_ROWS, shares_module.READ_CELLS // max(k, 1))
    spans, whole_docs = _blocks(doc, max(1, block_rows or default_rows))
    ones = np.ones(max((b - a for a, b in spans), default=0))
    codes = np.zeros(0, dtype=np.int64)
    groups: dict[str, _Covariate] = {}
    for cov in covariates.columns:
        codes, order = level_codes(covariates[cov])
        if orders and cov in orders:
            new = [x for x in orders[cov] if x in set(order)] + [x for x in order if x not in orders[cov]]
            remap = np.asarray([new.index(x) for x in order], dtype=np.int64)
            codes, order = remap[codes], new
        if len(order) > MAX_LEVELS:
            notes.append(f"covariate {cov!r} has {len(order)} distinct values (more than {MAX_LEVELS}): not "
                         f"categorical, left out of topic_effects")
            continue
        if len(order) < 2 and not (order and cov in keep_single):
            notes.append(f"covariate {cov!r} has a single value ({order[0] if order else 'none'}): no effect "
                         f"to estimate, left out of topic_effects")
            continue
        c = _Covariate(order)
        level_of_doc = np.full(n_docs, -1, dtype=np.int64)
        level_of_doc[doc] = codes
        per_doc = bool((level_of_doc[doc] == codes).all())  # one level per document
        cluster = None if per_doc else np.empty(n, dtype=np.int64)
        n_clusters = 0
        for li in range(len(order)):
            where = np.flatnonzero(codes == li)
            uniq, inv = np.unique(doc[where], return_inverse=True)
            if cluster is None:
                c.rows.append(uniq)
            else:
                cluster[where] = n_clusters + inv
                c.rows.append(np.arange(n_clusters, n_clusters + len(uniq)))
                n_clusters += len(uniq)
            c.sizes.append(np.bincount(inv, minlength=len(uniq)).astype(float)[:, None])
            c.n_documents.append(len(uniq))
            c.n_entries.append(len(where))
        if cluster is not None:
            c.cluster = cluster
            if whole_docs:  # a document's clusters lie in one block: each block's sums are the whole ones
                c.blocks = [_block_sums(cluster[a:b], ones) for a, b in spans]
        groups[str(cov)] = c
    del codes
    # the sums of each document's entries (shared by the covariates of documents) and of each cluster of the
    # other covariates, for one draw of every entry's shares
    doc_blocks = [_block_sums(doc[a:b], ones) for a, b in spans] if whole_docs else []
    doc_sums = np.zeros((n_docs, k))
    sums = {cov: np.zeros((int(c.rows[-1][-1]) + 1 if c.rows and len(c.rows[-1]) else 0, k))
            for cov, c in groups.items() if c.cluster is not None}
    draws: dict[str, list[np.ndarray]] = {cov: [] for cov in groups}
    n_shares, n_errors = share_draws(n, draws_per_seed, entry_draws)
    for theta in shares:
        for _ in range(n_shares):
            if not whole_docs:
                doc_sums[:] = 0.0
                for s in sums.values():
                    s[:] = 0.0
            for bi, (a, b) in enumerate(spans):
                conc = np.asarray(theta.block(a, b), dtype=float) * lengths_a[a:b]
                conc += alpha  # in place: the same sums, one block-sized array fewer
                g = rng.gamma(conc)  # the generator's stream in row order, as for the whole matrix
                del conc
                g /= g.sum(axis=1, keepdims=True)  # in place: the same quotients
                th = g
                if whole_docs:
                    where, mat = doc_blocks[bi]
                    doc_sums[where] = mat @ th
                else:  # unbuffered, in entry order: the same sums as the sparse product
                    np.add.at(doc_sums, doc[a:b], th)
                for cov, table in sums.items():
                    c = groups[cov]
                    if whole_docs:
                        where, mat = c.blocks[bi]
                        table[where] = mat @ th
                    else:
                        np.add.at(table, c.cluster[a:b], th)
            for cov, c in groups.items():
                table = doc_sums if c.cluster is None else sums[cov]
                out = np.empty((n_errors, len(c.order), k))
                for li in range(len(c.order)):
                    per_cluster = table[c.rows[li]]
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
    n_seeds = len(shares)
    per = (f"{n_shares} posterior draws of the topic shares" if n_errors == 1 else
           f"{n_shares} posterior draws of the topic shares (fewer for {n} entries) with "
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

"""Stage (or source) comparisons: chi-square with a document-level permutation test, Cramér's V, and
per-item rate differences with bootstrap intervals and permutation p-values, Holm- and BH-adjusted over the
whole family by `adjust_family` (holm is re-exported from framing.multiplicity)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.framing.matrix import DocMatrix, block_size, bootstrap_sums, interval, ratio, rng_for
from corpus_tools.framing.multiplicity import bh, holm

__all__ = ["adjust_family", "chi2_stat", "compare_groups", "cramers_v", "holm", "omnibus_test",
           "pair_differences"]



def chi2_stat(table: np.ndarray) -> float:
    """Pearson's chi-square statistic of a contingency table (cells with zero expectation skipped)."""
    n = table.sum()
    if n <= 0:
        return 0.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    ok = expected > 0
    return float((((table - expected) ** 2)[ok] / expected[ok]).sum())


def cramers_v(chi2: float, n: float, shape: tuple[int, int]) -> float:
    """Cramér's V = sqrt(chi2 / (n * (min(r, c) - 1))): 0 = same profile in every group, 1 = disjoint."""
    k = min(shape) - 1
    return float((chi2 / (n * k)) ** 0.5) if n > 0 and k > 0 else float("nan")


def _group_table(codes: np.ndarray, counts: np.ndarray, n_groups: int) -> np.ndarray:

    onehot = np.zeros((n_groups, len(codes)))
    onehot[codes, np.arange(len(codes))] = 1.0
    return onehot @ counts


def omnibus_test(matrix: DocMatrix, labels: Sequence[str], groups: Sequence[str], by: str, level: str, *,
                 n_perm: int = 999, seed: int = 0, min_docs: int = 1,
                 lexicon: str | None = None) -> dict[str, object]:
    """Do the groups differ in their profile over the level's items? Chi-square on the hit table, with a
    permutation p-value that shuffles group labels over documents (hits cluster within documents, so the
    asymptotic p-value is too optimistic; report the permutation one). With `lexicon`, only that lexicon's
    items: a table of one lexicon's hits is a valid contingency table (each span counted once), a table
    pooling two lexicons that claim the same spans is not."""
    from scipy.special import chdtrc

    cols = matrix.columns(level, lexicon)
    labels_arr = np.asarray(list(labels), dtype=object)
    small = [g for g in groups if 0 < int((labels_arr == g).sum()) < min_docs]
    groups = [g for g in groups if g not in small]
    keep = np.isin(labels_arr, list(groups))
    counts = matrix.counts[keep][:, cols]
    present = [g for g in groups if (labels_arr[keep] == g).any()]
    codes = np.array([present.index(g) for g in labels_arr[keep]], dtype=int)
    base: dict[str, object] = {"by": by, "level": level, "lexicon": lexicon or "",
                               "groups": ";".join(present), "n_docs": int(keep.sum()),
                               "n_hits": int(counts.sum()), "chi2": np.nan, "dof": 0, "p_chi2": np.nan,
                               "p_perm": np.nan, "n_perm": 0, "cramers_v": np.nan, "note": ""}
    if small:
        base["note"] = f"left out (fewer than {min_docs} documents): {', '.join(small)}"
    if len(present) < 2:
        base["note"] = "; ".join(x for x in (str(base["note"]), "fewer than two groups with enough documents: "
                                             "nothing to compare") if x)
        return base
    table = _group_table(codes, counts, len(present))
    used = table.sum(axis=0) > 0
    rows_used = table.sum(axis=1) > 0
    if used.sum() < 2 or rows_used.sum() < 2:
        base["note"] = "fewer than two groups or items with hits: nothing to compare"
        return base
    observed = chi2_stat(table[:, used])
    dof = int((rows_used.sum() - 1) * (used.sum() - 1))
    hits = _perm_chi2(codes, counts[:, used], len(present), observed, n_perm,
                      rng_for(seed, "omnibus", by, level, lexicon or ""))
    base.update(chi2=round(observed, 4), dof=dof, p_chi2=float(chdtrc(dof, observed)),
                p_perm=(hits + 1) / (n_perm + 1) if n_perm else np.nan, n_perm=n_perm,
                cramers_v=round(cramers_v(observed, table.sum(), (int(rows_used.sum()), int(used.sum()))), 4))
    if table.sum() < 5 * table.size:
        base["note"] = "; ".join(x for x in (str(base["note"]), "sparse table (fewer than 5 hits per cell on "
                                             "average): trust the permutation p-value") if x)
    return base


def _perm_chi2(codes: np.ndarray, counts: np.ndarray, n_groups: int, observed: float, n_perm: int,
               rng: np.random.Generator, chunk: int = 100) -> int:
    """How many label permutations give a chi-square at least as large as observed (batched)."""
    n = len(codes)
    col = counts.sum(axis=0)
    total = col.sum()
    hits = 0
    chunk = block_size(n_groups * n, chunk)
    for start in range(0, n_perm, chunk):
        size = min(chunk, n_perm - start)
        perms = np.stack([rng.permutation(codes) for _ in range(size)])  # size x n
        onehot = np.zeros((size, n_groups, n))
        onehot[np.arange(size)[:, None], perms, np.arange(n)[None, :]] = 1.0
        tables = onehot @ counts  # size x groups x items
        expected = tables.sum(axis=2, keepdims=True) * col[None, None, :] / total
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.where(expected > 0, (tables - expected) ** 2 / np.where(expected > 0, expected, 1), 0.0)
        hits += int((stat.sum(axis=(1, 2)) >= observed - 1e-9).sum())
    return hits


def pair_differences(matrix: DocMatrix, labels: Sequence[str], a: str, b: str, by: str, level: str, *,
                     n_boot: int = 1000, n_perm: int = 999, ci: float = 0.95, seed: int = 0,
                     min_docs: int = 2) -> list[dict[str, object]]:
    """Per item: rate and share in groups a and b, b - a with a stratified bootstrap interval and a
    two-sided permutation p-value (labels shuffled over the documents of a and b)."""
    cols = matrix.columns(level)
    labels_arr = np.asarray(list(labels), dtype=object)
    in_a, in_b = labels_arr == a, labels_arr == b
    m = len(cols)
    ca, cb = matrix.counts[in_a][:, cols], matrix.counts[in_b][:, cols]
    ta, tb = matrix.n_tokens[in_a], matrix.n_tokens[in_b]
    own = matrix.own_totals()[:, cols]
    ha, hb = own[in_a], own[in_b]
    rate_a = ratio(ca.sum(axis=0), np.full(m, ta.sum()), 1000.0)
    rate_b = ratio(cb.sum(axis=0), np.full(m, tb.sum()), 1000.0)
    share_a = ratio(ca.sum(axis=0), ha.sum(axis=0))  # of the item's own lexicon's hits
    share_b = ratio(cb.sum(axis=0), hb.sum(axis=0))
    diff = rate_b - rate_a
    lo = hi = p = np.full(m, np.nan)
    if len(ta) >= max(min_docs, 2) and len(tb) >= max(min_docs, 2):
        ra = bootstrap_sums([ca, ta], n_boot, rng_for(seed, "diff", by, level, a, b, "a"))
        rb = bootstrap_sums([cb, tb], n_boot, rng_for(seed, "diff", by, level, a, b, "b"))
        lo, hi = interval(ratio(rb[:, :m], rb[:, m:], 1000.0) - ratio(ra[:, :m], ra[:, m:], 1000.0), ci)
        p = _perm_p(np.vstack([ca, cb]), np.concatenate([ta, tb]), len(tb), diff, n_perm,
                    rng_for(seed, "perm", by, level, a, b))
    rows = []
    for j, col in enumerate(cols):
        rows.append({"by": by, "group_a": a, "group_b": b, "level": level, "item": matrix.items[col][2],
                     "rate_a": rate_a[j], "rate_b": rate_b[j], "diff": diff[j], "diff_lo": lo[j], "diff_hi": hi[j],
                     "share_a": share_a[j], "share_b": share_b[j], "share_diff": share_b[j] - share_a[j],
                     "p_perm": p[j], "p_holm": float("nan"), "p_bh": float("nan")})
    return rows


def _perm_p(counts: np.ndarray, tokens: np.ndarray, n_b: int, observed: np.ndarray, n_perm: int,
            rng: np.random.Generator) -> np.ndarray:
    """Two-sided permutation p-values of the rate difference, all items at once."""
    n = len(tokens)
    total_c, total_t = counts.sum(axis=0), tokens.sum()
    extreme = np.zeros(counts.shape[1])
    valid = 0
    chunk = block_size(n, 200)
    for start in range(0, n_perm, chunk):
        size = min(chunk, n_perm - start)
        masks = np.zeros((size, n))
        for r in range(size):
            masks[r, rng.choice(n, n_b, replace=False)] = 1.0
        cb, tb = masks @ counts, masks @ tokens
        d = ratio(cb, tb[:, None], 1000.0) - ratio(total_c - cb, (total_t - tb)[:, None], 1000.0)
        ok = ~np.isnan(d).any(axis=1)
        valid += int(ok.sum())
        extreme += (np.abs(d[ok]) >= np.abs(observed) - 1e-9).sum(axis=0)
    out = (extreme + 1) / (valid + 1)
    out[np.isnan(observed)] = np.nan
    return out


def adjust_family(diffs: pd.DataFrame) -> pd.DataFrame:
    """Holm and Benjamini-Hochberg over all rows of `diffs` (one family: the report section's tests)."""
    out = diffs.copy()
    p = [float(x) for x in out["p_perm"]]
    out["p_holm"] = holm(p)
    out["p_bh"] = bh(p)
    return out


def compare_groups(matrix: DocMatrix, labels: Sequence[str], groups: Sequence[str], by: str, *,
                   n_boot: int = 1000, n_perm: int = 999, ci: float = 0.95, seed: int = 0,
                   min_docs: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Omnibus tests (both levels) and all pairwise item differences between `groups` (order kept); groups
    with fewer than `min_docs` documents get no interval or test."""
    tests, diffs = [], []
    labels = list(labels)
    present = [g for g in groups if g in set(labels)]
    for level in ("construct", "variable"):
        for lexicon in matrix.lexicons:  # one table per lexicon: lexicons may claim the same span
            tests.append(omnibus_test(matrix, labels, groups, by, level, n_perm=n_perm, seed=seed,
                                      min_docs=min_docs, lexicon=lexicon))
        for a, b in combinations(present, 2):
            diffs.extend(pair_differences(matrix, labels, a, b, by, level, n_boot=n_boot, n_perm=n_perm, ci=ci,
                                          seed=seed, min_docs=min_docs))
    diff_frame = pd.DataFrame(diffs, columns=list(schema.FRAMING_DIFFS))
    for col in ("rate_a", "rate_b", "diff", "diff_lo", "diff_hi", "share_a", "share_b", "share_diff"):
        diff_frame[col] = diff_frame[col].astype(float).round(6)
    return pd.DataFrame(tests, columns=list(schema.FRAMING_TESTS)), diff_frame
